"""*Add an existing person* (issue #12, "Adopting any reader"): a person another library
serves becomes a member here only when staff prove they are present — their card's QR
code or their ID and date of birth — through an audited, throttled flow."""

import datetime
import re

from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.test import override_settings

from wagtail.models import ModelLogEntry

import pytest

from lending.card_codes import card_payload
from lending.models import Membership, MembershipStatus, PersonalDataLogEntry, ReaderCategory
from lending.services import presence
from lending.services.cards import card_issue
from library_site.libraries.models import Library

pytestmark = pytest.mark.django_db

URL = "/admin/readers/members/add-existing/"
NEUTRAL = "No person matches; check the ID and date of birth."
# ``resident`` (a member of ``other_library`` only): Phạm Văn Bình, 079090001234, 20/01/1960.
RESIDENT_NAME = "Phạm Văn Bình"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    caches["shared"].clear()
    yield
    caches["shared"].clear()


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation form"
    return match.group(1)


def _prove_by_id(client, library, login="079090001234", dob="20/01/1960"):
    return client.post(URL, {"library": library.pk, "login": login, "date_of_birth": dob})


def _confirm(client, token, **data):
    return client.post(URL, {"token": token, "category": "resident", "school_year": "", **data})


def test_the_members_listing_and_the_add_form_lead_to_the_flow(client, library, librarian):
    client.force_login(librarian)

    listing = client.get("/admin/snippets/lending/membership/").content.decode()
    add_form = client.get("/admin/snippets/lending/membership/add/").content.decode()

    assert URL in listing
    assert URL in add_form


def test_id_and_date_of_birth_make_the_person_a_member(client, library, librarian, resident):
    client.force_login(librarian)

    proved = _prove_by_id(client, library)
    body = proved.content.decode()
    # Only the name and ID, nothing the other library holds about them.
    assert RESIDENT_NAME in body
    assert "Consent given by" in body  # the details asked for this library
    response = _confirm(client, _token(proved), consent_given_by=RESIDENT_NAME, consent_version="2026-1")

    assert response.status_code == 302
    membership = Membership.objects.get(reader=resident, library=library)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.category == ReaderCategory.RESIDENT
    assert membership.consent_given_at is not None
    assert membership.cards.filter(revoked_at__isnull=True).count() == 1
    # The other library's membership and card are untouched.
    other = resident.memberships.exclude(library=library).get()
    assert other.status == MembershipStatus.ACTIVE
    assert other.cards.filter(revoked_at__isnull=True).count() == 1


def test_a_card_scan_makes_the_person_a_member(client, library, librarian, resident):
    card = resident.memberships.get().cards.get()
    client.force_login(librarian)

    proved = client.post(URL, {"library": library.pk, "card_code": card_payload(card) + "\r\n"})
    response = client.post(
        URL, {"token": _token(proved), "category": "student", "class_name": "9a1", "school_year": "2026-2027"}
    )

    assert response.status_code == 302
    membership = Membership.objects.get(reader=resident, library=library)
    assert (membership.category, membership.class_name, membership.school_year) == ("student", "9A1", "2026-2027")
    entry = PersonalDataLogEntry.objects.get(action=presence.ADDED, object_id=str(membership.pk))
    assert entry.data == {"proof": "card", "rejoined": False}


def test_a_printed_card_number_is_not_proof(client, library, librarian, resident):
    """The number is the ID and a serial: anyone who knows the ID can write it."""
    card = resident.memberships.get().cards.get()
    client.force_login(librarian)

    response = client.post(URL, {"library": library.pk, "card_code": card.number})

    assert response.status_code == 200
    assert response.context["form"].errors["card_code"]
    assert 'name="token"' not in response.content.decode()
    assert RESIDENT_NAME not in response.content.decode()


