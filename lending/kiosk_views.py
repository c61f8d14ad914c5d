"""The self-service kiosk: a full-screen page where readers scan their own card, then
borrow, return and renew without a librarian.

**Turning a device into a kiosk.** A librarian (``lending.change_membership`` for the
library) opens ``/lending/kiosk/start/`` on the device, picks the library and a label.
The view sets a long-lived cookie signed with ``django.core.signing`` (library, label,
the librarian who started it, a random kiosk key) and signs the librarian *out*, so the
next person at the device cannot reach the admin. Kiosk pages authenticate by that
cookie alone; a signed-in user who turns up on a kiosk page is signed out too. The
cookie stays valid only while the librarian who started it is active and still works
for the library: deactivating that account, or removing it from the library's staff,
switches off every kiosk it started. Staff turn a kiosk off on the start page (after
signing in again).

**A reader's visit.** Step 1: scan the card's QR code (camera or scanner) — the signed
payload, so a classmate who knows a student ID cannot borrow on it; card numbers (the
Code 128 barcode, not tamper-proof) are accepted only with ``KIOSK_ACCEPT_CARD_NUMBERS``.
Step 2: the reader's open loans with a renew button each, and a borrow or return mode in
which each scanned copy barcode is lent or taken back. The visit lives in the Django
session and ends with *Finish* or after ``KIOSK_IDLE_SECONDS`` without a request; the
server enforces the timeout, the page's script only returns to the start screen on time.

**What the kiosk says.** Nobody stands behind a kiosk, so refusals are written for the
reader and never name anyone: a scanned card that is revoked, suspended or unknown does
not reveal whose it is. Failed card scans are counted per kiosk in the shared cache
(like reader sign-ins in ``lending.auth``) and lock the kiosk's card scanning for a while,
so it cannot be used to try card codes one after another.

Every action is an ordinary form post answered by a redirect (post/redirect/get), so the
kiosk works without JavaScript and a reload never scans twice."""

import datetime
import secrets
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from catalog.models import Copy
from library_site.libraries.models import Library
from library_site.libraries.selectors import library_list_for_user
from library_site.middleware import allow_features
from library_site.params import id_or_none

from .auth import THROTTLE_CACHE
from .card_codes import looks_like_payload
from .models import Loan, Membership
from .selectors import hold_for_copy
from .services.circulation import LoanRefused
from .services.loans import loan_create, loan_renew, loan_return
from .services.scan import ScanResult, card_scan, scan_text_clean

KIOSK_COOKIE = "kiosk"
COOKIE_SALT = "lending.kiosk"
SESSION_KEY = "kiosk"
OUTCOME_KEY = "kiosk_outcome"
STAFF_PERMISSION = "lending.change_membership"
MODES = ("borrow", "return")


def _setting(name: str, default):
    return getattr(settings, name, default)


def kiosk_idle_seconds() -> int:
    return int(_setting("KIOSK_IDLE_SECONDS", 90))


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


def kiosk_membership(request: HttpRequest, kiosk: Kiosk) -> Membership | None:
    """The reader identified at this kiosk in this session, if the visit has not timed
    out (for other kiosk pages, such as the courses kiosk)."""
    state, _timed_out = _visit(request, kiosk)
    if not state.get("membership"):
        return None
    return Membership.objects.select_related("reader", "library").filter(pk=state["membership"]).first()


# --- Starting and stopping kiosk mode (staff) --------------------------------------------


