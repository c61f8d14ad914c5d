"""Admin pages for readers: roster import (previewed and applied by the task worker,
undoable), card batches printed in the background, replacing a lost or damaged card, and
a new activation slip for a reader who lost theirs or forgot their password."""

import datetime
import io
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from lending.card_render import ActivationSlip, activation_slips_pdf_write
from lending.models import (
    CardBatch,
    CardRevocation,
    ErasureRequest,
    ErasureStatus,
    Loan,
    Membership,
    MembershipStatus,
    RosterSync,
)
from lending.services.activation import activation_code_issue, reader_needs_activation, reader_sign_in_url
from lending.services.cards import card_issue
from lending.services.personal_data import (
    ErasureRefused,
    erasure_request_approve,
    erasure_request_refuse,
    personal_data_view_log,
    personal_data_view_log_many,
)
from lending.services.roster import RosterReport, roster_leave_warning
from lending.services.roster_history import (
    roster_sync_undo,
    roster_sync_undo_until,
    roster_sync_undoable,
    roster_upload_cancel,
)
from lending.tasks import card_batch_run, card_print_memberships, roster_sync_run
from library_site.libraries.forms import library_field_for_user, upload_size_check
from library_site.libraries.selectors import library_list_for_user


def _require_member_access(request):
    if not (request.user.has_perm("lending.change_membership") or request.user.is_superuser):
        raise PermissionDenied


