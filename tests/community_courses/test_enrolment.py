import datetime

from django.utils import timezone

import pytest

from community_courses.models import AgeGroup, Enrolment, EnrolmentChannel, LessonVisit
from community_courses.selectors.participation import participation_report
from community_courses.services.enrolment import (
    EnrolmentRefused,
    enrolment_create,
    lesson_complete,
    lesson_visit_record,
)
from tests.factories.courses import CoursePageFactory, LessonPageFactory
from tests.factories.libraries import UserFactory

pytestmark = pytest.mark.django_db

NOV = timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 0))


def test_a_resident_joins_once_and_the_enrolment_keeps_only_buckets(course, resident_user, centre):
    first = enrolment_create(course=course, user=resident_user, ward="  phường   13 ", now=NOV)
    again = enrolment_create(course=course, user=resident_user, ward="Phường 1", now=NOV)

    assert again.pk == first.pk
    assert Enrolment.objects.count() == 1
    assert first.library == centre
    assert first.ward == "Phường 13"
    # Born 2 April 1958: 68 in November 2026; the age group comes from the card, not the form.
    assert first.age_group == AgeGroup.AGE_60_PLUS
    assert first.participant_key == f"reader:{resident_user.reader.pk}"


def test_an_account_without_a_reader_chooses_its_age_group(course):
    user = UserFactory(username="khach")

    enrolment = enrolment_create(course=course, user=user, age_group="25_39", channel=EnrolmentChannel.KIOSK)

    assert enrolment.age_group == AgeGroup.AGE_25_39
    assert enrolment.channel == EnrolmentChannel.KIOSK
    assert enrolment.participant_key == f"user:{user.pk}"


def test_a_course_that_has_ended_or_is_unpublished_cannot_be_joined(course_index, resident_user):
    ended = CoursePageFactory(parent=course_index, ends_on=datetime.date(2026, 10, 31))
    draft = CoursePageFactory(parent=course_index)
    draft.unpublish()

    with pytest.raises(EnrolmentRefused) as refused:
        enrolment_create(course=ended, user=resident_user, now=NOV)
    assert refused.value.code == "ended"
    with pytest.raises(EnrolmentRefused) as refused:
        enrolment_create(course=draft, user=resident_user, now=NOV)
    assert refused.value.code == "not_live"


def test_visits_count_once_per_lesson_and_day_and_every_opening_is_kept(enrolment, lessons):
    lesson_visit_record(enrolment=enrolment, lesson=lessons[0], now=NOV)
    lesson_visit_record(enrolment=enrolment, lesson=lessons[0], now=NOV + datetime.timedelta(minutes=3))
    lesson_visit_record(enrolment=enrolment, lesson=lessons[0], now=NOV + datetime.timedelta(days=1))
    lesson_visit_record(enrolment=enrolment, lesson=lessons[1], now=NOV + datetime.timedelta(days=1))

    visits = LessonVisit.objects.filter(enrolment=enrolment).order_by("day", "lesson_id")
    assert [(visit.lesson_id, visit.day.day, visit.opens) for visit in visits] == [
        (lessons[0].pk, 2, 2),
        (lessons[0].pk, 3, 1),
        (lessons[1].pk, 3, 1),
    ]


def test_the_course_is_completed_when_every_lesson_is(enrolment, lessons):
    for lesson in lessons[:-1]:
        enrolment = lesson_complete(enrolment=enrolment, lesson=lesson)
        assert enrolment.completed_at is None
    lesson_complete(enrolment=enrolment, lesson=lessons[0])  # again: nothing changes

    enrolment = lesson_complete(enrolment=enrolment, lesson=lessons[-1])

    assert enrolment.completed_at is not None


def test_a_lesson_of_another_course_is_refused(enrolment, course_index):
    other_lesson = LessonPageFactory(parent=CoursePageFactory(parent=course_index))

    with pytest.raises(EnrolmentRefused):
        lesson_complete(enrolment=enrolment, lesson=other_lesson)
    with pytest.raises(EnrolmentRefused):
        lesson_visit_record(enrolment=enrolment, lesson=other_lesson)


def _person(course, n, *, age="", ward="Phường 13", when=NOV):
    return enrolment_create(course=course, user=UserFactory(username=f"hv{n}"), age_group=age, ward=ward, now=when)


def test_participation_counts_by_course_month_age_group_and_ward(course, course_index, lessons, centre, settings):
    settings.SURVEY_MIN_GROUP_SIZE = 2
    second_course = CoursePageFactory(parent=course_index, title="Sơ cứu ban đầu")
    second_lesson = LessonPageFactory(parent=second_course)
    october = NOV - datetime.timedelta(days=20)
    people = [
        _person(course, 1, age="25_39", when=october),
        _person(course, 2, age="25_39"),
        _person(course, 3, age="60_plus", ward="Phường 12"),
    ]
    # Person 1 also takes the second course: one person, two enrolments.
    both = enrolment_create(course=second_course, user=people[0].user, now=NOV)
    for lesson in lessons:
        lesson_visit_record(enrolment=people[0], lesson=lesson, now=october)
        lesson_complete(enrolment=people[0], lesson=lesson, now=october)
    lesson_visit_record(enrolment=people[1], lesson=lessons[0], now=NOV)
    lesson_visit_record(enrolment=people[1], lesson=lessons[0], now=NOV)  # the same day: not a new lượt
    lesson_visit_record(enrolment=both, lesson=second_lesson, now=NOV)

    report = participation_report(library_ids=[centre.pk])

    totals = report.totals
    assert (totals.enrolled, totals.completed, totals.people, totals.participations) == (4, 1, 3, 5)
    assert totals.completion_rate == pytest.approx(0.25)
    by_course = {row.label: row for row in report.by_course}
    assert (by_course[course.title].enrolled, by_course[course.title].participations) == (3, 4)
    assert by_course[course.title].completion_rate == pytest.approx(1 / 3)
    assert [(row.label, row.enrolled, row.participations) for row in report.by_month] == [
        ("10/2026", 1, 3),
        ("11/2026", 3, 2),
    ]
    by_age = {row.label: row for row in report.by_age_group}
    assert by_age["25 to 39"].people == 2
    assert by_age["25 to 39"].shown
    # One person aged 60+ and one in Phường 12: fewer than the minimum group, hidden.
    assert not by_age["60 and over"].shown
    assert by_age["60 and over"].enrolled == 0
    by_ward = {row.label: row for row in report.by_ward}
    assert not by_ward["Phường 12"].shown
    assert by_ward["Phường 13"].people == 2


def test_the_report_of_one_centre_leaves_other_centres_out(course, other_library):
    _person(course, 1)

    assert participation_report(library_ids=[other_library.pk]).totals.enrolled == 0
