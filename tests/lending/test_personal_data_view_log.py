"""Staff reading personal data is logged (action ``lending.view``): who, which object,
when and through which screen, never the data. City administrators read every entry in
Site history; a library's staff only their own readers' entries. Old entries expire."""

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

import pytest

from lending.card_codes import card_payload
from lending.models import PersonalDataLogEntry
from lending.services.personal_data import VIEW_ACTION

pytestmark = pytest.mark.django_db

SITE_HISTORY = "/admin/reports/site-history/"


def _views():
    return PersonalDataLogEntry.objects.filter(action=VIEW_ACTION)


def test_opening_a_reader_in_the_admin_is_logged_without_the_name(client, librarian, reader):
    client.force_login(librarian)

    assert client.get(f"/admin/snippets/lending/reader/inspect/{reader.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/lending/reader/edit/{reader.pk}/").status_code == 200

    entries = list(_views().order_by("timestamp", "pk"))
    assert [(e.object_id, e.user, e.data["via"]) for e in entries] == [
        (str(reader.pk), librarian, "inspect"),
        (str(reader.pk), librarian, "edit"),
    ]
    for entry in entries:
        assert "Trần" not in entry.label
        assert "7900012345" not in entry.label
        assert "Trần" not in str(entry.data)


def test_opening_a_membership_is_logged(client, librarian, reader_membership):
    client.force_login(librarian)

    client.get(f"/admin/snippets/lending/membership/inspect/{reader_membership.pk}/")

    assert _views().get().object_id == str(reader_membership.pk)


def test_another_librarys_reader_is_refused_and_nothing_is_logged(client, other_librarian, reader):
    client.force_login(other_librarian)

    response = client.get(f"/admin/snippets/lending/reader/inspect/{reader.pk}/")

    assert response.status_code in (302, 403, 404)
    assert not _views().exists()


def test_scanning_a_card_at_the_desk_is_logged(client, librarian, reader_card, reader_membership):
    client.force_login(librarian)

    client.post("/admin/desk/", {"code": card_payload(reader_card)})

    entry = _views().get()
    assert (entry.object_id, entry.data["via"]) == (str(reader_membership.pk), "desk")


def test_exporting_the_members_list_logs_each_exported_member(client, librarian, reader_membership, teacher):
    client.force_login(librarian)

    response = client.get("/admin/snippets/lending/membership/?export=csv")

    assert response.status_code == 200
    assert sorted(_views().values_list("data__via", flat=True)) == ["export-csv", "export-csv"]


def test_the_city_administrator_reads_view_entries_and_other_staff_do_not(
    client, librarian, other_librarian, superuser, reader
):
    client.force_login(librarian)
    client.get(f"/admin/snippets/lending/reader/inspect/{reader.pk}/")
    label = _views().get().label

    client.force_login(superuser)
    history = client.get(SITE_HISTORY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert label in history
    assert "View personal data" in history

    client.force_login(other_librarian)
    history = client.get(SITE_HISTORY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "View personal data" not in history
    assert PersonalDataLogEntry.objects.viewable_by_user(other_librarian).filter(action=VIEW_ACTION).count() == 0
    assert PersonalDataLogEntry.objects.viewable_by_user(librarian).filter(action=VIEW_ACTION).count() == 1


def test_old_entries_expire(client, librarian, reader, settings):
    settings.PERSONAL_DATA_LOG_KEEP_DAYS = 30
    client.force_login(librarian)
    client.get(f"/admin/snippets/lending/reader/inspect/{reader.pk}/")
    client.get(f"/admin/snippets/lending/reader/edit/{reader.pk}/")
    old = _views().order_by("pk").first()
    PersonalDataLogEntry.objects.filter(pk=old.pk).update(timestamp=timezone.now() - datetime.timedelta(days=31))
    out = io.StringIO()

    call_command("purge_personal_data_log", stdout=out)

    assert "deleted: 1" in out.getvalue()
    assert list(_views().values_list("data__via", flat=True)) == ["edit"]


def test_opening_an_erasure_request_to_decide_is_logged(client, librarian, reader):
    from lending.services.personal_data import erasure_request_create

    erasure = erasure_request_create(reader=reader)
    client.force_login(librarian)

    assert client.get(f"/admin/readers/erasure/{erasure.pk}/").status_code == 200

    entry = _views().get()
    assert (entry.object_id, entry.data["via"]) == (str(reader.pk), "erasure-decide")


def test_downloading_a_card_batch_logs_each_member_on_it(client, librarian, library, reader_card, reader_membership):
    from lending.models import CardBatch
    from lending.tasks import card_batch_run

    batch = CardBatch.objects.create(library=library, requested_by=librarian, class_name="7A3", format="pdf")
    card_batch_run.enqueue(batch.pk)
    client.force_login(librarian)

    response = client.get(f"/admin/readers/cards/{batch.pk}/download/")

    assert response.status_code == 200
    entry = _views().get()
    assert (entry.object_id, entry.data["via"]) == (str(reader_membership.pk), f"card-batch-{batch.pk}")
