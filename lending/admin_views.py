"""Admin pages for readers: roster import with preview, card batches printed in the
background, and replacing a lost or damaged card."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail.permissions import policy_registry

from catalog.models import private_storage
from library_site.libraries.forms import library_field_for_user, upload_size_check
from library_site.libraries.selectors import library_list_for_user

from .models import CardBatch, CardRevocation, Membership, MembershipStatus
from .services.cards import card_issue
from .services.roster import roster_sync

ROSTER_SESSION_KEY = "lending_roster_upload"


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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        library_field_for_user(self.fields["library"], user=user)

    def clean_file(self):
        return upload_size_check(self.cleaned_data["file"])


def roster_view(request):
    """Upload → preview (nothing written) → confirm (all or nothing). The uploaded file
    waits in private storage between the two steps."""
    _require_member_access(request)
    libraries = library_list_for_user(user=request.user)
    if request.method == "POST" and request.POST.get("confirm"):
        pending = request.session.get(ROSTER_SESSION_KEY)
        if not pending or pending.get("token") != request.POST["confirm"]:
            messages.error(request, _("The preview has expired; upload the file again."))
            return redirect("lending_roster")
        library = get_object_or_404(libraries, pk=pending["library"])
        with private_storage().open(pending["path"], "rb") as handle:
            data = handle.read()
        report = roster_sync(
            library=library, data=data, school_year=pending["school_year"], local_ids=pending["local_ids"]
        )
        private_storage().delete(pending["path"])
        del request.session[ROSTER_SESSION_KEY]
        return TemplateResponse(
            request, "lending/admin/roster.html", {"report": report, "library": library, "done": True}
        )

    form = RosterForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        library = form.cleaned_data["library"]
        data = form.cleaned_data["file"].read()
        report = roster_sync(
            library=library,
            data=data,
            school_year=form.cleaned_data["school_year"],
            local_ids=form.cleaned_data["local_ids"],
            dry_run=True,
        )
        token = uuid.uuid4().hex
        if not report.errors:
            path = private_storage().save(f"rosters/{token}.dat", ContentFile(data))
            request.session[ROSTER_SESSION_KEY] = {
                "token": token,
                "path": path,
                "library": library.pk,
                "school_year": form.cleaned_data["school_year"],
                "local_ids": form.cleaned_data["local_ids"],
            }
        return TemplateResponse(
            request, "lending/admin/roster.html", {"report": report, "library": library, "token": token, "form": form}
        )
    return TemplateResponse(request, "lending/admin/roster.html", {"form": form})


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
    from .tasks import card_batch_run

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
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=name)


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
        from .tasks import card_batch_run

        card_batch_run.enqueue(batch.pk)
        return redirect("lending_card_batch_detail", pk=batch.pk)
    return TemplateResponse(request, "lending/admin/card_replace.html", {"form": form, "membership": membership})
