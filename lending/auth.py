"""Who signs in where, and the throttle on every password form.

- **Readers** sign in on the reader pages with the ID printed on their card
  (``7900012345``, or ``thcs-cau-kieu:123`` for a school's own number) and their
  password; before they have one, with the one-time activation code the library gave
  them (``lending.services.activation``), after which they must choose a password.
  ``ReaderIDBackend`` answers only forms that say they are a reader's sign-in
  (``authenticate(request, username=…, password=…, reader_login=True)``: the reader
  sign-in page and the course kiosk), never the admin's.
- **Staff** sign in to the admin with their user name (``StaffModelBackend``); a
  reader's account is refused there, whatever its password.
- **Throttle**: django-axes (first in ``AUTHENTICATION_BACKENDS``) counts failures on
  every form that calls ``authenticate``, with a request. ``login_attempt_key`` resolves
  what was typed to the account it names, so ``7900100006``, ``moet:7900100006`` and
  ``:7900100006`` are one counter; unknown names are counted as typed (lower case).
  ``SignInThrottle`` also counts per client address, with its own, higher limit
  (``LOGIN_MAX_FAILURES_PER_ADDRESS``): a whole school may reach us from one address.
  A success clears its account's counter only, never the address's.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Sum
from django.forms import BaseForm
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username

from lending.models import MembershipStatus, Reader
from lending.services.activation import activation_code_check, activation_code_clear
from lending.services.readers import reader_account_ensure, reader_find_by_login

MUST_SET_PASSWORD = "reader_must_set_password"
# The database-backed cache every web worker shares (the kiosk's card-scan throttle).
THROTTLE_CACHE = "shared"
MAX_LOGIN_LENGTH = 200
# A staff account is locked from everywhere only after this many times the limit (it is
# locked per address at the limit itself; see SignInThrottle).
STAFF_ACCOUNT_FACTOR = 4


def _typed_login(request, credentials) -> str:
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username", "")
    return str(typed or "").strip()


def login_attempt_key(request, credentials=None) -> str:
    """The account a sign-in attempt is for (``AXES_USERNAME_CALLABLE``): ``reader:<pk>``
    for any spelling of a reader's ID or their account's user name, ``user:<pk>`` for
    staff, else what was typed. Never the ID itself, which is personal data."""
    typed = _typed_login(request, credentials)
    if not typed or len(typed) > MAX_LOGIN_LENGTH or "\x00" in typed:
        return "invalid:" + _keyed(typed)
    reader = reader_find_by_login(typed)
    if reader is not None:
        return f"reader:{reader.pk}"
    user = get_user_model()._default_manager.filter(username=typed).only("pk").first()
    if user is not None:
        reader_pk = Reader.objects.filter(user=user).values_list("pk", flat=True).first()
        return f"reader:{reader_pk}" if reader_pk else f"user:{user.pk}"
    # What was typed may be a mistyped ID, or a password in the wrong box: kept only as
    # a keyed hash (same text, same counter), and of a bounded length.
    return "unknown:" + _keyed(typed.lower())


def _keyed(text: str) -> str:
    return salted_hmac("lending.auth.login-attempt", text, algorithm="sha256").hexdigest()[:40]


def client_address(request) -> str | None:
    """The client's address (``AXES_CLIENT_IP_CALLABLE``): ``REMOTE_ADDR``, or, behind
    ``TRUSTED_PROXY_COUNT`` reverse proxies, the address the outermost of them saw.
    Never a forwarded header a client could set itself."""
    address = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            address = forwarded[-count]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 6:
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        # One IPv6 client has a whole /64 to choose addresses from: count the network.
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class SignInThrottle(AxesDatabaseHandler):
    """django-axes' database handler with two limits: ``AXES_FAILURE_LIMIT`` failures
    per account and ``LOGIN_MAX_FAILURES_PER_ADDRESS`` per client address.

    Axes compares one count with one limit, so the address count is scaled onto the
    account limit (100 of 100 failures count as 5 of 5)."""

    def get_failures(self, request, credentials=None) -> int:
        account_attempts, address_attempts = self.get_user_attempts(request, credentials)
        limit = settings.AXES_FAILURE_LIMIT
        if get_client_username(request, credentials).startswith("user:"):
            # Staff: a stranger who knows a librarian's user name must not lock them out,
            # nor a pupil sharing the school's address: count per account *and* address,
            # and per account alone only at STAFF_ACCOUNT_FACTOR times the limit.
            here = _failures(account_attempts.filter(ip_address=request.axes_ip_address))
            anywhere = _failures(account_attempts)
            return max(here, anywhere // STAFF_ACCOUNT_FACTOR)
        by_account, by_address = _failures(account_attempts), _failures(address_attempts)
        return max(by_account, by_address * limit // max(settings.LOGIN_MAX_FAILURES_PER_ADDRESS, 1))

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A success clears the failures of its account only: someone at a school's
        address must not clear that address's count by signing in to their own account."""
        account_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _deleted = account_attempts.delete()
        return count


class StaffModelBackend(ModelBackend):
    """User name and password, for staff: a reader's account never signs in this way."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not Reader.objects.filter(user=user).exists()


class ReaderIDBackend(ModelBackend):
    """The card ID and the reader's password, or their activation code before they
    chose one. Answers only ``reader_login=True`` calls (see the module docstring)."""

    def authenticate(self, request, username=None, password=None, reader_login=False, activation=True, **kwargs):
        """``activation=False``: a password only (the course kiosk, where nobody can
        choose a password)."""
        if not reader_login or not username or not password or "\x00" in username:
            return None
        reader = reader_find_by_login(username)
        if reader is None or not reader.memberships.exclude(status=MembershipStatus.LEFT).exists():
            return None
        user = reader.user
        if user is not None and user.has_usable_password():
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
            return None
        if activation and activation_code_check(reader=reader, typed=password):
            user = reader_account_ensure(reader=reader)
            if not self.user_can_authenticate(user):
                return None
            # One time: spent now; the reader must choose a password in this session.
            activation_code_clear(reader=reader)
            return user
        return None


def sign_in_locked_response(request, original_response=None, credentials=None) -> HttpResponse:
    """What a locked sign-in shows (``AXES_LOCKOUT_CALLABLE``): the same form, its
    error replaced by the lock's message, with status 429; a plain page when the form
    is not at hand."""
    minutes = settings.LOGIN_LOCK_MINUTES
    message = ngettext(
        "Too many failed attempts. Wait %(minutes)d minute and try again, or ask the librarian.",
        "Too many failed attempts. Wait %(minutes)d minutes and try again, or ask the librarian.",
        minutes,
    ) % {"minutes": minutes}
    form = getattr(original_response, "context_data", None) and original_response.context_data.get("form")
    if isinstance(original_response, TemplateResponse) and isinstance(form, BaseForm) and form.is_bound:
        form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
        original_response.content = original_response.rendered_content
        original_response.status_code = 429
        return original_response
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
