"""Catalog import: CSV, Excel (XLSX), MARC21 binary and MARCXML into the shared catalog.

    report = catalog_import(library=..., filename="sach.csv", data=b"...", dry_run=False, user=..., progress=...)
    catalog_import_template(format="csv" | "xlsx") -> bytes

**Formats** are told apart by content, never by the file name: MARC21 binary (a leader
starting with the 5-digit record length, fields ending in 0x1E), MARCXML (XML with a
MARC ``collection`` or ``record`` element, any or no namespace), XLSX (a ZIP with
``xl/`` entries; the first sheet that has the headings; an old .xls is refused with
what to do), otherwise CSV (delimiter ``,``, ``;`` or tab: the one under which a line
reads as the most known headings).

**Limits.** CSV and XLSX are refused, with what to do, as soon as they pass
``IMPORT_MAX_ROWS`` rows, ``IMPORT_MAX_COLUMNS`` columns or ``IMPORT_MAX_CELLS`` values;
an XLSX also when its ``<dimension>`` claims more, or its ZIP is a likely bomb (see
``workbook``, which reads XLSX without openpyxl's padding to the claimed size).

**Text.** CSV: UTF-8 with or without BOM (also UTF-16 with BOM, Excel's "Unicode
Text"); when the bytes are not UTF-8 but read as Vietnamese in Windows-1258, as CP1258
(whose tone marks are combining characters, so everything is NFC-normalised after
decoding); anything else is refused with how to convert it. MARC: leader/09 ``a`` means
UTF-8, anything else MARC-8 (pymarc's ``marc8_to_unicode``) — except that a record
without the flag whose bytes are valid, non-ASCII UTF-8 is read as UTF-8 (Vietnamese
systems often export so; MARC-8 diacritics are never valid UTF-8). Every value is NFC.

**Columns (CSV/XLSX).** Headings are matched without case, diacritics or punctuation, in
Vietnamese or English (see ``vocabulary.COLUMNS`` for every alias); a line or two of
title above the headings is fine; unknown columns are ignored and listed in
``ImportReport.ignored_columns``.

    Nhan đề / title (required)          Phụ đề / subtitle
    Tác giả / authors  "A; B (dịch)"    roles: tác giả, biên tập|chủ biên, dịch|người dịch, minh họa
    Nhà xuất bản / publisher            Năm xuất bản / year (first 4-digit number, 1000..next year)
    Lần xuất bản / edition              ISBN (checksum; ISBN-10 stored as ISBN-13)
    Ngôn ngữ / language (default vi)    Tóm tắt / summary
    Phân loại DDC / ddc (895.922)       Môn học / subjects (code or name; ";")
    Khối lớp / grades ("6;7", "6-9", "Mầm non")
    Bài học / lessons: lesson codes <Subject.code>-<Grade.code>-<number> (";"), e.g.
        "toan-6-12; toan-6-13"; an unknown code is an error. Linked to new records only
        (a duplicate row's lessons are not, with a warning). MARC has no lessons field.
    Từ khóa / keywords (";")            Loại tài liệu / kind (value or label; default printed book)
    Quyền truy cập / access (default public)
    Ghi chú bản quyền / licence_note    Mã vạch, Số ĐKCB / barcodes (";" or ","; one copy each)
    Ký hiệu xếp giá / call_number       Vị trí kệ / shelf_location (for every copy of the row)
    Liên kết / links (";"; external-link digital files)
    Mã học liệu / code (written by the export; ignored: codes are given by the system)

Only the title column is required. A missing or empty kind means a printed book: most
school-library lists are of printed books, and a wrong kind is easy to change later.

**MARC21 mapping** (the export writes the same fields):

    245 $a (+ $n, $p joined with ". ") → title; $b → subtitle (ISBD " /", " :", " ;"… stripped)
    100/110/700/710 $a → contributors, 1XX first; role from $4 (aut, edt, trl, ill) or $e
        (author, editor, translator, illustrator, Vietnamese terms); otherwise author
    260, else 264 (ind2 1 first) $b → publisher; $c → year (first 4-digit number; else 008/07-10)
    250 $a → edition            020 $a → ISBN (first 020; qualifiers like "(pbk.)" dropped)
    041 $a, else 008/35-37 → language (vie→vi, eng→en, fre→fr, chi→zh, jpn→ja, kor→ko,
        rus→ru, khm→km, any other code → mul; no code at all → vi)
    520 $a → summary            082 $a → DDC (prime marks "/" dropped, leading ddd.ddd kept)
    650 $a → a subject when it names one (code, Vietnamese or English name), else a keyword
    653 $a → keywords           521 $a → grades, when every part names a grade ("Lớp 6; Lớp 7")
    506 $f → access level when it is one of ours (public/readers/staff)
    540 $a → licence note       856 $u → external-link digital file (label from $y, $3 or $z)
    952 (Koha items) $p barcode, $o call number, $c shelf location → a copy; a 952 without
        $p gets a generated barcode (TV…)
    852 $p barcode, $h + $i call number, $c shelf location → a copy (an 852 without $p is
        a location statement, not an item, and is skipped)
    942 $c → kind when it is one of our kinds (the export writes it); otherwise from
        leader/06: a, t → printed book, or e-book when 007/00 is "c", 008/23 is o/q/s or
        an 856 (ind2 ≠ 2) has a link; i, j → audiobook; g → video; k → image;
        m → e-learning lecture; anything else → printed book.

A record pymarc cannot read (bad leader, directory, length, encoding) is an error with
its record number; the others are still checked, so one upload lists every problem.

**Checks** (each one an error with the row or record number and the column): empty
title, ISBN checksum, year, DDC, unknown subject / grade / kind / language / access,
barcode format, a barcode used twice in the file or already in the catalog, values
longer than the database allows, links in the links column that are not web addresses.
A MARC 856 $u that is not a web address (local file paths are common) is only a warning
in ``ImportReport.warnings``: the record is imported without that link.

**Duplicates** never create a second record. A row is a duplicate when its ISBN-13 is
that of a non-withdrawn record or of an earlier row, or when its
``record_match_key(title, first author, year)`` is — provided that an author or a year is
given (a bare title such as "Toán 6" is not enough), the two ISBNs do not differ and
the two subtitles do not differ. The row is merged: its copies are added to that record
(the catalog is shared; the importing library adds its holdings); its other values are
not (the record belongs to the library that catalogued it). Duplicates are counted in
``matched`` and listed in ``duplicates``.

**All or nothing.** Every row is read and checked first; with any error nothing is
written (``committed=False``). Otherwise everything is written in one transaction with
bulk inserts (record codes reserved in one block; code, NFC and ``match_key`` set here,
since ``bulk_create`` skips the ``pre_save`` receivers). ``dry_run=True`` checks and
counts without writing.
"""

from .curriculum import CurriculumReport, curriculum_import
from .pipeline import catalog_import
from .report import FILE_LEVEL, Duplicate, ImportReport, RowError
from .template import catalog_import_template

__all__ = [
    "FILE_LEVEL",
    "CurriculumReport",
    "Duplicate",
    "ImportReport",
    "RowError",
    "catalog_import",
    "catalog_import_template",
    "curriculum_import",
]
