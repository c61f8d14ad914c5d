"""A record's page for everyone, in the online catalog (details, copies per library,
digital files, and the way to the reader's page of the title), then the pages of a
signed-in reader: sign in with the card ID, choose a password, see the card (full screen
for the desk's scanner) and download it; loans, holds, digital loans and history; one
title's availability, with a hold or a digital loan; their personal data (download as
JSON or PDF, ask for erasure: Decree 13/2023/NĐ-CP)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import DigitalFile, Record
from catalog.selectors import digital_file_access, record_visible_to
from lending.auth import MUST_SET_PASSWORD
from lending.card_render import card_png
from lending.data_export import reader_data_json, reader_data_pdf
from lending.middleware import reader_session_start
from lending.models import Card, DigitalHold, DigitalLoan, ErasureStatus, Hold, Loan, MembershipStatus, Reader
from lending.selectors import digital_membership_for, reader_circulation_summary, record_availability, record_for_reader
from lending.services.activation import activation_code_clear
from lending.services.circulation import LoanRefused
from lending.services.digital import digital_hold_cancel, digital_hold_place, digital_loan_create, digital_loan_return
from lending.services.holds import hold_cancel, hold_place
from lending.services.loans import loan_renew
from lending.services.personal_data import (
    ErasureRefused,
    erasure_request_create,
    personal_data_export_log,
    reader_data_export,
)
from library_site.params import parse_id
from library_site.portals.selectors import LIBRARY_PARAM, portal_for_library, portal_library


class ReaderAuthenticationForm(AuthenticationForm):
    """The card ID and the password, or the activation code before the reader chose
    one. Only this form (and the course kiosk's) reaches ``ReaderIDBackend``; the
    throttle (django-axes, ``lending.auth``) answers a locked account or address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "The ID or password is not right. The first time, use the activation code on the slip the library gave you."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("Student or staff ID (on your card)")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "inputmode": "text"})
        self.fields["password"].label = gettext_lazy("Password or activation code")

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password, reader_login=True)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ReaderLoginView(auth_views.LoginView):
    template_name = "lending/reader/login.html"
    authentication_form = ReaderAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        if not form.get_user().has_usable_password():
            # Signed in with the activation code: nothing else until a password is chosen
            # (login() keeps the session's data, only its key changes).
            self.request.session[MUST_SET_PASSWORD] = True
        response = super().form_valid(form)
        reader_session_start(self.request)  # shared PCs: ends with the browser, or when idle
        return response

    def get_success_url(self):
        if self.request.session.get(MUST_SET_PASSWORD):
            return reverse("reader:set_password")
        return super().get_success_url() if self.get_redirect_url() else reverse("reader:card")


def _reader_of(request) -> Reader:
    reader = getattr(request.user, "reader", None)
    if reader is None or reader.anonymised_at:
        raise Http404(_("This account is not a reader's account."))
    return reader


