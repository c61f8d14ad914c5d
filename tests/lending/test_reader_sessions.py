"""Readers sign in on shared PCs: their session ends with the browser and after
READER_SESSION_IDLE_SECONDS without a request; staff sessions are left alone. Changing a
password asks for the current one, except for the forced change right after a sign-in
with a one-time code."""

from django.core.cache import caches

import pytest

from lending.auth import MUST_SET_PASSWORD
from lending.middleware import LAST_SEEN_KEY
from lending.services.readers import reader_account_ensure

pytestmark = pytest.mark.django_db

LOGIN = "/ban-doc/dang-nhap/"
CARD = "/ban-doc/the/"
PASSWORD_PAGE = "/ban-doc/mat-khau/"
PASSWORD = "sach-hay-moi-ngay"


@pytest.fixture(autouse=True)
def clear_login_throttle():
    caches["shared"].clear()


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def reader_with_password(reader, reader_card):
    user = reader_account_ensure(reader=reader)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def signed_in_reader(client, reader_with_password):
    response = client.post(LOGIN, {"username": "7900012345", "password": PASSWORD})
    assert response["Location"] == CARD
    return client


def _idle_for(client, seconds: int) -> None:
    """Move the session's last activity ``seconds`` into the past."""
    session = client.session
    session[LAST_SEEN_KEY] -= seconds
    session.save()


# --- Session length ---------------------------------------------------------------------------


def test_a_readers_session_ends_when_the_browser_closes(signed_in_reader):
    assert signed_in_reader.session.get_expire_at_browser_close()
    assert signed_in_reader.cookies["sessionid"]["expires"] == ""  # a session cookie, no date


def test_a_staff_session_is_unchanged(client, librarian):
    client.force_login(librarian)

    client.get("/admin/")

    assert not client.session.get_expire_at_browser_close()
    assert LAST_SEEN_KEY not in client.session


def test_a_reader_is_signed_out_after_two_idle_hours(signed_in_reader):
    _idle_for(signed_in_reader, 7200 + 1)

    response = signed_in_reader.get(CARD)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in signed_in_reader.session
    page = signed_in_reader.get(response["Location"]).content.decode()
    assert "You were signed out after a long time without activity" in page


def test_activity_keeps_a_reader_signed_in(signed_in_reader):
    _idle_for(signed_in_reader, 7200 - 60)

    assert signed_in_reader.get(CARD).status_code == 200
    _idle_for(signed_in_reader, 7200 - 60)  # counted from the last request, not the sign-in

    assert signed_in_reader.get(CARD).status_code == 200


def test_the_last_activity_is_written_at_most_once_a_minute(signed_in_reader):
    first = signed_in_reader.session[LAST_SEEN_KEY]
    _idle_for(signed_in_reader, 30)

    signed_in_reader.get(CARD)
    assert signed_in_reader.session[LAST_SEEN_KEY] == first - 30  # not rewritten

    _idle_for(signed_in_reader, 60)
    signed_in_reader.get(CARD)
    assert signed_in_reader.session[LAST_SEEN_KEY] >= first  # rewritten with the time of this request


def test_the_idle_time_is_a_setting(signed_in_reader, settings):
    settings.READER_SESSION_IDLE_SECONDS = 600
    _idle_for(signed_in_reader, 601)

    assert signed_in_reader.get(CARD)["Location"].startswith(LOGIN)


def test_a_reader_signed_in_another_way_gets_the_same_rules(client, reader_with_password):
    client.force_login(reader_with_password)

    assert client.get(CARD).status_code == 200

    assert client.session.get_expire_at_browser_close()
    _idle_for(client, 7201)
    assert client.get(CARD).status_code == 302


# --- Changing the password ----------------------------------------------------------------------


def test_changing_the_password_asks_for_the_current_one(signed_in_reader, reader_with_password):
    page = signed_in_reader.get(PASSWORD_PAGE).content.decode()
    assert 'name="old_password"' in page

    response = signed_in_reader.post(
        PASSWORD_PAGE, {"new_password1": "mot-mat-khau-khac", "new_password2": "mot-mat-khau-khac"}
    )

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    reader_with_password.refresh_from_db()
    assert reader_with_password.check_password(PASSWORD)


def test_a_wrong_current_password_changes_nothing(signed_in_reader, reader_with_password):
    response = signed_in_reader.post(
        PASSWORD_PAGE,
        {"old_password": "khong-phai", "new_password1": "mot-mat-khau-khac", "new_password2": "mot-mat-khau-khac"},
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    reader_with_password.refresh_from_db()
    assert reader_with_password.check_password(PASSWORD)


def test_with_the_current_password_the_change_is_saved(signed_in_reader, reader_with_password):
    response = signed_in_reader.post(
        PASSWORD_PAGE,
        {"old_password": PASSWORD, "new_password1": "mot-mat-khau-khac", "new_password2": "mot-mat-khau-khac"},
    )

    assert response["Location"] == CARD
    reader_with_password.refresh_from_db()
    assert reader_with_password.check_password("mot-mat-khau-khac")
    assert signed_in_reader.get(CARD).status_code == 200  # still signed in


def test_the_first_forced_change_after_a_one_time_code_needs_no_current_password(client, reader, reader_card):
    # Given a reader just signed in with a one-time code (lending.auth sets the flag)
    user = reader_account_ensure(reader=reader)
    client.force_login(user)
    session = client.session
    session[MUST_SET_PASSWORD] = True
    session.save()

    page = client.get(PASSWORD_PAGE).content.decode()
    response = client.post(PASSWORD_PAGE, {"new_password1": "mot-mat-khau-khac", "new_password2": "mot-mat-khau-khac"})

    assert 'name="old_password"' not in page
    assert response["Location"] == CARD
    user.refresh_from_db()
    assert user.check_password("mot-mat-khau-khac")
    assert MUST_SET_PASSWORD not in client.session
    # The next change asks for the current password again.
    assert 'name="old_password"' in client.get(PASSWORD_PAGE).content.decode()
