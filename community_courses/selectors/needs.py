"""The demand report staff plan courses from: what residents of a centre want to learn,
ranked, by ward and by age group, with the courses already offered on each topic.

Wards and age groups with fewer answers than ``SURVEY_MIN_GROUP_SIZE`` are merged into
one "fewer than N answers" column, so a single resident's wishes cannot be picked out."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from community_courses.conf import survey_min_group_size
from community_courses.models import (
    AgeGroup,
    CoursePage,
    CourseTopic,
    LearningNeed,
    PreferredFormat,
    PreferredTime,
)
from library_site.libraries.models import Library
from library_site.portals.models import LibraryHomePage


@dataclass
class TopicDemand:
    topic: str
    label: str
    count: int
    percent: float
    courses_offered: int
    by_column: list[int] = field(default_factory=list)


@dataclass
class NeedsReport:
    library: Library
    responses: int
    min_group_size: int
    topics: list[TopicDemand]
    ward_columns: list[str]
    ward_rows: list[tuple[str, list[int]]]
    age_columns: list[str]
    age_rows: list[tuple[str, list[int]]]
    times: list[tuple[str, int, float]]
    formats: list[tuple[str, int, float]]
    other_topics: list[str]
    wishes: list[str]
    shown: bool


def _percent(count: int, total: int) -> float:
    return 100 * count / total if total else 0.0


def _crosstab(needs: list[LearningNeed], group_of, labels: dict, minimum: int) -> tuple[list[str], list]:
    """Topic × group counts; groups with fewer than ``minimum`` answers are merged."""
    sizes = Counter(group_of(need) for need in needs)
    big = [group for group in labels if sizes.get(group, 0) >= minimum]
    big += sorted((group for group in sizes if group not in labels and sizes[group] >= minimum), key=str.casefold)
    columns = [str(labels.get(group, group)) for group in big]
    small = any(0 < size < minimum for group, size in sizes.items() if group not in big)
    if small:
        columns.append(_("Others (fewer than %(count)d answers each)") % {"count": minimum})
    rows = []
    for topic, label in CourseTopic.choices:
        counts = [sum(1 for need in needs if group_of(need) == group and topic in need.topics) for group in big]
        if small:
            counts.append(sum(1 for need in needs if group_of(need) not in big and topic in need.topics))
        rows.append((str(label), counts))
    return columns, rows


def learning_needs_report(
    *, library: Library, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> NeedsReport:
    minimum = survey_min_group_size()
    needs_qs = LearningNeed.objects.filter(library=library)
    if date_from:
        needs_qs = needs_qs.filter(submitted_at__date__gte=date_from)
    if date_to:
        needs_qs = needs_qs.filter(submitted_at__date__lte=date_to)
    needs = list(needs_qs.only("topics", "other_topic", "times", "formats", "wish", "age_group", "ward"))
    total = len(needs)
    home = LibraryHomePage.objects.filter(library=library).first()
    offered = Counter(CoursePage.objects.live().descendant_of(home).values_list("topic", flat=True) if home else [])
    topic_counts = Counter(topic for need in needs for topic in need.topics)
    topics = sorted(
        (
            TopicDemand(value, str(label), topic_counts[value], _percent(topic_counts[value], total), offered[value])
            for value, label in CourseTopic.choices
        ),
        key=lambda item: (-item.count, item.label),
    )
    ward_columns, ward_rows = _crosstab(needs, lambda need: need.ward or "", {"": _("Not given")}, minimum)
    # Wards are free text: the known label mapping holds only the empty one; others are their own names.
    age_columns, age_rows = _crosstab(needs, lambda need: need.age_group, dict(AgeGroup.choices), minimum)
    time_counts = Counter(value for need in needs for value in need.times)
    format_counts = Counter(value for need in needs for value in need.formats)
    shown = total >= minimum
    return NeedsReport(
        library=library,
        responses=total,
        min_group_size=minimum,
        topics=topics if shown else [],
        ward_columns=ward_columns if shown else [],
        ward_rows=ward_rows if shown else [],
        age_columns=age_columns if shown else [],
        age_rows=age_rows if shown else [],
        times=[
            (str(label), time_counts[value], _percent(time_counts[value], total))
            for value, label in PreferredTime.choices
        ]
        if shown
        else [],
        formats=[
            (str(label), format_counts[value], _percent(format_counts[value], total))
            for value, label in PreferredFormat.choices
        ]
        if shown
        else [],
        other_topics=sorted({need.other_topic for need in needs if need.other_topic}, key=str.casefold)
        if shown
        else [],
        wishes=sorted((need.wish for need in needs if need.wish), key=str.casefold) if shown else [],
        shown=shown,
    )
