"""Regression tests of the cross-library defects of the security review (issue #12):
a librarian cannot adopt another library's reader by id, and a desk refusing another
library's card does not say whose card it is."""

import pytest

from lending.models import Membership

pytestmark = pytest.mark.django_db


def test_a_librarian_cannot_make_another_librarys_reader_a_member(client, library, librarian, resident):
    """``resident`` belongs to ``other_library`` only."""
    client.force_login(librarian)

    response = client.post(
        "/admin/snippets/lending/membership/add/",
        {"reader": resident.pk, "library": library.pk, "category": "resident", "status": "active"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reader"]
    assert not Membership.objects.filter(reader=resident, library=library).exists()
    assert "Phạm Văn Bình" not in response.content.decode()


def test_a_membership_cannot_be_moved_to_another_person(client, library, librarian, reader_membership, resident):
    client.force_login(librarian)

    client.post(
        f"/admin/snippets/lending/membership/edit/{reader_membership.pk}/",
        {"reader": resident.pk, "library": library.pk, "category": "student", "status": "active"},
    )

    reader_membership.refresh_from_db()
    assert reader_membership.reader.full_name == "Trần Minh Anh"


def test_a_librarian_adds_a_membership_for_someone_nobody_serves_yet(client, library, librarian):
    from tests.factories.lending import ReaderFactory

    newcomer = ReaderFactory(full_name="Mai Anh Thư")
    client.force_login(librarian)

    client.post(
        "/admin/snippets/lending/membership/add/",
        {"reader": newcomer.pk, "library": library.pk, "category": "student", "status": "active"},
    )

    assert Membership.objects.filter(reader=newcomer, library=library).exists()


def test_the_desk_scan_of_another_librarys_card_names_nobody(client, library, librarian, resident):
    """Even a card that would be refused there anyway (here: suspended) is answered
    without its holder's name or ID."""
    membership = resident.memberships.get()
    membership.status = "suspended"
    membership.save()
    card = membership.cards.get()
    client.force_login(librarian)

    response = client.post(
        "/admin/desk/", {"code": card.number}, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    body = response.json()
    assert body["ok"] is False
    assert body["message"].startswith("This card was issued by")  # other_library
    assert body["member"] is None
    assert "Phạm Văn Bình" not in response.content.decode()
    assert "079090001234" not in response.content.decode()


def test_a_reader_neither_sees_nor_holds_a_staff_only_record(client, reader, staff_only_record):
    from lending.services.readers import reader_account_ensure

    client.force_login(reader_account_ensure(reader=reader))

    page = client.get(f"/ban-doc/tai-lieu/{staff_only_record.pk}/")
    hold = client.post(f"/ban-doc/tai-lieu/{staff_only_record.pk}/", {"action": "hold"})

    assert page.status_code == 404
    assert hold.status_code == 404
    assert staff_only_record.title not in page.content.decode()
    assert not staff_only_record.holds.exists()


def test_a_staff_only_file_refused_to_a_reader_does_not_show_its_title(client, reader, staff_only_record):
    from django.core.files.base import ContentFile

    from catalog.models import DigitalFile, DigitalFormat
    from lending.services.readers import reader_account_ensure

    digital_file = DigitalFile.objects.create(
        record=staff_only_record,
        format=DigitalFormat.PDF,
        file=ContentFile(b"%PDF-1.4 test", name="de-kiem-tra.pdf"),
        mime_type="application/pdf",
        size_bytes=13,
    )
    client.force_login(reader_account_ensure(reader=reader))

    response = client.get(f"/catalog/files/{digital_file.pk}/")

    assert response.status_code == 404
    assert staff_only_record.title not in response.content.decode()
