"""Readers sign in with the ID on their card: the first time with the one-time
activation code the library handed them, then with a password of their own. Failures are
throttled per account, whichever way its ID is typed, and per client address."""

import datetime

from django.utils import timezone

import pytest
from axes.models import AccessAttempt

from lending.models import MembershipStatus, Reader
from lending.services.activation import activation_code_issue
from lending.services.readers import reader_account_ensure
from tests.fixtures.lending import CARD_VALID_UNTIL

pytestmark = pytest.mark.django_db

LOGIN = "/ban-doc/dang-nhap/"
PASSWORD_PAGE = "/ban-doc/mat-khau/"
NEW_PASSWORD = "sach-hay-moi-ngay"


def _activate(client, code):
    client.post(LOGIN, {"username": "7900012345", "password": code})
    client.post(PASSWORD_PAGE, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_first_sign_in_with_the_activation_code_then_choose_a_password(client, reader, reader_activation_code):
    response = client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code})

    assert response["Location"] == PASSWORD_PAGE
    assert client.get("/ban-doc/the/")["Location"] == PASSWORD_PAGE
    response = client.post(PASSWORD_PAGE, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/ban-doc/the/"
    client.logout()

    # The code is spent; the chosen password works.
    assert client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code}).status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(LOGIN, {"username": "7900012345", "password": NEW_PASSWORD})
    assert response["Location"] == "/ban-doc/the/"


def test_the_date_of_birth_is_no_password(client, reader, reader_activation_code):
    """A class knows its classmates' birthdays: it must not open an unclaimed account."""
    response = client.post(LOGIN, {"username": "7900012345", "password": "02092013"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_reader_without_a_slip_cannot_sign_in(client, reader):
    response = client.post(LOGIN, {"username": "7900012345", "password": "02092013"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "activation code" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_code_may_be_typed_in_small_letters_without_the_dash(client, reader, reader_activation_code):
    typed = reader_activation_code.replace("-", " ").lower()

    response = client.post(LOGIN, {"username": "7900012345", "password": typed})

    assert response["Location"] == PASSWORD_PAGE


def test_a_new_slip_replaces_the_old_one(client, reader, reader_activation_code):
    new_code = activation_code_issue(reader=reader)

    client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code})
    assert "_auth_user_id" not in client.session
    assert client.post(LOGIN, {"username": "7900012345", "password": new_code})["Location"] == PASSWORD_PAGE


def test_an_expired_code_is_refused(client, reader, reader_activation_code, settings):
    settings.READER_ACTIVATION_CODE_DAYS = 30
    Reader.objects.filter(pk=reader.pk).update(activation_code_issued_at=timezone.now() - datetime.timedelta(days=31))

    client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code})

    assert "_auth_user_id" not in client.session


def test_only_a_hash_of_the_code_is_stored(reader, reader_activation_code):
    reader.refresh_from_db()

    assert reader.activation_code_hash
    assert reader_activation_code.replace("-", "") not in reader.activation_code_hash


def test_a_forgotten_password_gives_way_to_a_new_code(client, reader, reader_activation_code):
    _activate(client, reader_activation_code)
    client.logout()

    code = activation_code_issue(reader=reader, reset_password=True)

    assert client.post(LOGIN, {"username": "7900012345", "password": NEW_PASSWORD}).status_code == 200
    assert client.post(LOGIN, {"username": "7900012345", "password": code})["Location"] == PASSWORD_PAGE


def test_repeated_failures_lock_the_account_whichever_way_the_id_is_typed(client, reader, reader_activation_code):
    """``7900012345``, ``moet:7900012345`` and ``:7900012345`` are one account."""
    for typed in ["7900012345", "moet:7900012345", ":7900012345", " MOET:7900012345", "7900012345"]:
        client.post(LOGIN, {"username": typed, "password": "WRONG-CODE"})

    response = client.post(
        LOGIN, {"username": "7900012345", "password": reader_activation_code}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert 'name="username"' in response.content.decode()  # the form, with the lock's message
    assert "_auth_user_id" not in client.session


def test_the_lock_of_one_account_leaves_others_alone(client, reader, teacher, reader_activation_code):
    teacher_code = activation_code_issue(reader=teacher)
    for _attempt in range(5):
        client.post(LOGIN, {"username": "7900012345", "password": "WRONG-CODE"})

    response = client.post(LOGIN, {"username": "GV00000042", "password": teacher_code})

    assert response["Location"] == PASSWORD_PAGE


def test_the_lock_ends_after_the_configured_minutes(client, reader, reader_activation_code, settings):
    for _attempt in range(5):
        client.post(LOGIN, {"username": "7900012345", "password": "WRONG-CODE"})
    assert client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code}).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code})["Location"] == (
        PASSWORD_PAGE
    )


