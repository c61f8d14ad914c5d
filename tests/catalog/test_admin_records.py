import pytest

from catalog.models import Copy, CopyStatus, Record
from catalog.services.records import record_withdraw
from tests.factories.catalog import CopyFactory

pytestmark = pytest.mark.django_db

RECORD_LIST = "/admin/snippets/catalog/record/"
COPY_LIST = "/admin/snippets/catalog/copy/"


def _record_form(library, **overrides):
    form = {
        "title": "Lão Hạc",
        "subtitle": "",
        "publisher": "Nhà xuất bản Văn học",
        "year": "2016",
        "edition": "",
        "isbn": "",
        "language": "vi",
        "ddc": "895.922",
        "kind": "printed_book",
        "access_level": "public",
        "library": str(library.pk),
        "summary": "",
        "keywords": "",
        "licence_note": "",
        "contributors-TOTAL_FORMS": "1",
        "contributors-INITIAL_FORMS": "0",
        "contributors-MIN_NUM_FORMS": "0",
        "contributors-MAX_NUM_FORMS": "1000",
        "contributors-0-name": "Nam Cao",
        "contributors-0-role": "author",
        "contributors-0-ORDER": "1",
        "digital_files-TOTAL_FORMS": "0",
        "digital_files-INITIAL_FORMS": "0",
        "digital_files-MIN_NUM_FORMS": "0",
        "digital_files-MAX_NUM_FORMS": "1000",
    }
    form.update(overrides)
    return form


def test_library_staff_group_may_catalogue(library):
    codenames = set(library.staff_group.permissions.values_list("codename", flat=True))
    assert {"add_record", "change_record", "add_copy", "change_copy"} <= codenames
    assert "delete_record" not in codenames


def test_librarian_catalogues_a_record_with_a_code_and_normalised_text(client, library, librarian):
    client.force_login(librarian)

    # The title arrives decomposed (NFD), as some keyboards send it.
    response = client.post(f"{RECORD_LIST}add/", _record_form(library, title="La\u0303o Ha\u0323c"))

    assert response.status_code == 302, response.content.decode()[:3000]
    record = Record.objects.get(title="Lão Hạc")
    assert record.code.startswith("HL")
    assert record.created_by == librarian
    assert record.first_author == "Nam Cao"
    assert record.match_key == "lao hac|nam cao|2016"


def test_librarian_reads_every_record_but_edits_only_their_own(client, record, other_library_record, librarian):
    client.force_login(librarian)

    listing = client.get(RECORD_LIST).content.decode()
    assert "Đất rừng phương Nam" in listing
    assert "Dế Mèn phiêu lưu ký" in listing
    assert f"{RECORD_LIST}edit/{record.pk}/" in listing
    assert f"{RECORD_LIST}edit/{other_library_record.pk}/" not in listing

    assert client.get(f"{RECORD_LIST}edit/{record.pk}/").status_code == 200
    assert client.get(f"{RECORD_LIST}inspect/{other_library_record.pk}/").status_code == 200
    response = client.post(
        f"{RECORD_LIST}edit/{other_library_record.pk}/",
        _record_form(other_library_record.library, title="Đổi tên trái phép"),
    )
    assert response.status_code in (302, 403)
    other_library_record.refresh_from_db()
    assert other_library_record.title == "Dế Mèn phiêu lưu ký"


def test_librarian_cannot_file_a_record_under_another_library(client, library, other_library, librarian):
    client.force_login(librarian)

    response = client.post(f"{RECORD_LIST}add/", _record_form(other_library))

    assert response.status_code == 200  # the form comes back with an error
    assert not Record.objects.filter(title="Lão Hạc").exists()


