"""Results of a course's before/after satisfaction survey, item by item.

For every question: how many answered before and after (and the response rate), the
distribution of answers, and for Likert items the means, the paired change (after −
before) with a 95% confidence interval (t distribution) and a paired Wilcoxon
signed-rank test over the participants who answered the item both times.

Small groups are hidden: a phase answered by fewer than ``SURVEY_MIN_GROUP_SIZE``
people, an item answered by fewer, and a paired comparison over fewer pairs are not
computed into the results at all (``shown=False``), so no one's answers can be singled
out. No name ever enters these results; sheets are paired by their ``pair_key``.
"""

import math
import warnings
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

import numpy as np
from scipy import stats

from community_courses.conf import survey_min_group_size
from community_courses.models import CoursePage, Enrolment, QuestionKind, SurveyPhase, SurveyQuestion, SurveyResponse

CONFIDENCE = 0.95


@dataclass
class Bar:
    label: str
    count: int
    percent: float


@dataclass
class PhaseItem:
    """One question in one phase. ``shown`` False: fewer than the minimum answered, and
    every other field is empty."""

    shown: bool
    answered: int = 0
    response_rate: float | None = None
    mean: float | None = None
    bars: list[Bar] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


# Below this a p-value is reported as "< 0.0001", never rounded to 0.0.
P_VALUE_FLOOR = 0.0001


@dataclass
class PairedChange:
    shown: bool
    pairs: int = 0
    mean_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    wilcoxon_statistic: float | None = None
    wilcoxon_p: float | None = None


@dataclass
class ItemResult:
    number: int
    question_id: int
    text: str
    kind: str
    kind_label: str
    before: PhaseItem
    after: PhaseItem
    change: PairedChange | None  # Likert items only


@dataclass
class SurveyResults:
    course_id: int
    course_title: str
    course_slug: str
    centre: str
    template_name: str
    min_group_size: int
    enrolled: int
    completed: int
    before_sheets: int
    after_sheets: int
    paired_sheets: int
    before_rate: float | None
    after_rate: float | None
    items: list[ItemResult]
    generated_at: object

    @property
    def has_template(self) -> bool:
        return bool(self.template_name)

    @property
    def nothing_shown(self) -> bool:
        return self.before_sheets < self.min_group_size and self.after_sheets < self.min_group_size


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def mean_change_confidence_interval(differences: np.ndarray) -> tuple[float, float | None, float | None]:
    """Mean of the paired differences and its 95% confidence interval from the t
    distribution with n − 1 degrees of freedom (no interval for a single pair)."""
    n = len(differences)
    mean = float(differences.mean())
    if n < 2:
        return mean, None, None
    standard_error = float(differences.std(ddof=1)) / math.sqrt(n)
    margin = float(stats.t.ppf((1 + CONFIDENCE) / 2, n - 1)) * standard_error
    return mean, mean - margin, mean + margin


def wilcoxon_signed_rank(after: np.ndarray, before: np.ndarray) -> tuple[float | None, float | None]:
    """scipy's paired Wilcoxon signed-rank test (two-sided, zero differences dropped).
    When every difference is zero there is nothing to rank: no statistic, no p."""
    if not np.any(after - before):
        return None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.wilcoxon(after, before)
    return _finite(result.statistic), _finite(result.pvalue)


def _bars(labels: list[str], counts: list[int], base: int) -> list[Bar]:
    return [Bar(label, count, 100 * count / base if base else 0.0) for label, count in zip(labels, counts, strict=True)]


def _phase_item(question: SurveyQuestion, sheets: list[dict], minimum: int) -> PhaseItem:
    key = str(question.pk)
    values = [sheet[key] for sheet in sheets if key in sheet]
    answered = len(values)
    if len(sheets) < minimum or answered < minimum:
        return PhaseItem(shown=False)
    item = PhaseItem(shown=True, answered=answered, response_rate=_rate(answered, len(sheets)))
    if question.kind == QuestionKind.LIKERT:
        array = np.asarray(values, dtype=np.int64)
        item.mean = float(array.mean())
        counts = np.bincount(array, minlength=6)[1:6].tolist()
        labels = [f"{score} · {label}" for score, label in enumerate(question.likert_labels, start=1)]
        item.bars = _bars(labels, counts, answered)
    elif question.kind == QuestionKind.SINGLE:
        choices = question.choice_list
        counts = [sum(1 for value in values if value == choice) for choice in choices]
        item.bars = _bars(choices, counts, answered)
    elif question.kind == QuestionKind.MULTIPLE:
        choices = question.choice_list
        counts = [sum(1 for value in values if choice in value) for choice in choices]
        item.bars = _bars(choices, counts, answered)  # share of those who answered the item
    else:
        # Alphabetical, not in the order given, which could match the order of joining.
        item.texts = sorted((str(value) for value in values), key=str.casefold)
    return item


def _paired_change(question: SurveyQuestion, before: dict, after: dict, minimum: int) -> PairedChange:
    key = str(question.pk)
    pairs = [
        (after[pk][key], before[pk][key])
        for pk in before.keys() & after.keys()
        if key in before[pk] and key in after[pk]
    ]
    if len(pairs) < minimum:
        return PairedChange(shown=False)
    after_values = np.asarray([pair[0] for pair in pairs], dtype=np.float64)
    before_values = np.asarray([pair[1] for pair in pairs], dtype=np.float64)
    mean, low, high = mean_change_confidence_interval(after_values - before_values)
    statistic, p_value = wilcoxon_signed_rank(after_values, before_values)
    return PairedChange(
        shown=True,
        pairs=len(pairs),
        mean_change=mean,
        ci_low=low,
        ci_high=high,
        wilcoxon_statistic=statistic,
        wilcoxon_p=p_value,
    )


def survey_results(*, course: CoursePage, min_group_size: int | None = None) -> SurveyResults:
    """Everything the results page, the exports and ``survey_report`` show."""
    minimum = min_group_size or survey_min_group_size()
    template = course.survey_template
    counts = Enrolment.objects.filter(course=course).aggregate(
        enrolled=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False))
    )
    before: dict[str, dict] = {}
    after: dict[str, dict] = {}
    questions: list[SurveyQuestion] = []
    if template is not None:
        questions = list(template.questions.all())
        sheets = SurveyResponse.objects.filter(course=course, template=template).values_list(
            "phase", "pair_key", "answers"
        )
        for phase, pair_key, answers in sheets.iterator(chunk_size=5000):
            (before if phase == SurveyPhase.BEFORE else after)[pair_key] = answers
    before_list, after_list = list(before.values()), list(after.values())
    items = []
    for number, question in enumerate(questions, start=1):
        items.append(
            ItemResult(
                number=number,
                question_id=question.pk,
                text=question.text,
                kind=question.kind,
                kind_label=str(question.get_kind_display()),
                before=_phase_item(question, before_list, minimum),
                after=_phase_item(question, after_list, minimum),
                change=_paired_change(question, before, after, minimum)
                if question.kind == QuestionKind.LIKERT
                else None,
            )
        )
    centre = course.centre
    return SurveyResults(
        course_id=course.pk,
        course_title=course.title,
        course_slug=course.slug,
        centre=centre.name if centre else "",
        template_name=template.name if template else "",
        min_group_size=minimum,
        enrolled=counts["enrolled"],
        completed=counts["completed"],
        before_sheets=len(before_list),
        after_sheets=len(after_list),
        paired_sheets=len(before.keys() & after.keys()),
        before_rate=_rate(len(before_list), counts["enrolled"]),
        after_rate=_rate(len(after_list), counts["completed"]),
        items=items,
        generated_at=timezone.now(),
    )
