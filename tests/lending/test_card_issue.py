import datetime

from django.db import IntegrityError

import pytest

from lending.models import Card, CardRevocation, ReaderCategory
from lending.services.cards import card_default_valid_until, card_issue

pytestmark = pytest.mark.django_db


def test_a_new_card_revokes_the_old_serial(reader_card_revoked, reader_membership):
    current = reader_membership.cards.get(revoked_at__isnull=True)

    assert reader_card_revoked.is_revoked
    assert reader_card_revoked.revoked_reason == CardRevocation.LOST
    assert current.serial == reader_card_revoked.serial + 1
    assert current.number == "7900012345-02"


def test_only_one_valid_card_per_membership(reader_membership, reader_card):
    with pytest.raises(IntegrityError):
        Card.objects.create(
            membership=reader_membership,
            reader=reader_membership.reader,
            serial=9,
            number="X-09",
            valid_until=datetime.date(2027, 8, 31),
        )


def test_serials_count_per_reader_across_libraries(reader, reader_card, other_library):
    from tests.factories.lending import MembershipFactory

    second = MembershipFactory(reader=reader, library=other_library, category=ReaderCategory.RESIDENT)
    card = card_issue(membership=second)

    assert card.serial == 2
    assert reader.memberships.count() == 2


@pytest.mark.parametrize(
    ("category", "today", "expected"),
    [
        (ReaderCategory.STUDENT, datetime.date(2026, 9, 5), datetime.date(2027, 8, 31)),
        (ReaderCategory.STUDENT, datetime.date(2027, 3, 1), datetime.date(2027, 8, 31)),
        (ReaderCategory.RESIDENT, datetime.date(2026, 11, 23), datetime.date(2027, 11, 23)),
    ],
)
def test_default_validity(reader_membership, category, today, expected):
    reader_membership.category = category
    assert card_default_valid_until(membership=reader_membership, today=today) == expected