class KioskStartForm(forms.Form):
    library = forms.ModelChoiceField(queryset=Library.objects.none(), label=gettext_lazy("Library"), empty_label=None)
    label = forms.CharField(
        label=gettext_lazy("Name of this kiosk"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Shown on the kiosk screen, e.g. “Reading room, ground floor”."),
    )

    def __init__(self, *args, libraries: QuerySet[Library], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        self.fields["label"].widget.attrs["aria-describedby"] = "id_label-help"


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_start_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # Staff sign in through the admin (LOGIN_URL is the readers' sign-in page).
        return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
    libraries = kiosk_libraries_for(request.user)
    if not libraries.exists():
        raise PermissionDenied(_("Only library staff who manage readers can start or stop a kiosk."))
    current = kiosk_from_request(request)
    form = KioskStartForm(
        request.POST if request.POST.get("action") == "start" else None,
        libraries=libraries,
        initial={
            "library": current.library if current else libraries.first(),
            "label": current.label if current else "",
        },
    )
    if request.method == "POST" and request.POST.get("action") == "stop":
        if current is not None and not libraries.filter(pk=current.library.pk).exists():
            raise PermissionDenied(_("This kiosk belongs to a library you do not work for."))
        request.session.pop(SESSION_KEY, None)
        messages.success(request, _("Kiosk mode is off on this device."))
        response = redirect("lending:kiosk_start")
        response.delete_cookie(KIOSK_COOKIE, samesite="Lax")
        return response
    if request.method == "POST" and form.is_valid():
        library = form.cleaned_data["library"]
        token = signing.dumps(
            {
                "library": library.pk,
                "label": form.cleaned_data["label"].strip(),
                "staff": request.user.pk,
                "key": secrets.token_urlsafe(12),
            },
            salt=COOKIE_SALT,
        )
        # The device now belongs to readers: nobody standing at it may reach the admin.
        logout(request)
        response = redirect("lending:kiosk")
        response.set_cookie(
            KIOSK_COOKIE,
            token,
            max_age=int(_setting("KIOSK_COOKIE_DAYS", 365)) * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return response
    return TemplateResponse(request, "lending/kiosk/start.html", {"form": form, "current": current})


# --- The kiosk (readers) -----------------------------------------------------------------


@never_cache
@allow_features("camera")  # cards are scanned with the device's camera
@require_http_methods(["GET", "POST"])
def kiosk_view(request: HttpRequest) -> HttpResponse:
    kiosk = kiosk_from_request(request)
    if kiosk is None:
        response = redirect("lending:kiosk_start")
        if KIOSK_COOKIE in request.COOKIES:  # forged, expired or revoked: drop it
            response.delete_cookie(KIOSK_COOKIE, samesite="Lax")
        return response
    if request.user.is_authenticated:
        # A librarian who signed in on the kiosk device (to turn it off) and came back
        # here: never leave a staff session open for the next reader.
        logout(request)
    state, timed_out = _visit(request, kiosk)
    if request.method == "POST":
        return _act(request, kiosk, state, timed_out)

    outcome = request.session.pop(OUTCOME_KEY, None)
    if timed_out and outcome is None:
        outcome = ("info", _timeout_message())
    membership = loans = None
    if state.get("membership"):
        membership = Membership.objects.select_related("reader").filter(pk=state["membership"]).first()
        loans = (
            Loan.objects.filter(membership=membership, library=kiosk.library, returned_at__isnull=True)
            .select_related("copy__record")
            .order_by("due_on", "pk")
        )
    if membership is None:
        state = {}
    request.session[SESSION_KEY] = state
    return TemplateResponse(
        request,
        "lending/kiosk/kiosk.html",
        {
            "kiosk": kiosk,
            "library": kiosk.library,
            "membership": membership,
            "loans": loans,
            "mode": state.get("mode", "borrow"),
            "outcome": outcome,
            "today": timezone.localdate(),
            "idle_seconds": kiosk_idle_seconds(),
        },
    )


def _visit(request: HttpRequest, kiosk: Kiosk) -> tuple[dict, bool]:
    """The reader's visit at this kiosk from the session, and whether it just timed out."""
    state = request.session.get(SESSION_KEY) or {}
    if state.get("kiosk") != kiosk.key or state.get("library") != kiosk.library.pk or not state.get("membership"):
        return {}, False
    if timezone.now().timestamp() - float(state.get("seen", 0)) > kiosk_idle_seconds():
        return {}, True
    return state, False


def _act(request: HttpRequest, kiosk: Kiosk, state: dict, timed_out: bool) -> HttpResponse:
    action = request.POST.get("action", "scan")
    code = scan_text_clean(request.POST.get("code", ""))
    outcome = None
    response = redirect("lending:kiosk")  # post/redirect/get: a reload never scans twice
    if action == "finish":
        state = {}
        outcome = ("info", _("Goodbye! Your session has ended."))
        # The next reader starts in Vietnamese, whatever language this one chose.
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    elif timed_out and not (action == "scan" and looks_like_payload(code)):
        # What the last reader meant to do arrived after the visit ended: do nothing. (A
        # card scanned by the next reader starts a new visit.)
        outcome = ("info", _timeout_message())
    elif action in MODES and state:
        state["mode"] = action
    elif action == "renew" and state:
        outcome = _renew(state, kiosk, request.POST.get("loan", ""))
    elif action == "scan" and code:
        state, outcome = _scan(kiosk, state, code)
    if state:
        state["seen"] = timezone.now().timestamp()
    request.session[SESSION_KEY] = state
    request.session[OUTCOME_KEY] = outcome
    return response


def _scan(kiosk: Kiosk, state: dict, code: str) -> tuple[dict, tuple[str, str]]:
    accept_numbers = bool(_setting("KIOSK_ACCEPT_CARD_NUMBERS", False))
    if not state.get("membership") or looks_like_payload(code):
        return _card(kiosk, state, code, accept_numbers)
    copy = Copy.objects.filter(barcode=code.upper(), library=kiosk.library).select_related("record").first()
    if copy is None:
        if accept_numbers:  # perhaps another reader's card number
            return _card(kiosk, state, code, accept_numbers)
        return state, ("error", _("No book of this library has the barcode %(code)s.") % {"code": code})
    if state.get("mode") == "return":
        try:
            loan_return(copy=copy, kiosk=kiosk.name)
        except LoanRefused as refused:
            return state, ("error", refused.messages[0])
        if hold_for_copy(copy=copy) is not None:
            return state, (
                "ok",
                _("Returned: %(title)s. Another reader is waiting for it: please hand it to the librarian.")
                % {"title": copy.record.title},
            )
        return state, ("ok", _("Returned: %(title)s. Thank you!") % {"title": copy.record.title})
    membership = Membership.objects.select_related("reader").filter(pk=state["membership"]).first()
    if membership is None:
        return {}, ("info", _("Please scan your card again."))
    try:
        loan = loan_create(membership=membership, copy=copy, library=kiosk.library)
    except LoanRefused as refused:
        return state, ("error", refused.messages[0])
    return state, (
        "ok",
        _("Borrowed: %(title)s. Please return it by %(date)s.")
        % {"title": copy.record.title, "date": loan.due_on.strftime("%d/%m/%Y")},
    )


def _card(kiosk: Kiosk, state: dict, code: str, accept_numbers: bool) -> tuple[dict, tuple[str, str]]:
    if _scans_locked(kiosk):
        return state, (
            "error",
            _("Too many cards were not recognised at this kiosk. Please wait a few minutes or ask the librarian."),
        )
    if not accept_numbers and not looks_like_payload(code):
        return state, ("error", _("Please scan the QR code on your reader card."))
    result = card_scan(text=code, library=kiosk.library)
    if not result.ok:
        _scan_failed(kiosk)
        return state, ("error", _card_refusal(result, kiosk))
    fresh = {"kiosk": kiosk.key, "library": kiosk.library.pk, "membership": result.membership.pk, "mode": "borrow"}
    return fresh, ("ok", _("Hello, %(name)s!") % {"name": result.reader.full_name})


def _card_refusal(result: ScanResult, kiosk: Kiosk) -> str:
    """Why the card was refused, told to whoever holds it: never whose card it is."""
    if result.reason == "revoked":
        return _("This card has been replaced by a newer one. Please use your new card, or ask the librarian.")
    if result.reason == "left":
        return _("This membership has ended. Please ask the librarian.")
    if result.reason == "suspended":
        return _("Your membership is suspended: you cannot borrow or renew here. Please ask the librarian.")
    if result.reason == "expired":
        return _("This card expired on %(date)s. Please ask the librarian for a new card.") % {
            "date": result.card.valid_until.strftime("%d/%m/%Y")
        }
    if result.reason == "other_library":
        return _("This card is for %(other)s. Here, at %(library)s, please use a card of this library.") % {
            "other": result.issuing_library.short_name,
            "library": kiosk.library.short_name,
        }
    if result.reason == "unreadable":
        return _("This is not a reader card. Please scan the QR code on your card.")
    return _("This card is not recognised. Please ask the librarian.")


def _renew(state: dict, kiosk: Kiosk, loan_id: str) -> tuple[str, str]:
    # Only the identified reader's own open loans: a posted id of someone else's loan
    # finds nothing.
    loan_pk = id_or_none(loan_id)  # not an id: not one of the reader's loans either
    loan = None
    if loan_pk is not None:
        loan = Loan.objects.filter(
            pk=loan_pk, membership_id=state["membership"], library=kiosk.library, returned_at__isnull=True
        ).first()
    if loan is None:
        return ("error", _("This loan is not on your card."))
    try:
        loan = loan_renew(loan=loan)
    except LoanRefused as refused:
        return ("error", refused.messages[0])
    return (
        "ok",
        _("Renewed: %(title)s, now due %(date)s.")
        % {"title": loan.copy.record.title, "date": loan.due_on.strftime("%d/%m/%Y")},
    )


def _timeout_message() -> str:
    return _("Your session ended after %(seconds)d seconds without activity. Please scan your card again.") % {
        "seconds": kiosk_idle_seconds()
    }


# --- Throttle of failed card scans, per kiosk ------------------------------------------------


def _failures_key(kiosk: Kiosk) -> str:
    return f"kiosk-card-failures:{kiosk.key}"


def _scans_locked(kiosk: Kiosk) -> bool:
    return caches[THROTTLE_CACHE].get(_failures_key(kiosk), 0) >= int(_setting("KIOSK_CARD_MAX_FAILURES", 10))


def _scan_failed(kiosk: Kiosk) -> None:
    # A plain set with the timeout (not incr, which keeps the cache's default timeout):
    # the lock lasts KIOSK_CARD_LOCK_MINUTES after the last counted failure. A success
    # does not reset the count, so valid scans cannot be interleaved to keep guessing.
    count = caches[THROTTLE_CACHE].get(_failures_key(kiosk), 0) + 1
    caches[THROTTLE_CACHE].set(_failures_key(kiosk), count, timeout=int(_setting("KIOSK_CARD_LOCK_MINUTES", 10)) * 60)
