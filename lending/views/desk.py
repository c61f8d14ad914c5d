"""The circulation desk, made for a barcode or QR scanner: one input that keeps the
focus, Enter submits (scanners send it), the field is empty again after each scan, and
each answer is shown in colour (and, with JavaScript, a short tone). With JavaScript
(``lending/static/lending/desk.js``) every form posts with fetch and the view answers JSON
(the outcome and the reader's panel), so a scan redraws only what changed; without it,
every scan is an ordinary form post answered by a redirect.

Checkout mode: scan the reader's card, then the copies' barcodes. Return mode: scan
copies; a copy a reader waits for is announced for the hold shelf, and a copy fetched from
the shelves for a hold is put on the hold shelf the same way. A member's open loans are
listed with renew, lost and damaged buttons; the page lists the hold shelf (with the last
pickup day) and the copies to fetch for holds."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import CopyStatus
from lending.models import Hold, HoldStatus, Loan, Membership
from lending.selectors import hold_for_copy, hold_shelf, holds_to_fetch
from lending.services.circulation import LoanRefused
from lending.services.holds import hold_trap
from lending.services.loans import copy_mark, loan_create, loan_renew, loan_return
from lending.services.personal_data import personal_data_view_log
from lending.services.scan import card_scan, scan_lookup, scan_text_clean
from library_site.libraries.selectors import library_list_for_user
from library_site.params import parse_id

SESSION_KEY = "desk"


def _desk_library(request):
    libraries = library_list_for_user(user=request.user)
    chosen = request.GET.get("library") or request.POST.get("library")
    chosen = parse_id(chosen, name="library") if chosen else request.session.get(SESSION_KEY, {}).get("library")
    library = libraries.filter(pk=chosen).first() if chosen else None
    library = library or libraries.order_by("name").first()
    if library is None or not request.user.has_perm("lending.change_membership"):
        raise PermissionDenied
    return library, libraries


def _scan(request, state, library, code):
    returning = state["mode"] == "return"  # only copies are scanned to return
    copy = scan_lookup(code=code, library=library, cards=not returning).copy
    if returning:
        if copy is None:
            return False, _("No copy of this library has the barcode %(code)s.") % {"code": code}
        return _return(copy)
    if copy is None:  # a card's QR code, or perhaps a card number
        result = card_scan(text=code, library=library)
        if result.ok:
            state["membership"] = result.membership.pk
            # The desk now shows the member's name, class and loans: a staff read of
            # personal data, logged (Decree 13/2023/NĐ-CP).
            personal_data_view_log(user=request.user, instance=result.membership, via="desk")
            return True, result.message
        return False, result.message
    if not state.get("membership"):
        return False, _("Scan the reader's card first.")
    membership = Membership.objects.select_related("reader").get(pk=state["membership"])
    try:
        loan = loan_create(membership=membership, copy=copy, library=library)
    except LoanRefused as refused:
        return False, refused.messages[0]
    return True, _("Lent: %(title)s (%(barcode)s), due %(date)s.") % {
        "title": copy.record.title,
        "barcode": copy.barcode,
        "date": loan.due_on.strftime("%d/%m/%Y"),
    }


def _hold_shelf_message(hold):
    return _("A reader waits for it: put it on the hold shelf for %(name)s (to collect by %(date)s).") % {
        "name": hold.membership.reader.full_name,
        "date": hold.expires_on.strftime("%d/%m/%Y"),
    }


def _return(copy):
    """Return a copy on loan; a copy from the shelves that a hold waits for goes to the
    hold shelf instead (the librarian fetched it from the list)."""
    if copy.status == CopyStatus.AVAILABLE:
        hold = hold_trap(copy=copy)
        if hold is not None:
            return True, _("For a hold: %(title)s (%(barcode)s).") % {
                "title": copy.record.title,
                "barcode": copy.barcode,
            } + " " + _hold_shelf_message(hold)
    try:
        loan = loan_return(copy=copy)
    except LoanRefused as refused:
        return False, refused.messages[0]
    message = _("Returned: %(title)s (%(barcode)s), borrowed by %(name)s.") % {
        "title": copy.record.title,
        "barcode": copy.barcode,
        "name": loan.membership.reader.full_name,
    }
    hold = hold_for_copy(copy=copy)
    return True, message + (" " + _hold_shelf_message(hold) if hold else "")


def _mark(library, loan_pk, status):
    loan = Loan.objects.filter(pk=loan_pk, library=library, returned_at__isnull=True).select_related("copy").first()
    if loan is None:
        return False, _("This loan has ended.")
    try:
        copy_mark(copy=loan.copy, status=status)
    except LoanRefused as refused:
        return False, refused.messages[0]
    if status == CopyStatus.LOST:
        return True, _("Copy %(barcode)s is marked lost; the loan has ended.") % {"barcode": loan.copy.barcode}
    return True, _("Copy %(barcode)s is marked damaged and taken back.") % {"barcode": loan.copy.barcode}


def _desk_post(request, state, library):
    """Do what the posted form asks; returns the outcome (ok, message) or None."""
    action = request.POST.get("action", "scan")
    if action in {"checkout", "return"}:
        state["mode"], state["membership"] = action, None
    elif action == "done":
        state["membership"] = None
    elif action == "renew":
        loan_pk = parse_id(request.POST.get("loan"), name="loan")
        loan = Loan.objects.filter(pk=loan_pk, library=library, returned_at__isnull=True).first()
        if loan is not None:
            try:
                loan = loan_renew(loan=loan)
            except LoanRefused as refused:
                return False, refused.messages[0]
            return True, _("Renewed until %(date)s.") % {"date": loan.due_on.strftime("%d/%m/%Y")}
    elif action in {"lost", "damaged"}:
        return _mark(library, parse_id(request.POST.get("loan"), name="loan"), action)
    else:
        # What scanners add (CR/LF, control characters, an AIM prefix) goes, as at the
        # kiosk; PostgreSQL refuses a NUL in a query.
        code = scan_text_clean(request.POST.get("code", ""))
        if code:
            return _scan(request, state, library, code)
    return None


def _panel_context(library, state) -> dict:
    """The reader being served (their loans and holds) and the hold shelf lists."""
    membership = None
    loans = holds = []
    if state.get("membership"):
        membership = Membership.objects.select_related("reader").filter(pk=state["membership"]).first()
        loans = Loan.objects.filter(membership=membership, returned_at__isnull=True).select_related("copy__record")
        holds = Hold.objects.filter(membership=membership, status__in=[HoldStatus.WAITING, HoldStatus.READY])
        holds = holds.select_related("record", "copy")
    return {
        "library": library,
        "mode": state["mode"],
        "membership": membership,
        "loans": loans,
        "holds": holds,
        "hold_shelf": hold_shelf(library=library),
        "holds_to_fetch": holds_to_fetch(library=library),
        "today": timezone.localdate(),
    }


def desk_view(request):
    library, libraries = _desk_library(request)
    state = request.session.get(SESSION_KEY) or {}
    if state.get("library") != library.pk:
        state = {"library": library.pk, "mode": "checkout", "membership": None}
    if request.method == "POST":
        outcome = _desk_post(request, state, library)
        request.session[SESSION_KEY] = state
        if "application/json" in request.headers.get("Accept", ""):
            # The desk's script: answer in place, no page to render again.
            context = _panel_context(library, state)
            return JsonResponse(
                {
                    "ok": outcome[0] if outcome else None,
                    "message": outcome[1] if outcome else "",
                    "mode": state["mode"],
                    "member": context["membership"].reader.full_name if context["membership"] else None,
                    "panel": render_to_string("lending/admin/_desk_panel.html", context, request),
                }
            )
        request.session["desk_outcome"] = outcome
        return redirect(f"{request.path}?library={library.pk}")  # post/redirect/get: a refresh never scans twice
    outcome = request.session.pop("desk_outcome", None)
    request.session[SESSION_KEY] = state
    return TemplateResponse(
        request,
        "lending/admin/desk.html",
        {**_panel_context(library, state), "libraries": libraries, "outcome": outcome},
    )
