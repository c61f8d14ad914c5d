import datetime
import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

import pytest

from lending.models import MembershipStatus, Reader
from lending.services.readers import reader_account_ensure

pytestmark = pytest.mark.django_db


def _left(membership, days_ago: int):
    membership.status = MembershipStatus.LEFT
    membership.left_on = datetime.date.today() - datetime.timedelta(days=days_ago)
    membership.save()


def test_readers_past_the_retention_period_are_anonymised(reader, reader_membership, reader_card, settings):
    settings.READER_RETENTION_DAYS = 365
    reader_account_ensure(reader=reader)
    _left(reader_membership, days_ago=400)
    out = io.StringIO()

    call_command("anonymise_readers", stdout=out)

    reader.refresh_from_db()
    assert "1 readers anonymised" in out.getvalue()
    assert reader.anonymised_at is not None
    assert "Trần Minh Anh" not in reader.full_name
    assert reader.id_number != "7900012345"
    assert reader.date_of_birth is None
    assert reader.user is None
    assert not get_user_model().objects.filter(username=f"reader-{reader.pk}").exists()
    reader_card.refresh_from_db()
    assert reader_card.is_revoked
    # The row stays, so statistics keep their counts.
    assert Reader.objects.filter(pk=reader.pk).exists()


def test_recent_leavers_and_active_members_are_kept(reader, reader_membership, teacher, settings):
    settings.READER_RETENTION_DAYS = 365
    _left(reader_membership, days_ago=30)

    call_command("anonymise_readers", stdout=io.StringIO())

    assert Reader.objects.filter(anonymised_at__isnull=True).count() == 2


def test_a_reader_still_active_elsewhere_is_kept(reader, reader_membership, other_library, settings):
    from tests.factories.lending import MembershipFactory

    settings.READER_RETENTION_DAYS = 365
    MembershipFactory(reader=reader, library=other_library, category="resident", class_name="")
    _left(reader_membership, days_ago=800)

    call_command("anonymise_readers", stdout=io.StringIO())

    reader.refresh_from_db()
    assert reader.anonymised_at is None
