"""Activation slips: printed after the cards of a batch for readers who have no password
yet, or one at a time from the member's row in the admin (lost slip, forgotten password)."""

import io

from wagtail.models import ModelLogEntry

import pypdf
import pytest

from lending import tasks
from lending.models import CardBatch, MembershipStatus, PersonalDataLogEntry, Reader
from lending.services.readers import reader_account_ensure
from lending.views import admin as admin_views
from tests.factories.lending import MembershipFactory, ReaderFactory

pytestmark = pytest.mark.django_db

LOGIN = "/ban-doc/dang-nhap/"
PASSWORD_PAGE = "/ban-doc/mat-khau/"


@pytest.fixture
def printed_slips(monkeypatch):
    """The slips the renderer was given, as the librarian would read them on paper."""
    printed = []
    for module in (tasks, admin_views):
        original = module.activation_slips_pdf_write if hasattr(module, "activation_slips_pdf_write") else None
        if original is not None:

            def spy(slips, out, _original=original):
                printed.extend(slips)
                return _original(slips, out)

            monkeypatch.setattr(module, "activation_slips_pdf_write", spy)
    original_pdf = tasks.cards_pdf_write

    def cards_spy(cards, out, *, progress=None, slips=()):
        printed.extend(slips)
        return original_pdf(cards, out, progress=progress, slips=slips)

    monkeypatch.setattr(tasks, "cards_pdf_write", cards_spy)
    return printed


def test_a_class_batch_prints_a_slip_for_each_reader_without_a_password(
    client, library, librarian, reader, reader_card, printed_slips
):
    # Given a classmate who already chose a password
    classmate = ReaderFactory(id_number="7900020001", full_name="Võ Thị Hồng Nhung")
    MembershipFactory(reader=classmate, library=library, class_name="7A3")
    user = reader_account_ensure(reader=classmate)
    user.set_password("mat-khau-rieng")
    user.save()
    batch = CardBatch.objects.create(library=library, requested_by=librarian, class_name="7A3", format="pdf")

    tasks.card_batch_run.enqueue(batch.pk)

    # Then one slip, for the reader who has no password; the classmate's password still works
    assert [slip.display_id for slip in printed_slips] == ["7900012345"]
    slip = printed_slips[0]
    assert (slip.full_name, slip.class_name) == ("Trần Minh Anh", "7A3")
    assert slip.sign_in_url.endswith(LOGIN)
    batch.refresh_from_db()
    with batch.file.open("rb") as handle:
        assert len(pypdf.PdfReader(io.BytesIO(handle.read())).pages) == 2
    # And the printed code signs the reader in
    assert client.post(LOGIN, {"username": "7900012345", "password": slip.code})["Location"] == PASSWORD_PAGE
    client.logout()
    assert client.post(LOGIN, {"username": "7900020001", "password": "mat-khau-rieng"})["Location"] == "/ban-doc/the/"


def test_staff_print_a_new_slip_for_a_reader_who_forgot_their_password(
    client, librarian, reader, reader_membership, printed_slips
):
    user = reader_account_ensure(reader=reader)
    user.set_password("da-quen-mat")
    user.save()
    client.force_login(librarian)
    url = f"/admin/readers/members/{reader_membership.pk}/activation-slip/"

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(url)

    assert "has already chosen a password" in page.content.decode()
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert len(pypdf.PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages) == 1
    # The old password no longer works; the code on the slip does
    client.logout()
    assert (
        "_auth_user_id" not in client.post(LOGIN, {"username": "7900012345", "password": "da-quen-mat"}).client.session
    )
    code = printed_slips[-1].code
    assert client.post(LOGIN, {"username": "7900012345", "password": code})["Location"] == PASSWORD_PAGE


def test_printing_a_slip_is_logged_without_the_readers_name(client, librarian, reader, reader_membership):
    client.force_login(librarian)

    client.post(f"/admin/readers/members/{reader_membership.pk}/activation-slip/")

    entry = PersonalDataLogEntry.objects.get(action="lending.activation_code")
    assert entry.user == librarian
    assert entry.object_id == str(reader.pk)
    assert "Trần Minh Anh" not in entry.label
    assert not ModelLogEntry.objects.filter(action="lending.activation_code").exists()


def test_staff_of_another_library_cannot_print_a_slip(client, other_librarian, reader, reader_membership):
    client.force_login(other_librarian)
    url = f"/admin/readers/members/{reader_membership.pk}/activation-slip/"

    assert client.get(url).status_code in (302, 403)  # Wagtail sends a refused user to the dashboard
    assert client.post(url).status_code in (302, 403)
    assert Reader.objects.get(pk=reader.pk).activation_code_hash == ""


def test_the_slip_button_is_on_the_members_list(client, librarian, reader_membership):
    client.force_login(librarian)

    page = client.get("/admin/snippets/lending/membership/").content.decode()

    assert f"/admin/readers/members/{reader_membership.pk}/activation-slip/" in page


def test_a_library_the_reader_left_cannot_reset_their_account(client, librarian, reader, reader_membership):
    """The reader is served elsewhere now: their account (and its loans there) is not
    this library's to open."""
    reader_membership.status = MembershipStatus.LEFT
    reader_membership.save()
    client.force_login(librarian)

    response = client.post(f"/admin/readers/members/{reader_membership.pk}/activation-slip/")

    assert response.status_code in (302, 403)
    assert Reader.objects.get(pk=reader.pk).activation_code_hash == ""
