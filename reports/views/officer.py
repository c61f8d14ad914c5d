"""Admin screen "Các thư viện" (/admin/reports/libraries/): the officer's overview of their
area (``reports.selectors.officer.officer_overview``) for a quarter — education officers see
their area (``officer_library_list``), superusers every library; anyone else is refused.

``?quarter=2026Q3`` (default: the current quarter), ``?sort=<key>`` or ``-<key>`` (keys in
``SORT_KEYS``), ``?format=csv`` for a spreadsheet. Malformed parameters are a 400."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from library_site.libraries.models import Library
from library_site.libraries.selectors import officer_library_list, user_is_officer
from library_site.spreadsheets import csv_bytes
from reports.periods import REPORT_TIME_ZONE
from reports.selectors.officer import DEFAULT_SORT, SORT_KEYS, officer_overview
from reports.views.figures import parse_quarter, quarter_dates


def user_may_see_overview(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user_is_officer(user)


def overview_libraries(user):
    """The libraries of ``user``'s overview: all for a superuser, the officer's area otherwise."""
    if user.is_superuser:
        return Library.objects.all()
    return officer_library_list(user=user)


def current_quarter() -> tuple[int, int]:
    return parse_quarter(None, timezone.localdate(timezone=REPORT_TIME_ZONE))


def _columns():
    """(sort key, header) of the library table, in order."""
    return [
        ("name", _("Library")),
        ("district", _("District")),
        ("ward", _("Ward")),
        ("kind", _("Kind")),
        ("cards", _("Cards issued / roster")),
        ("digital", _("Digital items")),
        ("coded", _("Coded")),
        ("coverage", _("Coverage")),
        ("loans", _("Loans")),
        ("readers", _("Active readers")),
    ]


def _percent_text(value) -> str:
    return "" if value is None else f"{value}%"


def _readers_text(item) -> str:
    return _("hidden") if item.active_readers_suppressed else str(item.active_readers)


def _csv(overview, quarter: str) -> HttpResponse:
    header = [
        _("Library code"),
        _("Library"),
        _("District"),
        _("Ward"),
        _("Kind"),
        _("Cards issued"),
        _("Roster"),
        _("Cards %"),
        _("Digital items"),
        _("Coded"),
        _("Coverage %"),
        _("Coverage target %"),
        _("Loans"),
        _("Active readers"),
    ]
    rows = [header]
    for row in overview.rows:
        rows.append(
            [
                row.code,
                row.name,
                row.district,
                row.ward,
                str(row.kind_label),
                row.cards,
                row.roster,
                _percent_text(row.cards_percent),
                row.digital_items,
                row.digital_coded,
                _percent_text(row.coverage_percent) if row.coverage_applicable else _("not applicable"),
                row.coverage_target if row.coverage_target is not None else "",
                row.loans,
                _readers_text(row),
            ]
        )
    for total in [*overview.districts, overview.total]:
        label = _("Total: %(district)s") % {"district": total.label} if total.label else _("Total: whole area")
        rows.append(
            [
                "",
                label,
                total.label,
                "",
                "",
                total.cards,
                total.roster,
                _percent_text(total.cards_percent),
                total.digital_items,
                total.digital_coded,
                _percent_text(total.coverage_percent),
                "",
                total.loans,
                _readers_text(total),
            ]
        )
    response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="libraries-{quarter}.csv"'
    return response


def overview_view(request):
    if not user_may_see_overview(request.user):
        raise PermissionDenied
    year, quarter_number = parse_quarter(request.GET.get("quarter"), timezone.localdate(timezone=REPORT_TIME_ZONE))
    quarter = f"{year}Q{quarter_number}"
    sort = request.GET.get("sort", "").strip() or DEFAULT_SORT
    if sort.lstrip("-") not in SORT_KEYS or sort.startswith("--"):
        raise BadRequest(_("Unknown sort column."))
    output = request.GET.get("format", "")
    if output not in ("", "html", "csv"):
        raise BadRequest(_("Unknown format."))
    start, end = quarter_dates(year, quarter_number)
    libraries = overview_libraries(request.user).order_by("name", "pk")
    overview = officer_overview(libraries=libraries, start=start, end=end, sort=sort)
    if output == "csv":
        return _csv(overview, quarter)
    headers = []
    for key, label in _columns():
        active = sort.lstrip("-") == key
        descending = sort.startswith("-")
        target = f"-{key}" if active and not descending else key
        headers.append(
            {
                "key": key,
                "label": label,
                "url": "?" + urlencode({"quarter": quarter, "sort": target}),
                "aria_sort": ("descending" if descending else "ascending") if active else "",
            }
        )
    return TemplateResponse(
        request,
        "reports/officer/overview.html",
        {
            "overview": overview,
            "quarter": quarter,
            "sort": sort,
            "headers": headers,
            "csv_url": "?" + urlencode({"quarter": quarter, "sort": sort, "format": "csv"}),
        },
    )
