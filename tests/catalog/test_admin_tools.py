"""The catalog tools pages: import with preview then commit (run by the task backend,
inline in tests), export downloads, and barcode label sheets."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from pypdf import PdfReader

from catalog.models import Copy, ImportJob, Record
from tests.factories.catalog import CopyFactory

pytestmark = pytest.mark.django_db

CSV_GOOD = (
    "Nhan đề,Tác giả,Năm xuất bản,Loại tài liệu,Mã vạch\n"
    "Bến quê,Nguyễn Minh Châu,2016,printed_book,CK100001\n"
    "Chiếc lược ngà,Nguyễn Quang Sáng,2018,printed_book,CK100002;CK100003\n"
)
CSV_BAD = "Nhan đề,Tác giả,Năm xuất bản,Loại tài liệu,ISBN\nBến quê,Nguyễn Minh Châu,2016,printed_book,9786042124524\n"


def _upload(client, library, content: str, name="muc-luc.csv"):
    return client.post(
        "/admin/catalog/import/",
        {"library": library.pk, "file": SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")},
    )


def test_import_previews_first_and_saves_only_when_confirmed(client, library, librarian):
    client.force_login(librarian)

    response = _upload(client, library, CSV_GOOD)

    job = ImportJob.objects.get()
    assert response["Location"] == f"/admin/catalog/import/{job.pk}/"
    assert job.status == ImportJob.Status.PREVIEWED
    assert not Record.objects.filter(title="Bến quê").exists()
    page = client.get(f"/admin/catalog/import/{job.pk}/").content.decode()
    assert "Import now" in page or "Nhập ngay" in page

    client.post(f"/admin/catalog/import/{job.pk}/")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED
    assert Record.objects.filter(title__in=["Bến quê", "Chiếc lược ngà"]).count() == 2
    assert set(Copy.objects.filter(library=library).values_list("barcode", flat=True)) >= {
        "CK100001",
        "CK100002",
        "CK100003",
    }


def test_import_with_errors_lists_them_and_cannot_be_committed(client, library, librarian):
    client.force_login(librarian)
    _upload(client, library, CSV_BAD)
    job = ImportJob.objects.get()

    page = client.get(f"/admin/catalog/import/{job.pk}/").content.decode()
    client.post(f"/admin/catalog/import/{job.pk}/")

    assert "9786042124524" in page
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert not Record.objects.filter(title="Bến quê").exists()


def test_import_job_of_another_library_is_private(client, library, other_librarian, librarian):
    client.force_login(librarian)
    _upload(client, library, CSV_GOOD)
    job = ImportJob.objects.get()
    client.force_login(other_librarian)

    assert client.get(f"/admin/catalog/import/{job.pk}/").status_code in (302, 403)


def test_import_templates_download(client, librarian):
    client.force_login(librarian)

    csv_template = client.get("/admin/catalog/import/template.csv")
    xlsx_template = client.get("/admin/catalog/import/template.xlsx")

    assert csv_template.status_code == 200
    assert "attachment" in csv_template["Content-Disposition"]
    assert xlsx_template.content[:2] == b"PK"


@pytest.mark.parametrize(("fmt", "magic"), [("csv", None), ("marc", None), ("marcxml", b"<?xml")])
def test_export_downloads_my_librarys_records(client, record, other_library_record, librarian, fmt, magic):
    client.force_login(librarian)

    response = client.get("/admin/catalog/export/", {"scope": "mine", "format": fmt})

    assert response.status_code == 200
    body = response.content
    assert "Đất rừng phương Nam".encode() in body
    assert "Dế Mèn phiêu lưu ký".encode() not in body
    if magic:
        assert body.startswith(magic)


def test_label_sheet_for_scanned_barcodes(client, record, librarian):
    CopyFactory(record=record, library=record.library, barcode="CK000002")
    client.force_login(librarian)

    response = client.post("/admin/catalog/labels/", {"layout": "3x8", "barcodes": "ck000001\nCK000002\n"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1


def test_label_sheet_refuses_barcodes_of_other_libraries(client, record, other_library_record, librarian):
    CopyFactory(record=other_library_record, barcode="PNT00009")
    client.force_login(librarian)

    response = client.post("/admin/catalog/labels/", {"layout": "4x10", "barcodes": "CK000001\nPNT00009"})

    assert response.status_code == 200
    assert "PNT00009" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_label_sheet_can_start_after_used_labels(client, record, librarian):
    client.force_login(librarian)

    response = client.post("/admin/catalog/labels/", {"layout": "3x8", "barcodes": "CK000001", "skip": "23"})
    full = client.post("/admin/catalog/labels/", {"layout": "3x8", "barcodes": "CK000001", "skip": "24"})

    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    assert full.status_code == 200
    assert full["Content-Type"].startswith("text/html")  # 24 used labels: that sheet is full