def test_one_address_trying_many_accounts_is_locked_too(client, reader, teacher, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    teacher_code = activation_code_issue(reader=teacher)
    for number in range(8):
        client.post(LOGIN, {"username": f"79000{number:05d}", "password": "WRONG-CODE"})

    locked = client.post(LOGIN, {"username": "GV00000042", "password": teacher_code})
    elsewhere = client.post(LOGIN, {"username": "GV00000042", "password": teacher_code}, REMOTE_ADDR="203.0.113.7")

    assert locked.status_code == 429
    assert elsewhere["Location"] == PASSWORD_PAGE


def test_a_forwarded_for_header_does_not_escape_the_address_count(client, reader, teacher, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    teacher_code = activation_code_issue(reader=teacher)
    for number in range(4):
        client.post(
            LOGIN, {"username": f"79000{number:05d}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}"
        )

    assert client.post(LOGIN, {"username": "GV00000042", "password": teacher_code}).status_code == 429


def test_signing_in_to_ones_own_account_does_not_clear_the_address_count(client, reader, teacher, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    _activate(client, activation_code_issue(reader=reader))
    client.logout()
    teacher_code = activation_code_issue(reader=teacher)
    for number in range(3):
        client.post(LOGIN, {"username": f"79000{number:05d}", "password": "x"})
    assert client.post(LOGIN, {"username": "7900012345", "password": NEW_PASSWORD})["Location"] == "/ban-doc/the/"
    client.logout()
    for number in range(3, 6):
        client.post(LOGIN, {"username": f"79000{number:05d}", "password": "x"})

    assert client.post(LOGIN, {"username": "GV00000042", "password": teacher_code}).status_code == 429


def test_the_throttle_keeps_no_id_or_password(client, reader):
    client.post(LOGIN, {"username": "moet:7900012345", "password": "SECRET-GUESS"})

    attempt = AccessAttempt.objects.get()
    assert attempt.username == f"reader:{reader.pk}"
    assert "7900012345" not in attempt.post_data
    assert "SECRET-GUESS" not in attempt.post_data


def test_a_reader_who_left_cannot_sign_in(client, reader, reader_membership, reader_activation_code):
    reader_membership.status = MembershipStatus.LEFT
    reader_membership.save()

    client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code})

    assert "_auth_user_id" not in client.session


def test_card_page_needs_a_signed_in_reader(client, db):
    assert client.get("/ban-doc/the/")["Location"].startswith(LOGIN)


def test_reader_sees_their_card_and_can_download_it(client, reader, reader_card, reader_activation_code):
    _activate(client, reader_activation_code)

    page = client.get("/ban-doc/the/").content.decode()

    assert "Trần Minh Anh" in page
    assert "7A3" in page
    assert f"/ban-doc/the/{reader_card.pk}.png" in page
    assert f"{CARD_VALID_UNTIL:%d/%m/%Y}" in page
    response = client.get(f"/ban-doc/the/{reader_card.pk}.png?download=1")
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "attachment" in response["Content-Disposition"]


def test_a_reader_cannot_fetch_someone_elses_card(client, reader, reader_card, teacher, reader_activation_code):
    other_card = teacher.cards.get()
    _activate(client, reader_activation_code)

    assert client.get(f"/ban-doc/the/{other_card.pk}.png").status_code == 404


# --- The admin's sign-in ----------------------------------------------------------------------


def test_a_reader_never_signs_in_to_the_admin(client, reader, reader_activation_code):
    _activate(client, reader_activation_code)
    client.logout()
    username = reader_account_ensure(reader=reader).username

    for typed in [username, "7900012345"]:
        client.post("/admin/login/", {"username": typed, "password": NEW_PASSWORD})
        assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_is_throttled(client, librarian):
    librarian.set_password("the-right-one")
    librarian.save()
    for _attempt in range(5):
        client.post("/admin/login/", {"username": librarian.username, "password": "wrong"})

    response = client.post(
        "/admin/login/", {"username": librarian.username, "password": "the-right-one"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- Found by an attacker's review ---------------------------------------------------------


def test_an_activation_code_works_once_even_without_choosing_a_password(client, reader, reader_activation_code):
    """Someone who finds the slip after the reader signed in (and left without choosing a
    password) must not get in with it."""
    client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code})
    client.logout()

    client.post(LOGIN, {"username": "7900012345", "password": reader_activation_code})

    assert "_auth_user_id" not in client.session


def test_an_unknown_id_is_counted_without_being_kept(client, db):
    client.post(LOGIN, {"username": "7900 100 006", "password": "x"})
    client.post(LOGIN, {"username": "7900 100 006", "password": "y"})

    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 2  # one counter for the same text
    assert "7900" not in attempt.username


def test_a_very_long_unusual_name_is_refused_not_a_server_error(client, db):
    response = client.post("/admin/login/", {"username": "İ" * 150, "password": "x"})

    assert response.status_code == 200
    assert len(AccessAttempt.objects.get().username) < 60


def test_strangers_cannot_lock_a_librarian_out(client, librarian, reader, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    librarian.set_password("the-right-one")
    librarian.save()
    # Someone elsewhere tries the librarian's name; pupils at the school's address mistype
    for _attempt in range(5):
        client.post("/admin/login/", {"username": librarian.username, "password": "x"}, REMOTE_ADDR="198.51.100.9")
    for number in range(6):
        client.post(LOGIN, {"username": f"79000{number:05d}", "password": "x"})

    response = client.post("/admin/login/", {"username": librarian.username, "password": "the-right-one"})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_librarian_guessed_at_from_many_addresses_is_locked(client, librarian):
    librarian.set_password("the-right-one")
    librarian.save()
    for number in range(20):
        address = f"198.51.100.{number}"
        client.post("/admin/login/", {"username": librarian.username, "password": "x"}, REMOTE_ADDR=address)

    response = client.post("/admin/login/", {"username": librarian.username, "password": "the-right-one"})

    assert response.status_code == 429


def test_an_ipv6_client_is_counted_by_its_network(rf):
    from lending.auth import client_address

    first = rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    second = rf.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::7")
    other = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")

    assert client_address(first) == client_address(second)
    assert client_address(first) != client_address(other)
