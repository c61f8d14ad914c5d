"""Admin pages of the catalog beyond the snippet screens: withdraw, import with preview,
export, and barcode label sheets."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail.permissions import policy_registry

from catalog.exporting import catalog_export
from catalog.importing import catalog_import_template
from library_site.libraries.forms import library_field_for_user, upload_size_check
from library_site.libraries.selectors import library_list_for_user
from library_site.params import parse_id

from .labels import LABEL_LAYOUTS, labels_pdf
from .models import Copy, ImportJob, Record
from .services.records import record_withdraw
from .tasks import catalog_import_run

EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "marc": ("application/marc", "mrc"),
    "marcxml": ("application/marcxml+xml", "xml"),
}


def _require_catalog_access(request):
    if not (request.user.has_perm("catalog.view_record") or request.user.is_superuser):
        raise PermissionDenied


def record_withdraw_view(request, pk):
    record = get_object_or_404(Record, pk=pk)
    if not policy_registry.get_by_type(Record).user_has_permission_for_instance(request.user, "change", record):
        raise PermissionDenied
    if request.method == "POST":
        record_withdraw(record=record, user=request.user)
        messages.success(request, _("“%(title)s” was withdrawn from the catalog.") % {"title": record.title})
        return redirect("wagtailsnippets_catalog_record:list")
    return TemplateResponse(request, "catalog/admin/record_withdraw.html", {"record": record})


class ImportForm(forms.Form):
    library = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Library"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV or Excel (XLSX) in the template's columns, or MARC21 (binary or MARCXML)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        library_field_for_user(self.fields["library"], user=user)

    def clean_file(self):
        return upload_size_check(self.cleaned_data["file"])


def import_start_view(request):
    _require_catalog_access(request)
    if not request.user.has_perm("catalog.add_record"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob(library=form.cleaned_data["library"], user=request.user, filename=upload.name)
        job.file.save(upload.name, upload, save=False)
        job.save()
        catalog_import_run.enqueue(job.pk)
        return redirect("catalog_import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(library__in=library_list_for_user(user=request.user)).select_related("library")[:10]
    return TemplateResponse(request, "catalog/admin/import_start.html", {"form": form, "jobs": jobs})


def import_template_view(request, format):
    _require_catalog_access(request)
    if format not in {"csv", "xlsx"}:
        raise PermissionDenied
    content_type = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[format]
    response = HttpResponse(catalog_import_template(format=format), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-muc-luc.{format}"'
    return response


def import_job_view(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("library"), pk=pk)
    if not library_list_for_user(user=request.user).filter(pk=job.library_id).exists():
        raise PermissionDenied
    if request.method == "POST" and job.status == ImportJob.Status.PREVIEWED and not job.report.get("errors"):
        job.commit_requested = True
        job.status = ImportJob.Status.QUEUED
        job.save(update_fields=["commit_requested", "status"])
        catalog_import_run.enqueue(job.pk)
        return redirect("catalog_import_job", pk=job.pk)
    return TemplateResponse(request, "catalog/admin/import_job.html", {"job": job, "report": job.report})


class ExportForm(forms.Form):
    scope = forms.ChoiceField(
        label=gettext_lazy("Records"),
        choices=[("mine", gettext_lazy("My library's records")), ("all", gettext_lazy("The whole shared catalog"))],
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("csv", "CSV"), ("marc", "MARC21"), ("marcxml", "MARCXML")],
    )


def export_view(request):
    _require_catalog_access(request)
    form = ExportForm(request.GET or None)
    if request.GET and form.is_valid():
        records = Record.objects.filter(withdrawn_at__isnull=True)
        if form.cleaned_data["scope"] == "mine":
            records = records.filter(library__in=library_list_for_user(user=request.user))
        content_type, extension = EXPORT_FORMATS[form.cleaned_data["format"]]
        response = HttpResponse(
            catalog_export(records=records, format=form.cleaned_data["format"]), content_type=content_type
        )
        stamp = datetime.date.today().isoformat()
        response["Content-Disposition"] = f'attachment; filename="muc-luc-{stamp}.{extension}"'
        return response
    return TemplateResponse(request, "catalog/admin/export.html", {"form": form})


class LabelsForm(forms.Form):
    layout = forms.ChoiceField(label=gettext_lazy("Label sheet"), choices=[])
    barcodes = forms.CharField(
        label=gettext_lazy("Barcodes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("One per line, or scan them here one after another."),
    )
    added_since = forms.DateField(
        label=gettext_lazy("Or every copy added since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    skip = forms.IntegerField(
        label=gettext_lazy("Labels already used on the first sheet"),
        min_value=0,
        max_value=39,
        initial=0,
        required=False,
        help_text=gettext_lazy("To print on a partly used sheet: printing starts after this many labels."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["layout"].choices = [(key, layout.name) for key, layout in LABEL_LAYOUTS.items()]

    def clean(self):
        cleaned = super().clean()
        copies = Copy.objects.filter(library__in=library_list_for_user(user=self.user)).select_related(
            "record", "library"
        )
        barcodes = [line.strip().upper() for line in (cleaned.get("barcodes") or "").splitlines() if line.strip()]
        if barcodes:
            found = {copy.barcode: copy for copy in copies.filter(barcode__in=barcodes)}
            missing = [code for code in barcodes if code not in found]
            if missing:
                raise forms.ValidationError(
                    _("These barcodes are not copies of your library: %(codes)s") % {"codes": ", ".join(missing)}
                )
            cleaned["copies"] = [found[code] for code in dict.fromkeys(barcodes)]
        elif cleaned.get("added_since"):
            cleaned["copies"] = list(copies.filter(created_at__date__gte=cleaned["added_since"]).order_by("barcode"))
        else:
            cleaned["copies"] = []
        if not cleaned["copies"]:
            raise forms.ValidationError(_("Choose at least one copy: enter barcodes or a date."))
        layout = LABEL_LAYOUTS.get(cleaned.get("layout"))
        if layout and (cleaned.get("skip") or 0) >= layout.per_page:
            self.add_error(
                "skip",
                _("A sheet of this layout has %(count)d labels; fewer must be used already.")
                % {"count": layout.per_page},
            )
        return cleaned


def labels_view(request):
    _require_catalog_access(request)
    initial = {}
    if request.GET.get("ids"):
        ids = [parse_id(value, name="ids") for value in request.GET["ids"].split(",")]
        initial["barcodes"] = "\n".join(Copy.objects.filter(pk__in=ids).values_list("barcode", flat=True))
    form = LabelsForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        pdf = labels_pdf(
            copies=form.cleaned_data["copies"],
            layout=form.cleaned_data["layout"],
            skip=form.cleaned_data["skip"] or 0,
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="nhan-ma-vach-{form.cleaned_data["layout"]}.pdf"'
        return response
    return TemplateResponse(
        request, "catalog/admin/labels.html", {"form": form, "import_url": reverse("catalog_import")}
    )