def test_a_revoked_card_gets_the_neutral_refusal(client, library, librarian, resident):
    old = resident.memberships.get().cards.get()
    card_issue(membership=resident.memberships.get(), replaces_because="lost")
    client.force_login(librarian)

    response = client.post(URL, {"library": library.pk, "card_code": card_payload(old)})

    body = response.content.decode()
    assert "No valid reader card matches this code" in body
    assert RESIDENT_NAME not in body
    assert not Membership.objects.filter(reader=resident, library=library).exists()


@pytest.mark.parametrize(
    ("login", "dob"),
    [
        ("079090001234", "21/01/1960"),  # wrong date of birth
        ("079090009999", "20/01/1960"),  # no such ID
        ("th-pham-ngoc-thach:079090001234", "20/01/1960"),  # another issuer
    ],
)
def test_no_match_is_refused_with_one_neutral_message(client, library, librarian, resident, login, dob):
    client.force_login(librarian)

    response = _prove_by_id(client, library, login=login, dob=dob)

    body = response.content.decode()
    assert response.status_code == 200
    assert NEUTRAL in body
    assert RESIDENT_NAME not in body
    assert 'name="token"' not in body
    assert not Membership.objects.filter(reader=resident, library=library).exists()
    refusal = ModelLogEntry.objects.get(action=presence.REFUSED)
    assert refusal.content_type == ContentType.objects.get_for_model(Library)
    assert refusal.object_id == str(library.pk)
    assert refusal.data == {"proof": "id_dob", "reason": "no_match"}
    assert "079090" not in str(refusal.data)
    assert "1960" not in str(refusal.data)


@override_settings(MEMBER_PROOF_MAX_FAILURES=3)
def test_failures_lock_the_staff_user_out_even_with_the_right_answer(
    client, library, librarian, other_librarian, resident
):
    client.force_login(librarian)
    for day in (2, 3, 4):
        _prove_by_id(client, library, dob=f"{day:02d}/01/1960")

    response = _prove_by_id(client, library)

    body = response.content.decode()
    assert "Too many attempts" in body
    assert RESIDENT_NAME not in body
    assert ModelLogEntry.objects.filter(action=presence.REFUSED, data__reason="locked").count() == 1
    # Counted per staff user: a colleague is not locked out.
    assert not presence.proof_locked(user=other_librarian)


def test_the_token_cannot_be_used_by_another_user_or_forged(client, library, librarian, resident, superuser):
    client.force_login(librarian)
    token = _token(_prove_by_id(client, library))

    client.force_login(superuser)
    stolen = _confirm(client, token)
    client.force_login(librarian)
    forged = _confirm(client, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))

    assert stolen.status_code == forged.status_code == 302
    assert not Membership.objects.filter(reader=resident, library=library).exists()


def test_another_librarys_staff_cannot_add_to_a_library_they_do_not_serve(
    client, library, other_library, other_librarian, reader
):
    """``reader`` is a member of ``library``; ``other_librarian`` works for
    ``other_library`` only and cannot choose ``library``."""
    client.force_login(other_librarian)

    response = _prove_by_id(client, library, login="7900012345", dob="02/09/2013")

    assert response.status_code == 200
    assert response.context["form"].errors["library"]
    assert "Trần Minh Anh" not in response.content.decode()


def test_the_library_in_the_token_must_still_be_the_users(client, library, other_library, librarian, resident):
    client.force_login(librarian)
    token = _token(_prove_by_id(client, library))
    library.staff_group.user_set.remove(librarian)

    response = _confirm(client, token)

    assert response.status_code in (302, 403)
    assert not Membership.objects.filter(reader=resident, library=library).exists()


def test_a_reader_or_a_visitor_cannot_use_the_flow(client, library, resident):
    from lending.services.readers import reader_account_ensure

    assert client.get(URL).status_code == 302  # to the admin sign-in
    client.force_login(reader_account_ensure(reader=resident))

    response = _prove_by_id(client, library)

    assert response.status_code in (302, 403)
    assert not Membership.objects.filter(reader=resident, library=library).exists()


