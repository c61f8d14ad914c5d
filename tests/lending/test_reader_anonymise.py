import datetime
import io

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from wagtail.models import ModelLogEntry

import pytest

from lending.models import MembershipStatus, PersonalDataLogEntry, Reader
from lending.services.cards import card_issue
from lending.services.readers import reader_account_ensure
from tests.factories.lending import MembershipFactory

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
    settings.READER_RETENTION_DAYS = 365
    MembershipFactory(reader=reader, library=other_library, category="resident", class_name="")
    _left(reader_membership, days_ago=800)

    call_command("anonymise_readers", stdout=io.StringIO())

    reader.refresh_from_db()
    assert reader.anonymised_at is None


def test_anonymisation_leaves_nothing_derived_from_the_id(reader, reader_membership, reader_card, settings):
    # given a reader with a photo, contact details, a sign-in account and two cards
    settings.READER_RETENTION_DAYS = 365
    reader.photo.save("anh.jpg", ContentFile(b"photo"), save=False)
    reader.email = "minhanh@example.edu.vn"
    reader.phone = "0901234567"
    reader.save()
    photo_name, storage = reader.photo.name, reader.photo.storage
    user = reader_account_ensure(reader=reader)
    card_issue(membership=reader_membership)
    _left(reader_membership, days_ago=400)

    call_command("anonymise_readers", stdout=io.StringIO())

    reader.refresh_from_db()
    assert storage.exists(photo_name) is False
    assert not reader.photo
    assert (reader.email, reader.phone, reader.date_of_birth) == ("", "", None)
    assert "7900012345" not in reader.id_number
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    numbers = list(reader.cards.values_list("number", flat=True))
    assert len(numbers) == 2
    assert all("7900012345" not in number for number in numbers)
    assert all(number.startswith("anon-") for number in numbers)
    assert len(set(numbers)) == 2
    assert not reader.cards.filter(revoked_at__isnull=True).exists()


def test_anonymisation_scrubs_the_admin_history_of_the_reader(client, reader, reader_membership, librarian, settings):
    # given librarians edited the reader and the membership in the admin
    settings.READER_RETENTION_DAYS = 365
    client.force_login(librarian)
    client.post(
        f"/admin/snippets/lending/reader/edit/{reader.pk}/",
        {"full_name": "Trần Minh Anh", "id_issuer": "moet", "id_number": "7900012345", "date_of_birth": "2013-09-02"},
    )
    membership_edit = {
        "reader": reader.pk,
        "library": reader_membership.library_id,
        "category": reader_membership.category,
        "class_name": "7A3",
        "school_year": reader_membership.school_year,
        "status": MembershipStatus.LEFT,
    }
    client.post(f"/admin/snippets/lending/membership/edit/{reader_membership.pk}/", membership_edit)
    # the admin history never held the name (PersonalDataLogEntry labels "Reader #12")
    assert PersonalDataLogEntry.objects.count() == 2
    assert not PersonalDataLogEntry.objects.filter(label__contains="Trần Minh Anh").exists()
    # and an entry in Wagtail's own table, written before that table existed, names them
    ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Reader),
        object_id=str(reader.pk),
        label=str(reader),
        action="wagtail.edit",
        data={"id": "7900012345"},
        timestamp=timezone.now(),
    )
    reader_membership.refresh_from_db()
    _left(reader_membership, days_ago=400)

    # when the reader is anonymised
    call_command("anonymise_readers", stdout=io.StringIO())

    # then no log entry names them or shows their ID
    entries = [*ModelLogEntry.objects.all(), *PersonalDataLogEntry.objects.all()]
    assert len(entries) == 3
    for entry in entries:
        assert "Trần Minh Anh" not in entry.label
        assert "7900012345" not in entry.label
        assert "7900012345" not in str(entry.data)
    assert f"#{reader.pk}" in ModelLogEntry.objects.get().label


def test_each_library_keeps_its_leavers_for_its_own_period(reader, reader_membership, library, resident, settings):
    # given the reader's library keeps leavers 2 years, the resident's centre 90 days
    settings.READER_RETENTION_DAYS = 365
    library.reader_retention_days = 730
    library.save()
    resident_membership = resident.memberships.get()
    resident_membership.library.reader_retention_days = 90
    resident_membership.library.save()
    _left(reader_membership, days_ago=400)
    _left(resident_membership, days_ago=100)

    call_command("anonymise_readers", stdout=io.StringIO())

    reader.refresh_from_db()
    resident.refresh_from_db()
    assert reader.anonymised_at is None
    assert resident.anonymised_at is not None


def test_a_reader_who_left_two_libraries_is_kept_for_the_longer_period(
    reader, reader_membership, library, other_library, settings
):
    settings.READER_RETENTION_DAYS = 365
    other_library.reader_retention_days = 60
    other_library.save()
    library.reader_retention_days = 500
    library.save()
    centre = MembershipFactory(reader=reader, library=other_library, category="resident", class_name="")
    _left(centre, days_ago=100)  # past the centre's 60 days
    _left(reader_membership, days_ago=400)  # within the school's 500 days

    call_command("anonymise_readers", stdout=io.StringIO())
    reader.refresh_from_db()
    assert reader.anonymised_at is None

    library.reader_retention_days = 365
    library.save()
    call_command("anonymise_readers", stdout=io.StringIO())
    reader.refresh_from_db()
    assert reader.anonymised_at is not None
