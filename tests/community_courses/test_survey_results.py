"""Before/after pairing and every statistic, each checked against values computed here
independently (statistics module by hand, scipy directly on the paired arrays)."""

import math
import statistics

from django.core.exceptions import ValidationError

import pytest
from scipy import stats

from community_courses.models import Enrolment, SurveyPhase, SurveyResponse
from community_courses.selectors.survey_results import survey_results
from community_courses.services.enrolment import enrolment_create, lesson_complete
from community_courses.services.surveys import SurveyRefused, survey_pair_key, survey_response_submit
from tests.factories.libraries import UserFactory

pytestmark = pytest.mark.django_db

# (before, after) of the first Likert item per participant; None = that half is missing.
SCORES = [(2, 4), (3, 4), (2, 2), (1, 3), (3, 5), (4, 4), (2, 3), (3, 2), (None, 5), (2, None), (1, 4)]


def _participant(course, lessons, n):
    enrolment = enrolment_create(course=course, user=UserFactory(username=f"nguoihoc{n}"), ward="Phường 13")
    enrolment.course = course
    return enrolment


def _finish(enrolment, lessons):
    for lesson in lessons:
        enrolment = lesson_complete(enrolment=enrolment, lesson=lesson)
    return enrolment


def _questions(course):
    return list(course.survey_template.questions.all())


@pytest.fixture
def answered(course, lessons):
    """Eleven participants; two answered only one half. Odd ones answer anonymously."""
    likert, confidence, single, multiple, text = _questions(course)
    for n, (before, after) in enumerate(SCORES):
        enrolment = _participant(course, lessons, n)
        if before is not None:
            survey_response_submit(
                enrolment=enrolment,
                phase=SurveyPhase.BEFORE,
                anonymous=n % 2 == 1,
                answers={
                    str(likert.pk): before,
                    str(confidence.pk): 2,
                    str(single.pk): "Loa phường" if n < 6 else "Zalo",
                    str(multiple.pk): ["Sức khỏe", "Kỹ năng số"] if n < 4 else ["Ngoại ngữ"],
                    str(text.pk): f"Trước {n:02d}",
                },
            )
        enrolment = _finish(enrolment, lessons)
        if after is not None:
            enrolment.course = course
            survey_response_submit(
                enrolment=enrolment,
                phase=SurveyPhase.AFTER,
                anonymous=n % 2 == 1,
                answers={str(likert.pk): after, str(confidence.pk): 2, str(text.pk): f"Sau {n:02d}"},
            )
    return course


def test_pairs_join_only_participants_who_answered_both_times(answered):
    results = survey_results(course=answered, min_group_size=5)

    assert (results.enrolled, results.completed) == (11, 11)
    assert (results.before_sheets, results.after_sheets, results.paired_sheets) == (10, 10, 9)
    assert results.before_rate == pytest.approx(10 / 11)
    assert results.after_rate == pytest.approx(10 / 11)
    assert results.items[0].change.pairs == 9


def test_likert_means_distributions_change_ci_and_wilcoxon_match_independent_computation(answered):
    pairs = [(before, after) for before, after in SCORES if before is not None and after is not None]
    before_all = [before for before, _after in SCORES if before is not None]
    after_all = [after for _before, after in SCORES if after is not None]
    differences = [after - before for before, after in pairs]
    n = len(differences)
    mean = statistics.fmean(differences)
    margin = stats.t.ppf(0.975, n - 1) * statistics.stdev(differences) / math.sqrt(n)
    expected = stats.wilcoxon([after for _b, after in pairs], [before for before, _a in pairs])

    item = survey_results(course=answered, min_group_size=5).items[0]

    assert item.before.mean == pytest.approx(statistics.fmean(before_all))
    assert item.after.mean == pytest.approx(statistics.fmean(after_all))
    assert [bar.count for bar in item.before.bars] == [before_all.count(score) for score in range(1, 6)]
    assert [bar.count for bar in item.after.bars] == [after_all.count(score) for score in range(1, 6)]
    assert item.after.bars[3].percent == pytest.approx(100 * after_all.count(4) / len(after_all))
    assert item.change.mean_change == pytest.approx(mean)
    assert item.change.ci_low == pytest.approx(mean - margin)
    assert item.change.ci_high == pytest.approx(mean + margin)
    assert item.change.wilcoxon_statistic == pytest.approx(expected.statistic)
    assert item.change.wilcoxon_p == pytest.approx(expected.pvalue)


def test_no_change_at_all_gives_no_wilcoxon_test(answered):
    confidence = survey_results(course=answered, min_group_size=5).items[1]

    assert confidence.change.mean_change == 0
    assert (confidence.change.ci_low, confidence.change.ci_high) == (0, 0)
    assert confidence.change.wilcoxon_p is None