def test_an_active_member_is_told_so(client, library, librarian, reader):
    client.force_login(librarian)

    response = _prove_by_id(client, library, login="7900012345", dob="02/09/2013")

    assert response.status_code == 302
    follow = client.get(URL).content.decode()
    assert "Trần Minh Anh is already a member of THCS Cầu Kiệu." in follow
    assert Membership.objects.filter(reader=reader, library=library).count() == 1
    refusal = PersonalDataLogEntry.objects.get(action=presence.REFUSED)
    assert refusal.data == {"proof": "id_dob", "reason": "already_member"}


def test_a_member_who_left_comes_back_with_a_new_card(client, library, librarian, reader_membership, reader_card):
    reader_membership.status = MembershipStatus.LEFT
    reader_membership.save()
    reader_card.refresh_from_db()
    assert reader_card.is_revoked
    client.force_login(librarian)

    proved = _prove_by_id(client, library, login="7900012345", dob="02/09/2013")
    assert "They left this library on" in proved.content.decode()
    response = client.post(
        URL, {"token": _token(proved), "category": "student", "class_name": "8A1", "school_year": "2026-2027"}
    )

    assert response.status_code == 302
    reader_membership.refresh_from_db()
    assert reader_membership.status == MembershipStatus.ACTIVE
    assert reader_membership.left_on is None
    assert reader_membership.class_name == "8A1"
    assert reader_membership.cards.filter(revoked_at__isnull=True).count() == 1
    entry = PersonalDataLogEntry.objects.get(action=presence.ADDED)
    assert entry.data == {"proof": "id_dob", "rejoined": True}


def test_the_log_entry_names_no_one_and_the_librarys_staff_read_it(
    client, library, librarian, other_librarian, resident
):
    client.force_login(librarian)
    _confirm(client, _token(_prove_by_id(client, library)))
    membership = Membership.objects.get(reader=resident, library=library)

    entry = PersonalDataLogEntry.objects.get(action=presence.ADDED)
    client.get(URL)  # shows (and so consumes) the success message, which names the person
    history = client.get("/admin/reports/site-history/").content.decode()

    assert entry.object_id == str(membership.pk)
    assert entry.user_id == librarian.pk
    assert RESIDENT_NAME not in entry.label
    assert "079090001234" not in entry.label
    assert "1960" not in str(entry.data)
    assert "079090001234" not in str(entry.data)
    assert PersonalDataLogEntry.objects.viewable_by_user(librarian).filter(pk=entry.pk).exists()
    assert "Made a member in person (proof: ID and date of birth typed by staff)" in history
    assert RESIDENT_NAME not in history
    # The resident's other library does not read this library's entry.
    assert not PersonalDataLogEntry.objects.viewable_by_user(other_librarian).filter(pk=entry.pk).exists()


def test_the_service_refuses_a_duplicate(library, librarian, resident):
    presence.membership_add_existing(
        library=library, reader=resident, proof="card", by_user=librarian, category="resident"
    )

    with pytest.raises(ValidationError) as refused:
        presence.membership_add_existing(
            library=library, reader=resident, proof="card", by_user=librarian, category="resident"
        )

    assert refused.value.code == "already_member"
    assert Membership.objects.filter(reader=resident, library=library).count() == 1


def test_a_librarian_of_two_libraries_chooses_which(client, library, other_library, librarian):
    from tests.factories.lending import MembershipFactory, ReaderFactory

    other_library.staff_group.user_set.add(librarian)
    person = ReaderFactory(full_name="Võ Thị Hạnh", id_number="7900555001", date_of_birth=datetime.date(2012, 6, 1))
    MembershipFactory(reader=person, library=library)
    client.force_login(librarian)

    proved = _prove_by_id(client, other_library, login="7900555001", dob="01/06/2012")
    _confirm(client, _token(proved))

    assert Membership.objects.filter(reader=person, library=other_library).exists()
