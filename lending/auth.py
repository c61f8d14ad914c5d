"""Sign-in with the ID printed on the reader card.

A student or teacher types the ID (``7900012345``, or ``thcs-cau-kieu:123`` for a
school's own number). The first time, before they have a password, the password is the
date of birth written ddmmyyyy; they are then asked to choose their own password (see
``lending.reader_views``). Failed attempts are counted per ID and lock it for a while,
because a date of birth is easy to guess."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches

from lending.models import MembershipStatus
from lending.services.readers import reader_account_ensure, reader_find_by_login

MUST_SET_PASSWORD = "reader_must_set_password"
# Counted in the database-backed cache so that every web worker sees the same count.
THROTTLE_CACHE = "shared"


def _failures_key(login: str) -> str:
    return f"reader-login-failures:{login.strip().lower()}"


def reader_login_locked(login: str) -> bool:
    return caches[THROTTLE_CACHE].get(_failures_key(login), 0) >= settings.READER_LOGIN_MAX_FAILURES


def _failure(login: str) -> None:
    key = _failures_key(login)
    timeout = settings.READER_LOGIN_LOCK_MINUTES * 60
    cache = caches[THROTTLE_CACHE]
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=timeout)
    # incr() re-saves the key with the cache's default timeout (300 s on the database
    # cache): the lock must last READER_LOGIN_LOCK_MINUTES after the last failure.
    cache.touch(key, timeout=timeout)


class ReaderIDBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password or reader_login_locked(username):
            return None
        reader = reader_find_by_login(username)
        if reader is None or not reader.memberships.exclude(status=MembershipStatus.LEFT).exists():
            _failure(username)
            return None
        user = reader.user
        if user is not None and user.has_usable_password():
            if user.check_password(password) and self.user_can_authenticate(user):
                caches[THROTTLE_CACHE].delete(_failures_key(username))
                return user
            _failure(username)
            return None
        if reader.date_of_birth and password == reader.date_of_birth.strftime("%d%m%Y"):
            user = reader_account_ensure(reader=reader)
            if request is not None and hasattr(request, "session"):
                request.session[MUST_SET_PASSWORD] = True
            caches[THROTTLE_CACHE].delete(_failures_key(username))
            return user
        _failure(username)
        return None
