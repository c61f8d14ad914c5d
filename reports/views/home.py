"""The overdue list per class, for homeroom teachers (students have no email): a
printable admin page and its CSV download, of one library the user works for."""

import unicodedata

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lending.models import Membership
from lending.services.personal_data import personal_data_view_log_many
from library_site.params import BadParameter, parse_id
from library_site.spreadsheets import csv_bytes
from library_site.text import nfc

from ..selectors.home import home_libraries, overdue_by_class, overdue_classes

CLASS_MAX_LENGTH = Membership._meta.get_field("class_name").max_length
FORMATS = ("", "html", "csv")


def _library(request, libraries):
    value = request.GET.get("library")
    if value is None or value == "":
        library = libraries.first()
        if library is None:
            raise PermissionDenied
        return library
    library = libraries.filter(pk=parse_id(value, name="library")).first()
    if library is None:  # another library's list: not found, whatever it holds
        raise Http404
    return library


def _class_name(request) -> str | None:
    """The class asked for (``None``: every class)."""
    value = nfc((request.GET.get("class") or "").strip())
    if not value:
        return None
    if len(value) > CLASS_MAX_LENGTH or any(unicodedata.category(char).startswith("C") for char in value):
        raise BadParameter("class", _("This is not a class name."))
    return value


def overdue_report_view(request):
    if not request.user.has_perm("lending.view_loan"):
        raise PermissionDenied
    libraries = home_libraries(user=request.user)
    library = _library(request, libraries)
    class_name = _class_name(request)
    output = request.GET.get("format", "")
    if output not in FORMATS:
        raise BadParameter("format", _("Choose the page or CSV."))
    today = timezone.localdate()
    loans = list(overdue_by_class(library=library, today=today, class_name=class_name))
    for loan in loans:
        loan.days_overdue = (today - loan.due_on).days
    # A list of readers with their loans: a staff read of personal data, logged per member.
    personal_data_view_log_many(
        user=request.user,
        model=Membership,
        pks=sorted({loan.membership_id for loan in loans}),
        via="overdue-csv" if output == "csv" else "overdue-list",
    )
    if output == "csv":
        return _csv(library, class_name, today, loans)
    return TemplateResponse(
        request,
        "reports/home/overdue.html",
        {
            "library": library,
            "libraries": list(libraries) if libraries.count() > 1 else [],
            "class_name": class_name,
            "classes": overdue_classes(library=library, today=today),
            "loans": loans,
            "today": today,
        },
    )


def _csv(library, class_name, today, loans) -> HttpResponse:
    header = [_("Class"), _("Reader"), _("Title"), _("Copy barcode"), _("Due on"), _("Days overdue")]
    rows = [header] + [
        [
            loan.membership.class_name,
            loan.membership.reader.full_name,
            loan.copy.record.title,
            loan.copy.barcode,
            loan.due_on.strftime("%d/%m/%Y"),
            loan.days_overdue,
        ]
        for loan in loans
    ]
    suffix = f"-{slugify(class_name)}" if class_name else ""
    response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="qua-han-{library.code}{suffix}-{today:%Y%m%d}.csv"'
    return response