class RosterForm(forms.Form):
    library = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Library"))
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy(
            "CSV or Excel exported from the sector database: Mã học sinh, Họ và tên, Ngày sinh, Lớp."
        ),
    )
    school_year = forms.RegexField(
        regex=r"^\d{4}-\d{4}$",
        required=False,
        label=gettext_lazy("School year"),
        help_text=gettext_lazy("E.g. 2026-2027; empty means the current one."),
    )
    local_ids = forms.BooleanField(
        required=False, label=gettext_lazy("The IDs are the school's own numbers (not national IDs)")
    )
    full = forms.BooleanField(
        required=False,
        label=gettext_lazy("This is the full roster of the school year"),
        help_text=gettext_lazy(
            "Only then are members missing from the file marked as left (their cards stop working). "
            "Unticked, the file only adds and updates readers: right for one class's list."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        library_field_for_user(self.fields["library"], user=user)

    def clean_file(self):
        return upload_size_check(self.cleaned_data["file"])


class RosterApplyForm(forms.Form):
    """Apply a previewed roster. When it would mark an unusual share of the members as
    left, the librarian types that number: a click alone is not enough."""

    confirm_leaves = forms.IntegerField(
        required=False, min_value=0, label=gettext_lazy("Number of members to mark as left")
    )

    def __init__(self, *args, report: RosterReport, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        if not report.leave_share_exceeded:
            del self.fields["confirm_leaves"]

    def clean_confirm_leaves(self):
        value = self.cleaned_data["confirm_leaves"]
        if value != self.report.left:
            raise forms.ValidationError(
                _("Type %(count)d, the number of members who will be marked as left, to confirm.")
                % {"count": self.report.left}
            )
        return value


def roster_view(request):
    """Upload a roster: it becomes a ``RosterSync`` previewed by the task worker (see
    ``roster_sync_view``). Below the form, the library's recent syncs, with their undo."""
    _require_member_access(request)
    form = RosterForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        sync = RosterSync(
            library=form.cleaned_data["library"],
            user=request.user,
            school_year=form.cleaned_data["school_year"] or "",
            local_ids=form.cleaned_data["local_ids"],
            full=form.cleaned_data["full"],
        )
        sync.file.save(f"{uuid.uuid4().hex}.dat", upload, save=False)
        sync.save()
        roster_sync_run.enqueue(sync.pk)
        return redirect("lending_roster_sync", pk=sync.pk)
    syncs = RosterSync.objects.filter(library__in=library_list_for_user(user=request.user)).select_related(
        "library", "user"
    )[:15]
    recent = [(sync, roster_sync_undoable(sync=sync)) for sync in syncs]
    return TemplateResponse(request, "lending/admin/roster.html", {"form": form, "syncs": recent})


def _sync_for(request, pk) -> RosterSync:
    _require_member_access(request)
    sync = get_object_or_404(RosterSync.objects.select_related("library", "user"), pk=pk)
    if not library_list_for_user(user=request.user).filter(pk=sync.library_id).exists():
        raise PermissionDenied
    return sync


def roster_sync_view(request, pk):
    """A roster upload: progress while the worker reads it, then the preview with the
    Apply button *below* the list of changes (and the typed count when many would leave),
    or Cancel; after applying, the result."""
    sync = _sync_for(request, pk)
    report = RosterReport.from_dict(sync.report) if sync.report else None
    form = None
    if sync.status == RosterSync.Status.PREVIEWED and report is not None and not report.errors:
        form = RosterApplyForm(request.POST or None, report=report)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        if roster_upload_cancel(sync=sync):
            messages.success(request, _("The upload was cancelled and its file deleted."))
        return redirect("lending_roster")
    if request.method == "POST" and form is not None and form.is_valid():
        confirmed = form.cleaned_data.get("confirm_leaves")
        waiting = RosterSync.objects.filter(pk=sync.pk, status=RosterSync.Status.PREVIEWED)
        if waiting.update(status=RosterSync.Status.APPLYING, confirmed_leaves=confirmed, processed=0):
            roster_sync_run.enqueue(sync.pk)
        return redirect("lending_roster_sync", pk=sync.pk)
    return TemplateResponse(
        request,
        "lending/admin/roster_sync.html",
        {
            "sync": sync,
            "report": report,
            "form": form,
            "warning": roster_leave_warning(report) if report and sync.status == RosterSync.Status.PREVIEWED else "",
            "undoable": roster_sync_undoable(sync=sync),
        },
    )


def roster_sync_undo_view(request, pk):
    """Confirm, then reverse the leaves of an applied sync (``roster_sync_undo``)."""
    sync = _sync_for(request, pk)
    if request.method == "POST":
        try:
            restored = roster_sync_undo(sync=sync, user=request.user)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d member is active again, with their card.",
                    "%(count)d members are active again, with their cards.",
                    restored,
                )
                % {"count": restored},
            )
        return redirect("lending_roster")
    return TemplateResponse(
        request,
        "lending/admin/roster_sync_undo.html",
        {"sync": sync, "undoable": roster_sync_undoable(sync=sync), "until": roster_sync_undo_until(sync=sync)},
    )


class CardBatchForm(forms.Form):
    library = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Library"))
    class_name = forms.CharField(
        required=False, label=gettext_lazy("Class"), help_text=gettext_lazy("E.g. 7A3; empty prints every member.")
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("pdf", gettext_lazy("A4 PDF, 10 cards a page")), ("png", gettext_lazy("PNG images (zip)"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        library_field_for_user(self.fields["library"], user=user)

    def clean(self):
        cleaned = super().clean()
        library, class_name = cleaned.get("library"), (cleaned.get("class_name") or "").strip().upper()
        cleaned["class_name"] = class_name
        if library is not None:
            members = Membership.objects.filter(library=library, status=MembershipStatus.ACTIVE)
            if class_name:
                members = members.filter(class_name=class_name)
            if not members.exists():
                raise forms.ValidationError(_("No active member matches: check the class name."))
        return cleaned


def card_batch_start_view(request):
    _require_member_access(request)
    form = CardBatchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        batch = CardBatch.objects.create(
            library=form.cleaned_data["library"],
            requested_by=request.user,
            class_name=form.cleaned_data["class_name"],
            format=form.cleaned_data["format"],
        )
        card_batch_run.enqueue(batch.pk)
        return redirect("lending_card_batch_detail", pk=batch.pk)
    batches = CardBatch.objects.filter(library__in=library_list_for_user(user=request.user)).select_related("library")
    return TemplateResponse(request, "lending/admin/card_batch_start.html", {"form": form, "batches": batches[:10]})


def _batch_for(request, pk) -> CardBatch:
    batch = get_object_or_404(CardBatch.objects.select_related("library"), pk=pk)
    if not library_list_for_user(user=request.user).filter(pk=batch.library_id).exists():
        raise PermissionDenied
    return batch


def card_batch_view(request, pk):
    batch = _batch_for(request, pk)
    return TemplateResponse(request, "lending/admin/card_batch.html", {"batch": batch})


def card_batch_download(request, pk):
    batch = _batch_for(request, pk)
    if batch.file_deleted_at:
        # Deleted after CARD_BATCH_KEEP_DAYS (card_batches_purge): gone, not forbidden.
        return TemplateResponse(request, "lending/admin/card_batch.html", {"batch": batch}, status=410)
    if batch.status != CardBatch.Status.DONE or not batch.file:
        raise PermissionDenied
    extension = "pdf" if batch.format == "pdf" else "zip"
    name = f"the-ban-doc-{batch.library.code}{'-' + batch.class_name if batch.class_name else ''}.{extension}"
    _card_batch_download_log(request, batch)
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=name)


def _card_batch_download_log(request, batch: CardBatch) -> None:
    """A card sheet is a list of readers (names, IDs, photos): its download is logged as a
    view of each member on it, like a list export."""
    ids = batch.membership_ids or list(
        card_print_memberships(library=batch.library, class_name=batch.class_name).values_list("pk", flat=True)
    )
    personal_data_view_log_many(user=request.user, model=Membership, pks=ids, via=f"card-batch-{batch.pk}")


class CardReplaceForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why a new card?"),
        choices=[
            (CardRevocation.LOST, CardRevocation.LOST.label),
            (CardRevocation.DAMAGED, CardRevocation.DAMAGED.label),
            (CardRevocation.NEW_SCHOOL_YEAR, CardRevocation.NEW_SCHOOL_YEAR.label),
            (CardRevocation.OTHER, CardRevocation.OTHER.label),
        ],
    )


def card_replace_view(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("reader", "library"), pk=pk)
    if not policy_registry.get_by_type(Membership).user_has_permission_for_instance(request.user, "change", membership):
        raise PermissionDenied
    form = CardReplaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        card = card_issue(membership=membership, replaces_because=form.cleaned_data["reason"])
        messages.success(
            request,
            _("New card %(number)s issued; the old card no longer works.") % {"number": card.number},
        )
        batch = CardBatch.objects.create(
            library=membership.library, requested_by=request.user, membership_ids=[membership.pk], format="png"
        )
        card_batch_run.enqueue(batch.pk)
        return redirect("lending_card_batch_detail", pk=batch.pk)
    return TemplateResponse(request, "lending/admin/card_replace.html", {"form": form, "membership": membership})


def activation_slip_view(request, pk):
    """A new one-time activation code for a member, printed at once on a slip (PDF).
    For a reader who lost their slip or forgot their password: any password they had
    stops working, and they choose a new one after signing in with the code."""
    membership = get_object_or_404(Membership.objects.select_related("reader__user", "library__site"), pk=pk)
    if not policy_registry.get_by_type(Membership).user_has_permission_for_instance(request.user, "change", membership):
        raise PermissionDenied
    if membership.status == MembershipStatus.LEFT:
        # A library the reader left cannot reset their account (it would open the
        # account, and the other libraries' loans in it, to its staff).
        raise PermissionDenied
    reader = membership.reader
    if request.method != "POST":
        return TemplateResponse(
            request,
            "lending/admin/activation_slip.html",
            {"membership": membership, "has_password": not reader_needs_activation(reader)},
        )
    code = activation_code_issue(reader=reader, reset_password=True)
    log(instance=reader, action="lending.activation_code", user=request.user)
    slip = ActivationSlip(
        library_name=membership.library.name,
        full_name=reader.full_name,
        class_name=membership.class_name,
        display_id=reader.display_id,
        code=code,
        sign_in_url=reader_sign_in_url(library=membership.library),
        valid_until=timezone.localdate() + datetime.timedelta(days=settings.READER_ACTIVATION_CODE_DAYS),
    )
    buffer = io.BytesIO()
    activation_slips_pdf_write([slip], buffer)
    buffer.seek(0)
    response = FileResponse(buffer, as_attachment=True, filename=f"kich-hoat-{membership.pk}.pdf")
    response["Cache-Control"] = "no-store"
    return response


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("approve", gettext_lazy("Approve: erase the personal data")),
            ("refuse", gettext_lazy("Refuse")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the reader"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("Required when refusing: the reader reads it on their account page."),
    )


def erasure_request_decide_view(request, pk):
    """Approve (anonymise the reader, statistics kept) or refuse a reader's erasure
    request. Only the staff of a library where the reader is a member find the request
    (another library's request is a 404); deciding needs ``lending.change_reader``."""
    if not request.user.has_perm("lending.change_reader"):
        raise PermissionDenied
    visible = policy_registry.get_by_type(ErasureRequest).instances_user_has_permission_for(request.user, "view")
    erasure = get_object_or_404(
        ErasureRequest.objects.filter(pk__in=visible.values("pk")).select_related("reader"), pk=pk
    )
    form = ErasureDecisionForm(request.POST or None)
    if request.method == "POST" and erasure.status == ErasureStatus.PENDING and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                erasure_request_approve(erasure=erasure, user=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("The reader's personal data is erased; the statistics are kept."))
            else:
                erasure_request_refuse(erasure=erasure, user=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("The request is refused; the reader sees your note."))
        except ErasureRefused as refused:
            form.add_error(None, refused.messages[0])
        else:
            return redirect("wagtailsnippets_lending_erasurerequest:list")
    open_loans = Loan.objects.filter(membership__reader=erasure.reader, returned_at__isnull=True).count()
    if request.method == "GET" and erasure.status == ErasureStatus.PENDING:
        # The page shows the reader's name and ID: a staff read, logged.
        personal_data_view_log(user=request.user, instance=erasure.reader, via="erasure-decide")
    return TemplateResponse(
        request,
        "lending/admin/erasure_decide.html",
        {
            "erasure": erasure,
            "form": form,
            "open_loans": open_loans,
            "decided": erasure.status != ErasureStatus.PENDING,
        },
    )
