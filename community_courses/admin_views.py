"""Admin pages of the courses: participation counts, survey results, the learning-needs
demand report and a practice session's attendance list. Each is limited to the
centres the signed-in user works for (superusers: every centre)."""

import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from library_site.libraries.forms import library_field_for_user
from library_site.libraries.selectors import library_ids_for_user, library_list_for_user
from library_site.portals.models import LibraryHomePage

from .exporting import participation_tables, survey_results_json, survey_results_tables, tables_csv, tables_xlsx
from .models import CoursePage, PracticeSession
from .permissions import user_may_read_reports
from .selectors.needs import learning_needs_report
from .selectors.participation import participation_report
from .selectors.survey_results import survey_results

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_reports(request):
    if not user_may_read_reports(request.user):
        raise PermissionDenied


def courses_for_user(user):
    """Course pages in the portals of the user's centres."""
    homes = LibraryHomePage.objects.filter(library__in=library_list_for_user(user=user))
    courses = CoursePage.objects.none()
    for home in homes:
        courses |= CoursePage.objects.descendant_of(home)
    return courses.order_by("title")


def _download(content, *, filename: str, fmt: str) -> HttpResponse:
    content_types = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "json": "application/json"}
    response = HttpResponse(content, content_type=content_types[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


class ReportFilterForm(forms.Form):
    library = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Centre"), required=False)
    course = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Course"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        library_field_for_user(self.fields["library"], user=user)
        self.fields["library"].empty_label = _("All my centres")
        self.fields["course"].queryset = courses_for_user(user)
        self.fields["course"].empty_label = _("All courses")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            raise forms.ValidationError(_("The end date cannot be before the start date."))
        return cleaned


def participation_view(request):
    _require_reports(request)
    form = ReportFilterForm(request.GET or None, user=request.user)
    allowed = library_ids_for_user(user=request.user)
    report = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        library = data.get("library")
        course = data.get("course")
        ids = [library.pk] if library else list(allowed)
        report = participation_report(
            library_ids=ids, course=course, date_from=data.get("date_from"), date_to=data.get("date_to")
        )
        fmt = request.GET.get("format")
        if fmt in {"csv", "xlsx"}:
            tables = participation_tables(report)
            content = tables_csv(tables) if fmt == "csv" else tables_xlsx(tables)
            return _download(content, filename=f"luot-tham-gia-{timezone.localdate():%Y%m%d}", fmt=fmt)
    return TemplateResponse(
        request,
        "community_courses/admin/participation.html",
        {
            "form": form,
            "report": report,
            "courses": courses_for_user(request.user).live(),
            "query": request.GET.urlencode(),
        },
    )


def survey_results_view(request, course_id: int):
    _require_reports(request)
    course = get_object_or_404(courses_for_user(request.user), pk=course_id).specific
    results = survey_results(course=course)
    fmt = request.GET.get("format")
    filename = f"khao-sat-{slugify(course.slug)}-{timezone.localdate():%Y%m%d}"
    if fmt == "json":
        return _download(
            json.dumps(survey_results_json(results), ensure_ascii=False, indent=2), filename=filename, fmt=fmt
        )
    if fmt in {"csv", "xlsx"}:
        tables = survey_results_tables(results)
        return _download(tables_csv(tables) if fmt == "csv" else tables_xlsx(tables), filename=filename, fmt=fmt)
    return TemplateResponse(
        request,
        "community_courses/admin/survey_results.html",
        {"course": course, "results": results, "text_limit": 200},
    )


class NeedsFilterForm(ReportFilterForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["course"]
        self.fields["library"].required = True


def needs_report_view(request):
    _require_reports(request)
    libraries = library_list_for_user(user=request.user)
    params = request.GET.copy()
    if "library" not in params and libraries.exists():
        params["library"] = str(libraries.order_by("name").first().pk)
    form = NeedsFilterForm(params, user=request.user)
    report = None
    if form.is_valid():
        report = learning_needs_report(
            library=form.cleaned_data["library"],
            date_from=form.cleaned_data.get("date_from"),
            date_to=form.cleaned_data.get("date_to"),
        )
    return TemplateResponse(request, "community_courses/admin/needs.html", {"form": form, "report": report})


def practice_attendance_view(request, pk: int):
    """The list of people registered for a session, to tick at the door. Names are shown
    here only, to the organising centre's staff."""
    session = get_object_or_404(PracticeSession.objects.select_related("course", "host", "library"), pk=pk)
    if not (request.user.is_superuser or session.library_id in library_ids_for_user(user=request.user)):
        raise PermissionDenied
    if not request.user.has_perm("community_courses.view_practicesession"):
        raise PermissionDenied
    registrations = session.registrations.select_related("enrolment__reader", "enrolment__user").order_by("created_at")
    return TemplateResponse(
        request,
        "community_courses/admin/practice_attendance.html",
        {"session": session, "registrations": registrations},
    )
