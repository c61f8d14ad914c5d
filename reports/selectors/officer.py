"""The officer's overview (issue 14, §2 "An officer's home"): one row per library of an
area with its headline figures (``reports.selectors.figures.libraries_figures``), each
target figure judged against its target, sortable, with totals per district and for the
whole area.

- **Cards** — valid cards / active roster, students and staff together; target 100 %.
- **Coverage** — the school's share of lessons with a digital material; target per school
  level from ``settings.COVERAGE_TARGETS`` (``reports.selectors.coverage.coverage_target``);
  not applicable to a library that is not a school.
- **Totals** — sums of the counts; every percentage is recomputed from the sums, never an
  average of percentages. Coverage totals sum the schools' lessons and covered lessons
  (targets differ per level, so a total is not judged against one).
- **Active readers** — a library's count is hidden below ``REPORT_MIN_GROUP_SIZE``. A total
  sums the libraries' counts (a reader who borrowed at two libraries counts at both); it is
  hidden too when exactly one of its libraries is hidden (the total minus the shown rows
  would give that library's count) or when it is itself a small group.

A fixed number of queries whatever the number of libraries.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from library_site.libraries.models import Library
from library_site.text import match_key
from reports.selectors.coverage import coverage_target, percent, school_level
from reports.selectors.figures import (
    libraries_figures,
    loans_by_library,
    period_bounds,
    report_min_group_size,
    suppress,
)

# ``?sort=`` keys → the row attribute sorted on (a leading "-" sorts descending).
SORT_KEYS = (
    "name",
    "district",
    "ward",
    "kind",
    "cards",
    "digital",
    "coded",
    "coverage",
    "loans",
    "readers",
)
DEFAULT_SORT = "name"
CARDS_TARGET = 100


class _CardShare:
    """Reader cards issued against the roster, and whether they reach the 100 % target."""

    cards: int
    roster: int

    @property
    def cards_percent(self) -> Decimal | None:
        return percent(self.cards, self.roster)

    @property
    def cards_meets_target(self) -> bool | None:
        return None if not self.roster else self.cards * 100 >= CARDS_TARGET * self.roster


@dataclass(frozen=True)
class OfficerRow(_CardShare):
    library_id: int
    code: str
    name: str
    district: str
    ward: str
    kind: str
    kind_label: str
    roster: int
    cards: int
    digital_items: int
    digital_coded: int
    coverage_applicable: bool
    coverage_lessons: int | None
    coverage_covered: int | None
    coverage_target: int | None
    loans: int
    active_readers: int | None
    active_readers_suppressed: bool

    @property
    def coverage_percent(self) -> Decimal | None:
        return percent(self.coverage_covered, self.coverage_lessons) if self.coverage_lessons else None

    @property
    def coverage_meets_target(self) -> bool | None:
        if self.coverage_target is None or not self.coverage_lessons:
            return None
        return self.coverage_covered * 100 >= self.coverage_target * self.coverage_lessons

    def sort_value(self, key: str):
        return {
            "name": self.name.casefold(),
            "district": self.district.casefold(),
            "ward": self.ward.casefold(),
            "kind": str(self.kind_label).casefold(),
            "cards": self.cards_percent,
            "digital": self.digital_items,
            "coded": self.digital_coded,
            "coverage": self.coverage_percent,
            "loans": self.loans,
            "readers": self.active_readers,
        }[key]


@dataclass(frozen=True)
class OfficerTotal(_CardShare):
    label: str  # the district, or "" for the whole area
    libraries: int
    roster: int
    cards: int
    digital_items: int
    digital_coded: int
    coverage_lessons: int
    coverage_covered: int
    loans: int
    active_readers: int | None
    active_readers_suppressed: bool

    @property
    def coverage_percent(self) -> Decimal | None:
        return percent(self.coverage_covered, self.coverage_lessons)


@dataclass(frozen=True)
class OfficerOverview:
    start: datetime.date
    end: datetime.date
    rows: list[OfficerRow]
    districts: list[OfficerTotal]
    total: OfficerTotal


def sort_rows(rows: list[OfficerRow], sort: str) -> list[OfficerRow]:
    """``rows`` sorted by ``sort`` (a ``SORT_KEYS`` entry, "-" for descending); figures not
    available (hidden, not applicable) always last; ties by name."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        raise ValueError(sort)
    by_name = sorted(rows, key=lambda row: (row.name.casefold(), row.library_id))
    present = [row for row in by_name if row.sort_value(key) is not None]
    missing = [row for row in by_name if row.sort_value(key) is None]
    return sorted(present, key=lambda row: row.sort_value(key), reverse=descending) + missing


def _total(label: str, rows: list[OfficerRow], raw_readers: dict[int, int], minimum: int) -> OfficerTotal:
    hidden_rows = sum(1 for row in rows if row.active_readers_suppressed)
    readers, hidden = suppress(sum(raw_readers.get(row.library_id, 0) for row in rows), minimum)
    if hidden_rows == 1:
        readers, hidden = None, True
    return OfficerTotal(
        label=label,
        libraries=len(rows),
        roster=sum(row.roster for row in rows),
        cards=sum(row.cards for row in rows),
        digital_items=sum(row.digital_items for row in rows),
        digital_coded=sum(row.digital_coded for row in rows),
        coverage_lessons=sum(row.coverage_lessons or 0 for row in rows),
        coverage_covered=sum(row.coverage_covered or 0 for row in rows),
        loans=sum(row.loans for row in rows),
        active_readers=readers,
        active_readers_suppressed=hidden,
    )


def officer_overview(
    *, libraries: Iterable[Library], start: datetime.date, end: datetime.date, sort: str = DEFAULT_SORT
) -> OfficerOverview:
    """The rows (sorted by ``sort``), the totals per district (by district name) and the
    total of ``libraries`` for ``start``..``end``."""
    libraries = list(libraries)
    headlines = libraries_figures(libraries=libraries, start=start, end=end)
    minimum = report_min_group_size()
    begin, stop = period_bounds(start, end)
    raw_readers = {
        pk: row["readers"] for pk, row in loans_by_library([lib.pk for lib in libraries], begin, stop).items()
    }
    rows = []
    for library, headline in zip(libraries, headlines, strict=True):
        level = school_level(library)
        rows.append(
            OfficerRow(
                library_id=library.pk,
                code=library.code,
                name=library.name,
                district=library.district,
                ward=library.ward,
                kind=library.kind,
                kind_label=library.get_kind_display(),
                roster=sum(card.roster for card in headline.cards),
                cards=sum(card.cards for card in headline.cards),
                digital_items=headline.digital_items,
                digital_coded=headline.digital_coded,
                coverage_applicable=headline.coverage_applicable,
                coverage_lessons=headline.coverage_lessons,
                coverage_covered=headline.coverage_covered,
                coverage_target=coverage_target(level) if level else None,
                loans=headline.loans,
                active_readers=headline.active_readers,
                active_readers_suppressed=headline.active_readers_suppressed,
            )
        )
    # Districts grouped as officers are matched (case and diacritics aside), labelled as the
    # first library (by name) writes it.
    by_district: dict[str, list[OfficerRow]] = {}
    for row in sorted(rows, key=lambda row: (row.name.casefold(), row.library_id)):
        by_district.setdefault(match_key(row.district), []).append(row)
    districts = [
        _total(group[0].district, group, raw_readers, minimum)
        for group in sorted(by_district.values(), key=lambda group: group[0].district.casefold())
    ]
    return OfficerOverview(
        start=start,
        end=end,
        rows=sort_rows(rows, sort),
        districts=districts,
        total=_total("", rows, raw_readers, minimum),
    )
