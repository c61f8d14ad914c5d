"""Who a kiosk is: a device turned into a self-service kiosk carries a signed cookie
(``kiosk_cookie_value``, set by ``lending.views.kiosk.kiosk_start_view``) naming its
library, a label, the librarian who started it and a random key. Every kiosk page (the
circulation kiosk in ``lending.views.kiosk``, the courses kiosk in ``community_courses``)
authenticates by that cookie alone (``kiosk_from_request``) and reads the reader
identified there in this session (``kiosk_membership``).

Also here: the visit's state in the session (``kiosk_visit``, ending after
``KIOSK_IDLE_SECONDS``) and the per-kiosk lock of failed card scans
(``kiosk_scans_locked``, ``kiosk_scan_failed``), counted in the shared cache like reader
sign-ins in ``lending.auth``.

Settings: ``KIOSK_COOKIE_DAYS`` (365), ``KIOSK_IDLE_SECONDS`` (90),
``KIOSK_ACCEPT_CARD_NUMBERS`` (off), ``KIOSK_CARD_MAX_FAILURES`` (10),
``KIOSK_CARD_LOCK_MINUTES`` (10)."""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import caches
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from library_site.libraries.models import Library
from library_site.libraries.selectors import library_list_for_user

from .auth import THROTTLE_CACHE
from .models import Membership

KIOSK_COOKIE = "kiosk"
COOKIE_SALT = "lending.kiosk"
SESSION_KEY = "kiosk"
STAFF_PERMISSION = "lending.change_membership"


def _setting(name: str, default):
    return getattr(settings, name, default)


def kiosk_idle_seconds() -> int:
    return int(_setting("KIOSK_IDLE_SECONDS", 90))


def kiosk_cookie_seconds() -> int:
    """How long a kiosk's cookie lasts."""
    return int(_setting("KIOSK_COOKIE_DAYS", 365)) * 24 * 3600


def kiosk_accepts_card_numbers() -> bool:
    """Whether the kiosk takes card numbers (the Code 128 barcode, not tamper-proof) as
    well as the QR code."""
    return bool(_setting("KIOSK_ACCEPT_CARD_NUMBERS", False))


@dataclass(frozen=True)
class Kiosk:
    """A device in kiosk mode, read from its signed cookie. ``key`` is random per start:
    the failed-scan throttle counts by it."""

    library: Library
    label: str
    key: str

    @property
    def name(self) -> str:
        """How a loan returned here names the kiosk: its label, or "kiosk" without one."""
        return self.label or "kiosk"


def kiosk_cookie_value(*, library: Library, label: str, staff) -> str:
    """The signed cookie value that turns a device into ``library``'s kiosk, started by
    the librarian ``staff``; a new random key each time."""
    return signing.dumps(
        {"library": library.pk, "label": label, "staff": staff.pk, "key": secrets.token_urlsafe(12)},
        salt=COOKIE_SALT,
    )


def kiosk_from_request(request: HttpRequest) -> Kiosk | None:
    """The kiosk this device is, or ``None`` when its cookie is missing, forged, expired
    or no longer backed by a librarian of the library. Other kiosk pages (the courses
    kiosk) authenticate with this too."""
    value = request.COOKIES.get(KIOSK_COOKIE)
    if not value:
        return None
    max_age = datetime.timedelta(days=int(_setting("KIOSK_COOKIE_DAYS", 365)))
    try:
        data = signing.loads(value, salt=COOKIE_SALT, max_age=max_age)
    except signing.BadSignature:  # forged, altered, signed for something else, or expired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("library"), int) or not isinstance(data.get("staff"), int):
        return None
    library = Library.objects.filter(pk=data["library"], is_active=True).first()
    staff = get_user_model().objects.filter(pk=data["staff"], is_active=True).first()
    if library is None or staff is None or not kiosk_libraries_for(staff).filter(pk=library.pk).exists():
        return None
    return Kiosk(library=library, label=str(data.get("label") or ""), key=str(data.get("key") or ""))


def kiosk_libraries_for(user) -> QuerySet[Library]:
    """The libraries ``user`` may turn a device into a kiosk for."""
    if not user.is_authenticated or not user.is_active or not user.has_perm(STAFF_PERMISSION):
        return Library.objects.none()
    return library_list_for_user(user=user).filter(is_active=True).order_by("name")


def kiosk_visit(request: HttpRequest, kiosk: Kiosk) -> tuple[dict, bool]:
    """The reader's visit at this kiosk from the session, and whether it just timed out."""
    state = request.session.get(SESSION_KEY) or {}
    if state.get("kiosk") != kiosk.key or state.get("library") != kiosk.library.pk or not state.get("membership"):
        return {}, False
    if timezone.now().timestamp() - float(state.get("seen", 0)) > kiosk_idle_seconds():
        return {}, True
    return state, False


def kiosk_membership(request: HttpRequest, kiosk: Kiosk) -> Membership | None:
    """The reader identified at this kiosk in this session, if the visit has not timed
    out (for other kiosk pages, such as the courses kiosk)."""
    state, _timed_out = kiosk_visit(request, kiosk)
    if not state.get("membership"):
        return None
    return Membership.objects.select_related("reader", "library").filter(pk=state["membership"]).first()


# --- Throttle of failed card scans, per kiosk ------------------------------------------------


def _failures_key(kiosk: Kiosk) -> str:
    return f"kiosk-card-failures:{kiosk.key}"


def kiosk_scans_locked(kiosk: Kiosk) -> bool:
    """Whether too many card scans failed at this kiosk lately."""
    return caches[THROTTLE_CACHE].get(_failures_key(kiosk), 0) >= int(_setting("KIOSK_CARD_MAX_FAILURES", 10))


def kiosk_scan_failed(kiosk: Kiosk) -> None:
    """Count a failed card scan at this kiosk."""
    # A plain set with the timeout (not incr, which keeps the cache's default timeout):
    # the lock lasts KIOSK_CARD_LOCK_MINUTES after the last counted failure. A success
    # does not reset the count, so valid scans cannot be interleaved to keep guessing.
    count = caches[THROTTLE_CACHE].get(_failures_key(kiosk), 0) + 1
    caches[THROTTLE_CACHE].set(_failures_key(kiosk), count, timeout=int(_setting("KIOSK_CARD_LOCK_MINUTES", 10)) * 60)