def test_choices_response_rates_and_free_text(answered):
    results = survey_results(course=answered, min_group_size=5)
    single, multiple, text = results.items[2], results.items[3], results.items[4]

    assert [(bar.label, bar.count) for bar in single.before.bars] == [("Loa phường", 6), ("Zalo", 4), ("Người thân", 0)]
    assert not single.after.shown  # nobody answered it after: hidden, not "0 %"
    # Multiple choice: share of those who answered the item (4 of 10 chose "Sức khỏe").
    assert [(bar.label, bar.count, bar.percent) for bar in multiple.before.bars] == [
        ("Kỹ năng số", 4, 40.0),
        ("Sức khỏe", 4, 40.0),
        ("Ngoại ngữ", 6, 60.0),
    ]
    assert text.before.response_rate == 1.0
    assert text.before.texts == sorted(f"Trước {n:02d}" for n, (before, _a) in enumerate(SCORES) if before)
    assert len(text.after.texts) == 10


def test_small_groups_are_hidden(answered):
    results = survey_results(course=answered, min_group_size=10)

    first = results.items[0]
    assert first.before.shown
    assert first.after.shown
    assert not first.change.shown
    assert first.change.mean_change is None
    hidden = survey_results(course=answered, min_group_size=11)
    assert not hidden.items[0].before.shown
    assert hidden.items[0].before.mean is None
    assert hidden.items[4].before.texts == []
    assert hidden.nothing_shown


def test_the_default_minimum_comes_from_the_setting(answered, settings):
    settings.SURVEY_MIN_GROUP_SIZE = 10

    assert not survey_results(course=answered).items[0].change.shown


def test_anonymous_sheets_carry_no_enrolment_but_are_still_paired(answered):
    anonymous = SurveyResponse.objects.filter(enrolment__isnull=True)
    named = SurveyResponse.objects.filter(enrolment__isnull=False)

    assert anonymous.exists()
    assert named.exists()
    enrolment = Enrolment.objects.order_by("pk")[1]  # n = 1 answered anonymously
    key = survey_pair_key(enrolment=enrolment)
    assert set(SurveyResponse.objects.filter(pair_key=key).values_list("phase", "enrolment")) == {
        ("before", None),
        ("after", None),
    }


def test_before_closes_after_the_first_lesson_and_after_waits_for_completion(course, lessons, resident_user):
    enrolment = enrolment_create(course=course, user=resident_user)
    likert = _questions(course)[0]

    with pytest.raises(SurveyRefused):
        survey_response_submit(
            enrolment=enrolment, phase=SurveyPhase.AFTER, answers={str(likert.pk): 4}, anonymous=True
        )
    lesson_complete(enrolment=enrolment, lesson=lessons[0])
    with pytest.raises(SurveyRefused):
        survey_response_submit(
            enrolment=enrolment, phase=SurveyPhase.BEFORE, answers={str(likert.pk): 4}, anonymous=True
        )


def test_each_half_is_answered_once(enrolment, course):
    likert = _questions(course)[0]
    survey_response_submit(enrolment=enrolment, phase=SurveyPhase.BEFORE, answers={str(likert.pk): 3}, anonymous=False)

    with pytest.raises(SurveyRefused):
        survey_response_submit(
            enrolment=enrolment, phase=SurveyPhase.BEFORE, answers={str(likert.pk): 4}, anonymous=False
        )
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("kind_index", "value"),
    [(0, 6), (0, "4.5"), (0, "nhiều"), (2, "Tivi"), (3, ["Kỹ năng số", "Bơi lội"]), (4, "x" * 2001)],
)
def test_bad_answers_are_refused_with_the_question_named(enrolment, course, kind_index, value):
    question = _questions(course)[kind_index]

    with pytest.raises(ValidationError) as invalid:
        survey_response_submit(
            enrolment=enrolment, phase=SurveyPhase.BEFORE, answers={str(question.pk): value}, anonymous=True
        )
    assert str(question.pk) in invalid.value.message_dict
    assert not SurveyResponse.objects.exists()


def test_a_sheet_answered_before_a_secret_key_rotation_is_still_paired(course, lessons, enrolment, settings):
    likert = _questions(course)[0]
    survey_response_submit(enrolment=enrolment, phase=SurveyPhase.BEFORE, answers={str(likert.pk): 2}, anonymous=True)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789-abcdefghijklmnopqrstuv"
    enrolment = _finish(enrolment, lessons)
    enrolment.course = course

    survey_response_submit(enrolment=enrolment, phase=SurveyPhase.AFTER, answers={str(likert.pk): 5}, anonymous=True)

    assert survey_results(course=course, min_group_size=1).items[0].change.mean_change == 3
