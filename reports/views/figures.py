"""Admin screen "Số liệu thư viện" (/admin/reports/figures/): one library's figures for a
quarter (``reports.selectors.figures.library_figures``), as accessible tables with a bar
chart of loans per month drawn by the template (SVG, the same figures as the table).

``?library=<code>`` picks one of the libraries the user may read figures of
(``library_list_for_figures``: own library, an officer's area, all for superusers);
``?quarter=2026Q3`` a quarter (default: the current one, in the report's time zone).
A malformed code or quarter is a 400, an unknown code a 404, another's library a 403."""

import datetime
import re

from django.core.exceptions import BadRequest, PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from lending.models import ReaderCategory
from library_site.libraries.selectors import library_list_for_figures
from library_site.portals.models import ActivityKind
from reports.periods import REPORT_TIME_ZONE
from reports.selectors.figures import library_figures
from reports.views.common import library_from_request

QUARTER_RE = re.compile(r"\A(\d{4})Q([1-4])\Z")
# The SVG chart's drawing area (user units).
CHART_WIDTH, CHART_HEIGHT, CHART_BAR = 480, 160, 60


def user_may_see_figures(user) -> bool:
    return library_list_for_figures(user=user).exists()


def parse_quarter(value: str | None, today: datetime.date) -> tuple[int, int]:
    """``"2026Q3"`` → ``(2026, 3)``; empty → today's quarter; anything else → ``BadRequest``."""
    if not value:
        return today.year, (today.month - 1) // 3 + 1
    match = QUARTER_RE.match(value.strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise BadRequest(_("Unknown quarter: write it as 2026Q3."))
    return int(match.group(1)), int(match.group(2))


def quarter_dates(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * quarter - 2, 1)
    following = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, following - datetime.timedelta(days=1)


def _chart(figures) -> dict:
    """Bar geometry for the loans-per-month chart (the template writes the SVG)."""
    top = figures.months_max_loans or 1
    bars = []
    for index, month in enumerate(figures.months):
        height = round(CHART_HEIGHT * month.loans / top)
        bars.append(
            {
                "month": month,
                "x": 40 + index * (CHART_BAR + 40),
                "y": 20 + CHART_HEIGHT - height,
                "height": height,
                "label_y": 20 + CHART_HEIGHT - height - 4,
            }
        )
    return {
        "bars": bars,
        "width": 40 + len(bars) * (CHART_BAR + 40),
        "height": CHART_HEIGHT + 50,
        "bar_width": CHART_BAR,
        "axis_y": 20 + CHART_HEIGHT,
        "month_y": 20 + CHART_HEIGHT + 18,
    }


def figures_view(request):
    libraries = library_list_for_figures(user=request.user)
    if not libraries.exists():
        raise PermissionDenied
    today = timezone.localdate(timezone=REPORT_TIME_ZONE)
    year, quarter = parse_quarter(request.GET.get("quarter"), today)
    library = library_from_request(request, libraries)
    start, end = quarter_dates(year, quarter)
    figures = library_figures(library=library, start=start, end=end)
    choices = libraries.order_by("name", "pk")
    return TemplateResponse(
        request,
        "reports/figures/library.html",
        {
            "figures": figures,
            "library": library,
            "quarter": f"{year}Q{quarter}",
            "libraries": choices if len(choices) > 1 else None,
            "chart": _chart(figures),
            "card_rows": [(ReaderCategory(card.category).label, card) for card in figures.cards],
            "post_rows": [(ActivityKind(post.kind).label, post) for post in figures.posts],
        },
    )
