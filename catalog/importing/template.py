"""The downloadable import template: the column headings and one example row."""

import io

from django.utils.translation import gettext as _

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill

from library_site.spreadsheets import csv_bytes, xlsx_append

from .vocabulary import COLUMNS, IGNORED_COLUMNS

EXAMPLE_ROW = {
    "title": "Đất rừng phương Nam",
    "subtitle": "Tiểu thuyết",
    "authors": "Đoàn Giỏi; Nguyễn Thị Hoa (minh họa)",
    "publisher": "Nhà xuất bản Kim Đồng",
    "year": "2019",
    "edition": "Tái bản lần thứ 10",
    "isbn": "978-604-2-15234-1",
    "language": "Tiếng Việt",
    "summary": "Cuộc phiêu lưu của bé An qua những vùng đất rừng U Minh, Năm Căn.",
    "ddc": "895.9223",
    "subjects": "Ngữ văn",
    "grades": "6; 7",
    "lessons": "",  # empty: the example row must import into a catalog without lesson outlines
    "keywords": "Văn học thiếu nhi; Nam Bộ",
    "kind": "Sách in",
    "access": "Mọi người",
    "licence_note": "",
    "barcodes": "MAU-0001; MAU-0002",
    "call_number": "895.9223 Đ406G",
    "shelf_location": "Kệ văn học",
    "links": "",
}

TEMPLATE_COLUMNS = [column for column in COLUMNS if column.key not in IGNORED_COLUMNS]


def _help_rows() -> list[tuple[str, str]]:
    """What each column takes, for the second sheet of the XLSX template."""
    return [
        ("Nhan đề", _("Required. The title as on the title page.")),
        ("Tác giả", _("Several names separated by “;”. A role in parentheses: (biên tập), (dịch), (minh họa).")),
        ("Năm xuất bản", _("Four digits, e.g. 2019.")),
        ("ISBN", _("10 or 13 digits, hyphens allowed; ISBN-10 is stored as ISBN-13.")),
        ("Ngôn ngữ", _("Tiếng Việt (default), Tiếng Anh, Tiếng Pháp, Tiếng Trung, Tiếng Nhật, Tiếng Hàn, Tiếng Nga…")),
        ("Phân loại DDC", _("A DDC class such as 895.922 or 510.")),
        ("Môn học", _("Subjects of the 2018 curriculum by name or code, separated by “;”, e.g. Toán; Ngữ văn.")),
        ("Khối lớp", _("1 to 12, a range such as 6-9, or Mầm non; separated by “;”.")),
        (
            "Bài học",
            _(
                "The curriculum lessons the record serves, by code: subject code-grade-lesson number, e.g. "
                "toan-6-12 (Toán, Lớp 6, bài 12) or tieng-viet-1-3; preschool lessons end in -preschool-N. "
                "Separated by “;”. The codes are listed in Catalog → Lesson units; an unknown code is an error."
            ),
        ),
        ("Từ khóa", _("Keywords separated by “;”.")),
        ("Loại tài liệu", _("Sách in (default), Sách số hóa, Sách điện tử, Sách nói, Video, Hình ảnh, Giáo án…")),
        ("Quyền truy cập", _("Mọi người (default), Bạn đọc đã đăng nhập or Cán bộ thư viện.")),
        ("Mã vạch", _("One barcode per copy held by your library, separated by “;”. Each must be new.")),
        ("Liên kết", _("Web addresses of the online version, separated by “;”.")),
        (
            "",
            _(
                "A row that repeats a record already in the catalog (same ISBN, or same title, first author "
                "and year) adds its copies to that record."
            ),
        ),
    ]


def catalog_import_template(*, format: str) -> bytes:
    """A template with the Vietnamese headings the import accepts and one example row:
    ``format="csv"`` (UTF-8 with BOM, so Excel shows the diacritics) or ``"xlsx"``."""
    headings = [column.vietnamese for column in TEMPLATE_COLUMNS]
    example = [EXAMPLE_ROW.get(column.key, "") for column in TEMPLATE_COLUMNS]
    if format == "csv":
        return csv_bytes([headings, example])
    if format == "xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Danh mục"
        xlsx_append(sheet, headings)
        xlsx_append(sheet, example)
        fill = PatternFill("solid", fgColor="DDEBF7")
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
            width = 40 if column.key in {"title", "summary"} else 22
            sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        guide = workbook.create_sheet("Hướng dẫn")
        guide.append([_("Column"), _("What to write")])
        for cell in guide[1]:
            cell.font = Font(bold=True)
        for row in _help_rows():
            xlsx_append(guide, row)
        guide.column_dimensions["A"].width = 20
        guide.column_dimensions["B"].width = 100
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    raise ValueError(f"Unknown template format {format!r}: use 'csv' or 'xlsx'.")