def test_librarian_adds_their_own_copy_to_a_neighbours_record(client, library, other_library_record, librarian):
    client.force_login(librarian)
    form = {
        "record": str(other_library_record.pk),
        "barcode": "ck000777",
        "library": str(library.pk),
        "call_number": "895.922 T450H",
        "shelf_location": "Kệ thiếu nhi",
        "status": "available",
        "acquired_on": "",
        "note": "",
    }

    response = client.post(f"{COPY_LIST}add/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    copy = Copy.objects.get(barcode="CK000777")
    assert copy.library == library
    assert copy.record == other_library_record


def test_librarian_cannot_change_another_librarys_copy(client, other_library_record, librarian):
    foreign_copy = CopyFactory(record=other_library_record, barcode="PNT00001")
    client.force_login(librarian)

    assert client.get(f"{COPY_LIST}edit/{foreign_copy.pk}/").status_code in (302, 403)


def test_withdrawing_a_record_withdraws_copies_on_the_shelf_only(client, record, librarian):
    on_loan = CopyFactory(record=record, library=record.library, barcode="CK000002", status=CopyStatus.ON_LOAN)
    client.force_login(librarian)

    page = client.get(f"/admin/catalog/records/{record.pk}/withdraw/")
    assert "Đất rừng phương Nam" in page.content.decode()
    response = client.post(f"/admin/catalog/records/{record.pk}/withdraw/")

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.is_withdrawn
    assert set(record.copies.values_list("barcode", "status")) == {
        ("CK000001", CopyStatus.WITHDRAWN),
        (on_loan.barcode, CopyStatus.ON_LOAN),
    }


def test_withdraw_is_refused_for_another_librarys_record(client, other_library_record, librarian):
    client.force_login(librarian)

    assert client.post(f"/admin/catalog/records/{other_library_record.pk}/withdraw/").status_code in (302, 403)
    other_library_record.refresh_from_db()
    assert not other_library_record.is_withdrawn


def test_withdrawing_twice_keeps_the_first_date(record):
    first = record_withdraw(record=record).withdrawn_at
    assert record_withdraw(record=record).withdrawn_at == first


@pytest.mark.parametrize(
    ("typed", "stored"), [("604-2-12452-8", "9786042124522"), ("978-604-2-12452-2", "9786042124522")]
)
def test_isbn_typed_with_hyphens_or_as_isbn10_is_stored_as_isbn13(client, library, librarian, typed, stored):
    client.force_login(librarian)

    response = client.post(f"{RECORD_LIST}add/", _record_form(library, isbn=typed))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Record.objects.get(title="Lão Hạc").isbn == stored


def test_isbn_with_a_wrong_check_digit_is_refused(client, library, librarian):
    client.force_login(librarian)

    response = client.post(f"{RECORD_LIST}add/", _record_form(library, isbn="978-604-2-12452-4"))

    assert response.status_code == 200
    assert "978-604-2-12452-4" in response.content.decode()
    assert not Record.objects.filter(title="Lão Hạc").exists()


def test_record_with_a_pdf_gets_a_cover_from_its_first_page(client, library, librarian):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from library_site.demo.images import draw_pdf

    pdf = draw_pdf(title="Lão Hạc", pages=["Nam Cao"])
    client.force_login(librarian)
    form = _record_form(
        library,
        kind="digitised_book",
        **{
            "digital_files-TOTAL_FORMS": "1",
            "digital_files-0-label": "Toàn văn",
            "digital_files-0-format": "pdf",
            "digital_files-0-file": SimpleUploadedFile("lao-hac.pdf", pdf, content_type="application/pdf"),
            "digital_files-0-url": "",
            "digital_files-0-page_count": "",
            "digital_files-0-duration_seconds": "",
            "digital_files-0-licence_count": "",
            "digital_files-0-ORDER": "1",
        },
    )

    response = client.post(f"{RECORD_LIST}add/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    record = Record.objects.get(title="Lão Hạc")
    digital_file = record.digital_files.get()
    assert digital_file.page_count == 2
    assert digital_file.mime_type == "application/pdf"
    assert record.cover is not None
    assert record.cover.collection == library.collection
