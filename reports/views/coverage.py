"""Admin screen of the digital-coverage index (/admin/reports/coverage/): a school's
coverage per grade or per subject and grade against the target, the lessons still lacking
a digital material, and the same as CSV, XLSX or JSON (``?export=``).

Library staff see the libraries they work for (``?library=<code>`` picks one of them;
another library's code is refused with 403); a superuser picks any library. An unknown code
is a 404, an unknown export format a 400."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from library_site.libraries.selectors import library_list_for_figures
from library_site.params import parse_number
from reports.coverage import FORMATS, coverage_csv, coverage_json, coverage_xlsx
from reports.selectors.coverage import coverage_for_library, lessons_lacking_material
from reports.views.common import library_from_request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "json": "application/json; charset=utf-8"}
LACKING_PER_PAGE = 100


def user_may_see_coverage(user) -> bool:
    """Superusers, the staff of at least one library and education officers."""
    return library_list_for_figures(user=user).exists()


def _download(report, fmt: str) -> HttpResponse:
    if fmt == "csv":
        content = coverage_csv(report).encode("utf-8")
    elif fmt == "xlsx":
        content = coverage_xlsx(report)
    else:
        content = coverage_json(report).encode("utf-8")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="do-phu-hoc-lieu-so-{report.library.code}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


def coverage_view(request):
    if not user_may_see_coverage(request.user):
        raise PermissionDenied
    libraries = library_list_for_figures(user=request.user)
    library = library_from_request(request, libraries)
    export = request.GET.get("export")
    if export is not None and export not in FORMATS:
        raise BadRequest(_("Unknown export format."))
    report = coverage_for_library(library=library)
    if export:
        return _download(report, export)
    page = None
    if report.applicable:
        number = parse_number(request.GET.get("page", "1"), name="page", maximum=100_000)
        paginator = Paginator(lessons_lacking_material(library=library), LACKING_PER_PAGE)
        if number > paginator.num_pages:
            raise Http404(_("No such page."))
        page = paginator.page(number)
    return TemplateResponse(
        request,
        "reports/coverage/report.html",
        {
            "report": report,
            "libraries": libraries.order_by("name") if libraries.count() > 1 else None,
            "lacking": page,
            "may_link_lessons": request.user.has_perm("catalog.change_lessonunit"),
            "may_add_records": request.user.has_perm("catalog.add_record"),
        },
    )
