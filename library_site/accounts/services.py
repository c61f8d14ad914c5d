"""Writes for staff two-step sign-in: setting up an authenticator app (TOTP), backup
codes (django-otp's static tokens), checking a code, turning it off or resetting it.

Every change is written to Wagtail's log against the user it concerns."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.functional import LazyObject, empty

from wagtail.log_actions import log

from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
BACKUP_NAME = "backup"
TOTP_TOKEN = re.compile(r"\d{6}")


def _unwrapped(user):
    """The user model instance behind ``request.user``: django-otp's middleware wraps
    Django's lazy user in a second lazy object, and Wagtail's log finds the log model by
    the instance's type."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def _log(*, user, action: str, by) -> None:
    log(instance=_unwrapped(user), action=action, user=_unwrapped(by) if by is not None else None)


def token_normalise(text: str) -> str:
    """What the person typed, without spaces or dashes (apps show ``123 456``)."""
    return re.sub(r"[\s\-]", "", text or "").lower()[:32]


def two_factor_setup_begin(*, user) -> TOTPDevice:
    """The authenticator being set up: the pending (unconfirmed) one if the page is opened
    again, so the QR code scanned a minute ago stays valid; otherwise a new secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class SetupResult:
    device: TOTPDevice
    backup_codes: list[str]


@transaction.atomic
def two_factor_setup_confirm(*, user, device_id: int, token: str) -> SetupResult | None:
    """Confirms the pending authenticator with a code it shows; replaces any earlier
    authenticator and backup codes. None when the code is wrong (or too soon after a
    wrong one: django-otp throttles the device)."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or not device.verify_token(token_normalise(token)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _backup_codes_replace(user)
    _log(user=user, action="accounts.two_factor_enable", by=user)
    return SetupResult(device=device, backup_codes=codes)


@transaction.atomic
def backup_codes_generate(*, user) -> list[str]:
    """New backup codes for ``user``; the previous ones stop working."""
    codes = _backup_codes_replace(user)
    _log(user=user, action="accounts.backup_codes_new", by=user)
    return codes


def _backup_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@dataclass(frozen=True)
class VerifyResult:
    device: Device | None
    # Set when the device refused to check the code because of earlier wrong ones.
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.device is not None


@transaction.atomic
def two_factor_verify(*, user, token: str) -> VerifyResult:
    """Checks a 6-digit code against the user's authenticator, anything else against
    their backup codes (a backup code works once). Only one device is asked, so a wrong
    code counts once towards django-otp's throttling."""
    token = token_normalise(token)
    if not token:
        return VerifyResult(device=None)
    model = TOTPDevice if TOTP_TOKEN.fullmatch(token) else StaticDevice
    locked_until = None
    for device in model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
        allowed, data = device.verify_is_allowed()
        if not allowed:
            locked_until = (data or {}).get("locked_until")
            continue
        if device.verify_token(token):
            return VerifyResult(device=device)
    return VerifyResult(device=None, locked_until=locked_until)


@transaction.atomic
def two_factor_disable(*, user, by) -> int:
    """Removes ``user``'s authenticator and backup codes. ``by`` is the user themself
    (turning it off, after typing a current code), a superuser resetting a lost phone,
    or None (the `two_factor_reset` command).
    Returns how many devices were removed."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.filter(confirmed=True).count()
        devices.delete()
    action = "accounts.two_factor_disable" if by is not None and by.pk == user.pk else "accounts.two_factor_reset"
    _log(user=user, action=action, by=by)
    return removed
