import datetime
import threading

from django.db import connection, connections
from django.utils import timezone

import pytest

from community_courses.models import PracticeRegistration
from community_courses.services.enrolment import enrolment_create
from community_courses.services.practice import (
    PracticeRefused,
    practice_registration_cancel,
    practice_registration_create,
)
from tests.factories.courses import CoursePageFactory, PracticeSessionFactory
from tests.factories.libraries import UserFactory


def _learners(course, count):
    return [enrolment_create(course=course, user=UserFactory(username=f"hocvien{n}")) for n in range(count)]


@pytest.mark.django_db
def test_registration_stops_at_capacity_and_a_cancelled_place_is_free_again(practice_session, course):
    first, second, third = _learners(course, 3)
    practice_registration_create(session=practice_session, enrolment=first)
    practice_registration_create(session=practice_session, enrolment=first)  # twice: still one place
    practice_registration_create(session=practice_session, enrolment=second)

    with pytest.raises(PracticeRefused) as refused:
        practice_registration_create(session=practice_session, enrolment=third)
    assert refused.value.code == "full"

    practice_registration_cancel(session=practice_session, enrolment=first)
    practice_registration_create(session=practice_session, enrolment=third)
    assert practice_session.registrations.count() == 2


@pytest.mark.django_db
def test_sessions_that_started_or_belong_to_another_course_are_refused(course, course_index, partner_centre):
    learner = _learners(course, 1)[0]
    started = PracticeSessionFactory(
        course=course, host=partner_centre, starts_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    other = PracticeSessionFactory(course=CoursePageFactory(parent=course_index), host=partner_centre)

    with pytest.raises(PracticeRefused) as refused:
        practice_registration_create(session=started, enrolment=learner)
    assert refused.value.code == "started"
    with pytest.raises(PracticeRefused) as refused:
        practice_registration_create(session=other, enrolment=learner)
    assert refused.value.code == "other_course"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL (SQLite has one writer)"
)
def test_six_learners_signing_up_at_once_for_three_places_never_overfill(wagtail_tree, course, partner_centre):
    session = PracticeSessionFactory(course=course, host=partner_centre, capacity=3)
    learners = _learners(course, 6)
    barrier = threading.Barrier(len(learners))
    outcomes = []

    def sign_up(enrolment):
        try:
            barrier.wait()
            practice_registration_create(session=session, enrolment=enrolment)
            outcomes.append("booked")
        except PracticeRefused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked"] * 3 + ["full"] * 3
    assert PracticeRegistration.objects.filter(session=session).count() == 3
