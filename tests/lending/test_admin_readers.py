from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from lending.models import Card, CardRevocation, Reader, RosterSync

pytestmark = pytest.mark.django_db

MEMBERS = "/admin/snippets/lending/membership/"
PEOPLE = "/admin/snippets/lending/reader/"
ROSTER = "Mã học sinh,Họ và tên,Ngày sinh,Lớp,Giới tính\n7900055555,Đỗ Gia Hân,11/11/2013,7A1,Nữ\n"


def test_library_staff_see_only_their_own_readers(client, reader, resident, librarian):
    client.force_login(librarian)

    members = client.get(MEMBERS).content.decode()
    people = client.get(PEOPLE).content.decode()

    assert "Trần Minh Anh" in members
    assert "Phạm Văn Bình" not in members
    assert "Trần Minh Anh" in people
    assert "Phạm Văn Bình" not in people
    foreign = resident.memberships.get()
    assert client.get(f"{MEMBERS}inspect/{foreign.pk}/").status_code in (302, 403)
    assert client.get(f"{PEOPLE}edit/{resident.pk}/").status_code in (302, 403)


def test_roster_upload_previews_then_applies(client, library, librarian):
    client.force_login(librarian)

    response = client.post(
        "/admin/readers/roster/",
        {"library": library.pk, "file": SimpleUploadedFile("lop7a1.csv", ROSTER.encode(), content_type="text/csv")},
    )

    sync = RosterSync.objects.get()
    assert response["Location"] == f"/admin/readers/roster/{sync.pk}/"
    preview = client.get(response["Location"])
    assert "Đỗ Gia Hân" in preview.content.decode()
    assert not Reader.objects.exists()
    done = client.post(response["Location"], {"action": "apply"})
    assert done.status_code == 302
    assert Reader.objects.get(id_number="7900055555").memberships.get().class_name == "7A1"
    # The stored upload is used once only.
    client.post(response["Location"], {"action": "apply"})
    assert Reader.objects.count() == 1


def test_roster_of_another_library_cannot_be_chosen(client, other_library, librarian):
    client.force_login(librarian)

    response = client.post(
        "/admin/readers/roster/",
        {"library": other_library.pk, "file": SimpleUploadedFile("r.csv", ROSTER.encode(), content_type="text/csv")},
    )

    assert response.status_code == 200
    assert "report" not in response.context
    assert not RosterSync.objects.exists()
    assert not Reader.objects.exists()


def test_replacing_a_lost_card_revokes_the_old_one(client, reader_membership, reader_card, librarian):
    client.force_login(librarian)

    response = client.post(f"/admin/readers/members/{reader_membership.pk}/new-card/", {"reason": "lost"})

    assert response.status_code == 302
    reader_card.refresh_from_db()
    assert reader_card.revoked_reason == CardRevocation.LOST
    assert Card.objects.filter(membership=reader_membership, revoked_at__isnull=True).get().serial == 2


def test_staff_of_another_library_cannot_replace_a_card(client, reader_membership, reader_card, other_librarian):
    client.force_login(other_librarian)

    response = client.post(f"/admin/readers/members/{reader_membership.pk}/new-card/", {"reason": "lost"})

    assert response.status_code in (302, 403)
    reader_card.refresh_from_db()
    assert not reader_card.is_revoked
