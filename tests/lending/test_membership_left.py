"""A member who leaves, by whatever path, gets a leaving date (which starts the retention
period) and loses their card; one who comes back loses the leaving date."""

import datetime
import importlib
import io

from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

import pytest

from lending.models import CardRevocation, Membership, MembershipStatus
from lending.services.readers import readers_due_for_anonymisation

pytestmark = pytest.mark.django_db

MEMBERS = "/admin/snippets/lending/membership/"


def membership_form(membership, **changes):
    data = {
        "reader": membership.reader_id,
        "library": membership.library_id,
        "category": membership.category,
        "class_name": membership.class_name,
        "school_year": membership.school_year,
        "status": membership.status,
        "consent_given_by": membership.consent_given_by,
        "consent_version": membership.consent_version,
        "consent_given_at": "",
    }
    data.update(changes)
    return data


def test_a_member_marked_left_in_the_admin_gets_a_leaving_date_and_loses_the_card(
    client, reader_membership, reader_card, librarian
):
    client.force_login(librarian)

    response = client.post(
        f"{MEMBERS}edit/{reader_membership.pk}/", membership_form(reader_membership, status=MembershipStatus.LEFT)
    )

    assert response.status_code == 302
    reader_membership.refresh_from_db()
    assert reader_membership.status == MembershipStatus.LEFT
    assert reader_membership.left_on == timezone.localdate()
    reader_card.refresh_from_db()
    assert reader_card.is_revoked
    assert reader_card.revoked_reason == CardRevocation.LEFT


def test_a_reader_who_left_through_the_admin_is_anonymised_after_the_retention_period(
    client, reader, reader_membership, librarian, settings
):
    settings.READER_RETENTION_DAYS = 365
    client.force_login(librarian)
    client.post(
        f"{MEMBERS}edit/{reader_membership.pk}/", membership_form(reader_membership, status=MembershipStatus.LEFT)
    )

    later = timezone.localdate() + datetime.timedelta(days=366)

    assert [due.pk for due in readers_due_for_anonymisation(today=later)] == [reader.pk]


def test_a_member_who_comes_back_has_no_leaving_date(reader_membership):
    reader_membership.status = MembershipStatus.LEFT
    reader_membership.save(update_fields=["status"])
    reader_membership.refresh_from_db()
    assert reader_membership.left_on == timezone.localdate()

    reader_membership.status = MembershipStatus.ACTIVE
    reader_membership.save()

    reader_membership.refresh_from_db()
    assert reader_membership.left_on is None


def test_saving_a_member_who_left_keeps_the_leaving_date(reader_membership):
    left_on = datetime.date(2025, 6, 1)
    reader_membership.status = MembershipStatus.LEFT
    reader_membership.left_on = left_on
    reader_membership.save()

    reader_membership.class_name = ""
    reader_membership.save()

    reader_membership.refresh_from_db()
    assert reader_membership.left_on == left_on


def test_members_who_left_without_a_date_get_their_last_change_as_leaving_date(
    reader, reader_membership, reader_card, settings
):
    # given a row marked left before the leaving date was always set
    settings.READER_RETENTION_DAYS = 365
    last_change = timezone.now() - datetime.timedelta(days=400)
    Membership.objects.filter(pk=reader_membership.pk).update(
        status=MembershipStatus.LEFT, left_on=None, updated_at=last_change
    )
    migration = importlib.import_module("lending.migrations.0008_membership_left_on_card_batch_file_deleted")

    # when the migration runs
    migration.membership_left_on_fill(apps, None)

    # then the reader is due for anonymisation and the card no longer works
    reader_membership.refresh_from_db()
    assert reader_membership.left_on == timezone.localtime(last_change).date()
    reader_card.refresh_from_db()
    assert reader_card.is_revoked
    out = io.StringIO()
    call_command("anonymise_readers", stdout=out)
    assert "1 readers anonymised" in out.getvalue()


def test_readers_who_left_without_a_date_are_anonymised_even_before_the_migration(reader, reader_membership, settings):
    settings.READER_RETENTION_DAYS = 365
    Membership.objects.filter(pk=reader_membership.pk).update(
        status=MembershipStatus.LEFT, left_on=None, updated_at=timezone.now() - datetime.timedelta(days=400)
    )

    call_command("anonymise_readers", stdout=io.StringIO())

    reader.refresh_from_db()
    assert reader.anonymised_at is not None
