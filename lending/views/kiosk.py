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
kiosk works without JavaScript and a reload never scans twice.

Who the kiosk is (its signed cookie), the visit in the session and the lock of failed
card scans are in ``lending.kiosk``, shared with the courses kiosk."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
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

from lending.card_codes import looks_like_payload
from lending.kiosk import (
    KIOSK_COOKIE,
    SESSION_KEY,
    Kiosk,
    kiosk_accepts_card_numbers,
    kiosk_cookie_seconds,
    kiosk_cookie_value,
    kiosk_from_request,
    kiosk_idle_seconds,
    kiosk_libraries_for,
    kiosk_scan_failed,
    kiosk_scans_locked,
    kiosk_visit,
)
from lending.models import Loan, Membership
from lending.selectors import hold_for_copy
from lending.services.circulation import LoanRefused
from lending.services.loans import loan_create, loan_renew, loan_return
from lending.services.scan import ScanResult, card_scan, scan_lookup, scan_text_clean
from library_site.libraries.models import Library
from library_site.middleware import allow_features
from library_site.params import id_or_none

OUTCOME_KEY = "kiosk_outcome"
MODES = ("borrow", "return")


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
        token = kiosk_cookie_value(library=library, label=form.cleaned_data["label"].strip(), staff=request.user)
        # The device now belongs to readers: nobody standing at it may reach the admin.
        logout(request)
        response = redirect("lending:kiosk")
        response.set_cookie(
            KIOSK_COOKIE,
            token,
            max_age=kiosk_cookie_seconds(),
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
    state, timed_out = kiosk_visit(request, kiosk)
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
    accept_numbers = kiosk_accepts_card_numbers()
    if not state.get("membership"):  # no reader yet: a card
        return _card(kiosk, state, code, accept_numbers)
    scanned = scan_lookup(code=code, library=kiosk.library)
    if scanned.is_card:
        return _card(kiosk, state, code, accept_numbers)
    copy = scanned.copy
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
    if kiosk_scans_locked(kiosk):
        return state, (
            "error",
            _("Too many cards were not recognised at this kiosk. Please wait a few minutes or ask the librarian."),
        )
    if not accept_numbers and not looks_like_payload(code):
        return state, ("error", _("Please scan the QR code on your reader card."))
    result = card_scan(text=code, library=kiosk.library)
    if not result.ok:
        kiosk_scan_failed(kiosk)
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
