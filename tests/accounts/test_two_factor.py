"""Two-step sign-in for staff (django-otp): required of city administrators (superusers),
optional for librarians unless OTP_REQUIRED_FOR_STAFF; a gate on the admin and the desk's
card scanner, never on readers' or public pages."""

import time
from urllib.parse import quote

from django.core.management import call_command

from wagtail.models import ModelLogEntry

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lending.services.readers import reader_account_ensure
from library_site.accounts.services import backup_codes_generate

pytestmark = pytest.mark.django_db

SETUP = "/admin/two-factor/setup/"
VERIFY = "/admin/two-factor/verify/"
INDEX = "/admin/two-factor/"
BACKUP_CODES = "/admin/two-factor/backup-codes/"
DESK = "/admin/desk/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def required(settings):
    """Production's rule: superusers must use two-step sign-in (off in settings.test)."""
    settings.OTP_REQUIRED_FOR_SUPERUSERS = True
    return settings


@pytest.fixture
def no_throttle(settings):
    """django-otp makes the device wait 1, 2, 4… seconds after each wrong code; tests that
    type a right code straight after a wrong one turn that off."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def _token(device, steps_ahead: int = 0) -> str:
    """The code the app shows now (or ``steps_ahead`` periods later: a code once
    accepted is never accepted again, and tolerance lets the next one through)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _to(url: str, next_url: str) -> str:
    return f"{url}?next={quote(next_url)}"


# --- the gate ---------------------------------------------------------------------------


