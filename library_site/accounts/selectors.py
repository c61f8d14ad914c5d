"""Reads about staff two-step sign-in (django-otp devices)."""

from django.conf import settings

from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken

from library_site.libraries.selectors import user_is_library_staff, user_is_officer


def two_factor_required(user) -> bool:
    """Whether ``user`` must have a confirmed authenticator before using staff screens:
    superusers (city administrators) under ``OTP_REQUIRED_FOR_SUPERUSERS``, every
    library's staff and every education officer under ``OTP_REQUIRED_FOR_STAFF``."""
    if not user.is_authenticated:
        return False
    if user.is_superuser and getattr(settings, "OTP_REQUIRED_FOR_SUPERUSERS", True):
        return True
    if not getattr(settings, "OTP_REQUIRED_FOR_STAFF", False):
        return False
    return user_is_library_staff(user) or user_is_officer(user)


def two_factor_enabled(user) -> bool:
    """Whether ``user`` has a confirmed device (authenticator app or backup codes)."""
    return user.is_authenticated and user_has_device(user, confirmed=True)


def backup_codes_remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
