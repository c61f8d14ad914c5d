import io

import pytest

from community_courses import demo
from community_courses.models import CoursePage, Enrolment, LearningNeed, LessonVisit, PracticeSession, SurveyResponse
from community_courses.selectors.survey_results import survey_results
from library_site.portals import demo as portals_demo

pytestmark = pytest.mark.django_db


def _counts():
    return [
        model.objects.count()
        for model in (CoursePage, Enrolment, LessonVisit, SurveyResponse, LearningNeed, PracticeSession)
    ]


def test_demo_courses_participants_and_answers_are_deterministic_and_idempotent(wagtail_tree):
    out = io.StringIO()
    portals_demo.load(stdout=out)

    demo.load(stdout=out)
    first = _counts()
    demo.load(stdout=out)

    assert _counts() == first
    assert first[0] == 2
    people = Enrolment.objects.values("participant_key").distinct().count()
    assert 50 <= people <= 60
    assert SurveyResponse.objects.filter(phase="before").count() > 30
    for course in CoursePage.objects.all():
        assert course.lessons().count() >= 3
        results = survey_results(course=course)
        assert results.after_sheets >= results.min_group_size
        assert results.items[0].change.shown
        assert results.items[0].change.mean_change > 0
    assert "2 courses" in out.getvalue()