@login_required(login_url="reader:login")
def set_password_view(request):
    """Choose a new password. The current one is asked for, except right after a sign-in
    with a one-time code (the session's MUST_SET_PASSWORD flag): someone who finds a
    reader still signed in on a shared PC must not be able to take the account over."""
    first_time = request.session.get(MUST_SET_PASSWORD) or not request.user.has_usable_password()
    form_class = SetPasswordForm if first_time else PasswordChangeForm
    form = form_class(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        request.session.pop(MUST_SET_PASSWORD, None)
        reader = getattr(request.user, "reader", None)
        if reader is not None:
            activation_code_clear(reader=reader)
        messages.success(request, _("Your password is saved. Use it next time you sign in."))
        return redirect("reader:card")
    return TemplateResponse(
        request,
        "lending/reader/set_password.html",
        {"form": form, "first_time": first_time},
    )


@login_required(login_url="reader:login")
def card_view(request):
    if request.session.get(MUST_SET_PASSWORD):
        return redirect("reader:set_password")
    reader = _reader_of(request)
    memberships = reader.memberships.select_related("library").prefetch_related("cards")
    rows = [
        (membership, next((card for card in membership.cards.all() if card.revoked_at is None), None))
        for membership in memberships
    ]
    return TemplateResponse(
        request,
        "lending/reader/card.html",
        {"reader": reader, "rows": rows, "full_screen": request.GET.get("full") == "1"},
    )


@login_required(login_url="reader:login")
def card_image_view(request, pk):
    reader = _reader_of(request)
    card = get_object_or_404(Card.objects.select_related("membership__library", "reader"), pk=pk, reader=reader)
    if card.revoked_at:
        raise Http404(_("This card was replaced by a newer one."))
    response = HttpResponse(card_png(card), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="the-ban-doc-{card.number}.png"'
    return response


def _reader_page(request):
    """The signed-in reader, or a redirect when they must choose a password first."""
    if request.session.get(MUST_SET_PASSWORD):
        return None
    return _reader_of(request)


def _outcome(request, call, success):
    """Run a circulation service for the reader and say what happened, in words."""
    try:
        call()
    except LoanRefused as refused:
        messages.error(request, refused.messages[0])
        return False
    messages.success(request, success)
    return True


@login_required(login_url="reader:login")
def loans_view(request):
    """The reader's loans, holds (with their place in the queue), digital loans and
    history, at every library they belong to; renew and cancel from here."""
    reader = _reader_page(request)
    if reader is None:
        return redirect("reader:set_password")
    if request.method == "POST":
        action = request.POST.get("action")
        pk = parse_id(request.POST.get("pk"), name="pk") if action else None  # a bad id answers 400
        if action == "renew":
            loan = get_object_or_404(Loan, pk=pk, membership__reader=reader, returned_at__isnull=True)
            _outcome(request, lambda: loan_renew(loan=loan), _("Renewed. See the new due date below."))
        elif action == "cancel_hold":
            hold = get_object_or_404(Hold, pk=pk, membership__reader=reader)
            _outcome(request, lambda: hold_cancel(hold=hold), _("Your hold is cancelled."))
        elif action == "return_digital":
            loan = get_object_or_404(DigitalLoan, pk=pk, membership__reader=reader)
            _outcome(request, lambda: digital_loan_return(loan=loan), _("Returned. Thank you for passing it on."))
        elif action == "cancel_digital_hold":
            hold = get_object_or_404(DigitalHold, pk=pk, membership__reader=reader)
            _outcome(request, lambda: digital_hold_cancel(hold=hold), _("You have left the queue."))
        return redirect("reader:loans")
    page = request.GET.get("trang") or 1
    return TemplateResponse(
        request, "lending/reader/loans.html", reader_circulation_summary(reader=reader, history_page=page)
    )


@login_required(login_url="reader:login")
def record_view(request, pk):
    """One title as a reader sees it: copies available at each library, a hold with a
    pickup library, and its digital files (open, borrow, or join the queue)."""
    reader = _reader_page(request)
    if reader is None:
        return redirect("reader:set_password")
    record = get_object_or_404(Record.objects.filter(withdrawn_at__isnull=True), pk=pk)
    if not record_visible_to(user=request.user, record=record):
        raise Http404(_("No such record."))
    memberships = list(reader.memberships.filter(status=MembershipStatus.ACTIVE).select_related("library"))
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "hold":
            membership = next((m for m in memberships if str(m.pk) == request.POST.get("membership")), None)
            if membership is None:
                messages.error(request, _("Choose a library where you are a member."))
            else:
                _outcome(
                    request,
                    lambda: hold_place(membership=membership, record=record),
                    _("Your hold is placed. We will email you when it is ready at %(library)s.")
                    % {"library": membership.library.short_name},
                )
        elif action in {"borrow", "queue"}:
            file_pk = parse_id(request.POST.get("file"), name="file")
            digital_file = get_object_or_404(DigitalFile, pk=file_pk, record=record)
            membership = digital_membership_for(reader=reader, digital_file=digital_file)
            if membership is None:
                messages.error(request, _("Borrowing needs an active membership at a library."))
            elif action == "borrow":
                _outcome(
                    request,
                    lambda: digital_loan_create(membership=membership, digital_file=digital_file),
                    _("Borrowed. Open it from this page or from your loans until the loan ends."),
                )
            else:
                _outcome(
                    request,
                    lambda: digital_hold_place(membership=membership, digital_file=digital_file),
                    _("You are in the queue. We will email you when it is your turn."),
                )
        return redirect("reader:record", pk=record.pk)
    return TemplateResponse(
        request, "lending/reader/record.html", record_for_reader(record=record, reader=reader, memberships=memberships)
    )


def public_record_view(request, pk):
    """/tim-kiem/tai-lieu/<pk>/: a record's public page — details, copies per library,
    digital files and who may open them, and the way to hold or borrow it. Records the
    visitor may not see are not found (their titles are not shown either)."""
    library = portal_library(request)
    record = get_object_or_404(
        Record.objects.filter(withdrawn_at__isnull=True).select_related("library", "cover"), pk=pk
    )
    if not record_visible_to(user=request.user, record=record):
        raise Http404(_("No such record."))
    availability = sorted(
        record_availability(record=record),
        key=lambda row: (library is None or row.library_id != library.pk, row.library_name),
    )
    files = [
        {"file": digital_file, "access": digital_file_access(user=request.user, digital_file=digital_file)}
        for digital_file in record.digital_files.all()
    ]
    context = portal_for_library(library).context()
    context.update(
        record=record,
        contributors=list(record.contributors.all()),
        subjects=list(record.subjects.all()),
        grades=list(record.grades.all()),
        availability=availability,
        files=files,
        reader_url=reverse("reader:record", args=[record.pk]),
        back_url=reverse("search:results") + (f"?{urlencode({LIBRARY_PARAM: library.code})}" if library else ""),
        library_param=LIBRARY_PARAM,
        autocomplete_url=reverse("search_api:autocomplete"),
    )
    return TemplateResponse(request, "lending/record.html", context)


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why? (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )


def _data_page_reader(request):
    """The reader, for the personal-data pages: only once they have chosen their own
    password (after a sign-in with a one-time code they must choose one first)."""
    if request.session.get(MUST_SET_PASSWORD) or not request.user.has_usable_password():
        return None
    return _reader_of(request)


@login_required(login_url="reader:login")
def my_data_view(request):
    """What the library holds about the reader: download it (JSON, PDF), ask for erasure
    and follow the request."""
    reader = _data_page_reader(request)
    if reader is None:
        return redirect("reader:set_password")
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure_request_create(reader=reader, reason=form.cleaned_data["reason"])
        except ErasureRefused as refused:
            messages.error(request, refused.messages[0])
        else:
            messages.success(
                request,
                _("Your request is sent. The library will decide and you will see the answer on this page."),
            )
        return redirect("reader:my_data")
    requests_ = list(reader.erasure_requests.all())
    return TemplateResponse(
        request,
        "lending/reader/my_data.html",
        {
            "reader": reader,
            "form": form,
            "erasure_requests": requests_,
            "pending": any(item.status == ErasureStatus.PENDING for item in requests_),
        },
    )


@login_required(login_url="reader:login")
def my_data_download_view(request, fmt: str):
    reader = _data_page_reader(request)
    if reader is None:
        return redirect("reader:set_password")
    data = reader_data_export(reader=reader)
    personal_data_export_log(reader=reader, user=request.user, fmt=fmt)
    if fmt == "pdf":
        response = HttpResponse(reader_data_pdf(data), content_type="application/pdf")
    else:
        response = HttpResponse(reader_data_json(data), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{reader.pk}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
