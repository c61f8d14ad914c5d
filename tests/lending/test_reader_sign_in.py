from django.core.cache import caches

import pytest

from lending.models import MembershipStatus
from tests.fixtures.lending import CARD_VALID_UNTIL

pytestmark = pytest.mark.django_db

LOGIN = "/ban-doc/dang-nhap/"


@pytest.fixture(autouse=True)
def clear_login_throttle():
    caches["shared"].clear()


def test_first_sign_in_with_date_of_birth_then_choose_a_password(client, reader):
    response = client.post(LOGIN, {"username": "7900012345", "password": "02092013"})

    assert response["Location"] == "/ban-doc/mat-khau/"
    assert client.get("/ban-doc/the/")["Location"] == "/ban-doc/mat-khau/"
    response = client.post(
        "/ban-doc/mat-khau/", {"new_password1": "sach-hay-moi-ngay", "new_password2": "sach-hay-moi-ngay"}
    )
    assert response["Location"] == "/ban-doc/the/"
    client.logout()

    # The date of birth no longer works; the chosen password does.
    assert client.post(LOGIN, {"username": "7900012345", "password": "02092013"}).status_code == 200
    response = client.post(LOGIN, {"username": "7900012345", "password": "sach-hay-moi-ngay"})
    assert response["Location"] == "/ban-doc/the/"


def test_reader_sees_their_card_and_can_download_it(client, reader, reader_card):
    client.post(LOGIN, {"username": "7900012345", "password": "02092013"})
    client.post("/ban-doc/mat-khau/", {"new_password1": "sach-hay-moi-ngay", "new_password2": "sach-hay-moi-ngay"})

    page = client.get("/ban-doc/the/").content.decode()

    assert "Trần Minh Anh" in page
    assert "7A3" in page
    assert f"/ban-doc/the/{reader_card.pk}.png" in page
    assert f"{CARD_VALID_UNTIL:%d/%m/%Y}" in page


def test_wrong_password_is_refused_with_a_hint(client, reader):
    response = client.post(LOGIN, {"username": "7900012345", "password": "01012000"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "date of birth" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_id(client, reader, settings):
    settings.READER_LOGIN_MAX_FAILURES = 3
    for _attempt in range(3):
        client.post(LOGIN, {"username": "7900012345", "password": "00000000"})

    response = client.post(LOGIN, {"username": "7900012345", "password": "02092013"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_lasts_the_configured_minutes_after_the_last_failure(client, reader, settings):
    """The database cache's incr() would otherwise reset the expiry to five minutes."""
    import datetime

    from django.core.cache import caches
    from django.db import connection
    from django.utils import timezone

    from lending.auth import THROTTLE_CACHE, _failures_key

    settings.READER_LOGIN_LOCK_MINUTES = 60
    for _attempt in range(2):
        client.post(LOGIN, {"username": "7900012345", "password": "00000000"})

    cache = caches[THROTTLE_CACHE]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT expires FROM {connection.ops.quote_name(cache._table)} WHERE cache_key = %s",
            [cache.make_key(_failures_key("7900012345"))],
        )
        (expires,) = cursor.fetchone()
    expires = (
        connection.ops.convert_datetimefield_value(expires, None, connection) if isinstance(expires, str) else expires
    )
    if timezone.is_naive(expires):
        expires = timezone.make_aware(expires, datetime.UTC)
    assert expires > timezone.now() + datetime.timedelta(minutes=55)


def test_a_reader_who_left_cannot_sign_in(client, reader, reader_membership):
    reader_membership.status = MembershipStatus.LEFT
    reader_membership.save()

    client.post(LOGIN, {"username": "7900012345", "password": "02092013"})

    assert "_auth_user_id" not in client.session


def test_card_page_needs_a_signed_in_reader(client, db):
    assert client.get("/ban-doc/the/")["Location"].startswith(LOGIN)


def test_reader_downloads_their_card_image(client, reader, reader_card):
    client.post(LOGIN, {"username": "7900012345", "password": "02092013"})
    client.post("/ban-doc/mat-khau/", {"new_password1": "sach-hay-moi-ngay", "new_password2": "sach-hay-moi-ngay"})

    response = client.get(f"/ban-doc/the/{reader_card.pk}.png?download=1")

    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "attachment" in response["Content-Disposition"]


def test_a_reader_cannot_fetch_someone_elses_card(client, reader, reader_card, teacher):
    other_card = teacher.cards.get()
    client.post(LOGIN, {"username": "7900012345", "password": "02092013"})
    client.post("/ban-doc/mat-khau/", {"new_password1": "sach-hay-moi-ngay", "new_password2": "sach-hay-moi-ngay"})

    assert client.get(f"/ban-doc/the/{other_card.pk}.png").status_code == 404