def test_superuser_without_device_is_sent_to_setup_from_admin_and_desk(client, required, superuser):
    client.force_login(superuser)
    for url in ("/admin/", DESK, "/admin/snippets/lending/reader/", "/admin/users/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == _to(SETUP, url)
    assert client.get(SETUP).status_code == 200
    # A form posted before the step changes nothing.
    assert client.post(DESK, {"code": "CK000001"}).status_code == 403
    response = client.post(DESK, {"code": "x"}, HTTP_ACCEPT="application/json")  # the desk's script
    assert response.status_code == 403
    assert response.json()["reason"] == "two_factor"
    # Nor may the half-signed-in user reach the code step without a device.
    assert client.get(VERIFY).status_code == 302


def test_superusers_are_not_forced_when_the_rule_is_off(client, superuser):
    client.force_login(superuser)  # settings.test: OTP_REQUIRED_FOR_SUPERUSERS = False
    assert client.get("/admin/").status_code == 200


def _gated(response) -> bool:
    location = response.get("Location", "")
    return "/admin/two-factor/" in location


def test_reader_public_and_kiosk_pages_are_unaffected(client, required, superuser, reader, library):
    client.force_login(superuser)
    for url in ("/", "/tim-kiem/", "/lending/kiosk/", "/healthz", "/static/wagtailadmin/js/core.js"):
        assert not _gated(client.get(url)), url
    # A signed-in reader (readers have no device and no admin access) is never sent to a step.
    reader_client = client.__class__()
    reader_client.force_login(reader_account_ensure(reader=reader))
    for url in ("/ban-doc/the/", "/ban-doc/muon/", "/tim-kiem/", "/admin/", DESK):
        assert not _gated(reader_client.get(url)), url


def test_librarian_without_device_is_not_forced_unless_staff_rule(client, required, librarian, settings):
    client.force_login(librarian)
    assert client.get(DESK).status_code == 200
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = client.get(DESK)
    assert response["Location"] == _to(SETUP, DESK)


def test_librarian_with_device_must_type_the_code(client, librarian, no_throttle):
    device = _device(librarian)
    client.force_login(librarian)
    for url in (DESK, "/admin/"):
        assert client.get(url)["Location"] == _to(VERIFY, url)
    # The setup page is no way around the code step.
    assert client.get(SETUP)["Location"] == _to(VERIFY, SETUP)

    response = client.post(VERIFY, {"code": "000000", "next": DESK}, **EN)
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(DESK).status_code == 302

    response = client.post(VERIFY, {"code": _token(device), "next": DESK})
    assert response.status_code == 302
    assert response["Location"] == DESK
    assert client.get(DESK).status_code == 200


def test_verify_refuses_an_outside_next_url(client, librarian):
    device = _device(librarian)
    client.force_login(librarian)
    response = client.post(VERIFY, {"code": _token(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


# --- setting up -------------------------------------------------------------------------


def test_setup_with_a_correct_code_then_next_sign_in_asks_for_it(client, required, superuser, no_throttle):
    client.force_login(superuser)
    page = client.get(_to(SETUP, DESK), **EN)
    body = page.content.decode()
    assert "<svg" in body
    assert "Turn on two-step sign-in" in body
    device = TOTPDevice.objects.get(user=superuser, confirmed=False)
    # Reloading the page keeps the same secret (the QR code already scanned stays valid).
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=superuser).count() == 1

    response = client.post(SETUP, {"code": "123456", "next": DESK}, **EN)
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(SETUP, {"code": _token(device), "next": DESK})
    assert response["Location"] == f"{BACKUP_CODES}?next={quote(DESK, safe='')}"
    device.refresh_from_db()
    assert device.confirmed
    codes_page = client.get(BACKUP_CODES).content.decode()
    codes = list(StaticToken.objects.filter(device__user=superuser).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    # Shown once.
    assert client.get(BACKUP_CODES)["Location"] == "/admin/two-factor/"
    assert client.get("/admin/").status_code == 200
    assert not _gated(client.get(DESK))
    assert ModelLogEntry.objects.filter(action="accounts.two_factor_enable", object_id=str(superuser.pk)).exists()

    # Next sign-in: password (force_login), then the code.
    client.logout()
    client.force_login(superuser)
    assert client.get("/admin/")["Location"] == _to(VERIFY, "/admin/")
    response = client.post(VERIFY, {"code": _token(device, steps_ahead=1), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_account_page_links_to_two_step_sign_in(client, librarian):
    client.force_login(librarian)
    assert INDEX in client.get("/admin/account/").content.decode()
    assert "/admin/two-factor/setup/" in client.get(INDEX).content.decode()


# --- codes ------------------------------------------------------------------------------


def test_a_backup_code_works_once(client, librarian):
    _device(librarian)
    code = backup_codes_generate(user=librarian)[0]
    client.force_login(librarian)
    assert client.post(VERIFY, {"code": code.upper(), "next": DESK})["Location"] == DESK
    assert client.get(DESK).status_code == 200

    client.logout()
    client.force_login(librarian)
    response = client.post(VERIFY, {"code": code, "next": DESK}, **EN)
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert StaticToken.objects.filter(device__user=librarian).count() == 9


def test_the_device_waits_after_a_wrong_code(client, librarian):
    """django-otp's throttling: right after a wrong code even the right one is refused."""
    device = _device(librarian)
    client.force_login(librarian)
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": _token(device)}, **EN)
    assert "Too many wrong codes: wait until" in response.content.decode()
    assert client.get(DESK).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_five_wrong_codes_sign_the_session_out(client, librarian, no_throttle):
    _device(librarian)
    client.force_login(librarian)
    for _attempt in range(4):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 200
    response = client.post(VERIFY, {"code": "000000"})
    assert response["Location"] == "/admin/login/"
    assert "_auth_user_id" not in client.session
    assert client.get(DESK)["Location"].startswith("/admin/login/")


# --- turning off, resetting -------------------------------------------------------------


def _verified_client(client, user):
    device = _device(user)
    client.force_login(user)
    client.post(VERIFY, {"code": _token(device)})
    return device


def test_turning_off_asks_for_a_current_code(client, librarian, no_throttle):
    device = _verified_client(client, librarian)
    backup_codes_generate(user=librarian)
    response = client.post(INDEX, {"action": "disable", "disable-code": "999999"}, **EN)
    assert "not right" in response.content.decode()
    assert TOTPDevice.objects.filter(user=librarian).exists()

    response = client.post(INDEX, {"action": "disable", "disable-code": _token(device, steps_ahead=1)})
    assert response["Location"] == INDEX
    assert not TOTPDevice.objects.filter(user=librarian).exists()
    assert not StaticDevice.objects.filter(user=librarian).exists()
    assert client.get(DESK).status_code == 200


def test_new_backup_codes_replace_the_old_ones(client, librarian):
    device = _verified_client(client, librarian)
    old = backup_codes_generate(user=librarian)
    response = client.post(INDEX, {"action": "backup", "backup-code": _token(device, steps_ahead=1)})
    assert response["Location"] == BACKUP_CODES
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert StaticToken.objects.filter(device__user=librarian).count() == 10


def test_superuser_resets_a_librarians_lost_phone_and_it_is_logged(client, superuser, librarian):
    _device(librarian)
    backup_codes_generate(user=librarian)
    client.force_login(superuser)
    listing = client.get("/admin/users/").content.decode()
    assert f"/admin/two-factor/reset/{librarian.pk}/" in listing
    assert "thuthu.caukieu" in client.get(f"/admin/two-factor/reset/{librarian.pk}/").content.decode()

    response = client.post(f"/admin/two-factor/reset/{librarian.pk}/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=librarian).exists()
    assert not StaticDevice.objects.filter(user=librarian).exists()
    entry = ModelLogEntry.objects.get(action="accounts.two_factor_reset", object_id=str(librarian.pk))
    assert entry.user == superuser


def test_a_librarian_cannot_reset_anyone(client, librarian, other_librarian):
    _device(other_librarian)
    client.force_login(librarian)
    response = client.post(f"/admin/two-factor/reset/{other_librarian.pk}/")
    assert response.status_code in (302, 403)
    assert TOTPDevice.objects.filter(user=other_librarian).exists()


def test_reset_command_for_a_locked_out_administrator(superuser):
    _device(superuser)
    call_command("two_factor_reset", superuser.username, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not TOTPDevice.objects.filter(user=superuser).exists()
    assert ModelLogEntry.objects.filter(action="accounts.two_factor_reset", object_id=str(superuser.pk)).exists()
