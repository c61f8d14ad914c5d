"""Residents' consent (Decree 13/2023/NĐ-CP): joining a course or answering the
learning-needs survey needs the consent box ticked; the exact text shown, its version
and the date are stored with the enrolment (or the anonymous answer)."""

from django.test import RequestFactory

import pytest

from community_courses.consent import ConsentPurpose, consent_text
from community_courses.models import ConsentRecord, Enrolment, LearningNeed

pytestmark = pytest.mark.django_db

VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _join_url(course):
    return f"/hoc-tap/khoa-hoc/{course.pk}/tham-gia/"


def test_joining_without_ticking_the_box_is_refused(client, course, resident_user):
    client.force_login(resident_user)

    response = client.post(_join_url(course), {"ward": "Phường 13"}, follow=True, **EN)

    assert "Tick the box to give your consent" in response.content.decode()
    assert not Enrolment.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_the_course_page_shows_the_consent_text_in_vietnamese(client, course, resident_user):
    client.force_login(resident_user)

    page = client.get(course.get_url(request=RequestFactory().get("/")), **VI).content.decode()

    assert 'name="consent"' in page
    assert "Tôi đồng ý để trung tâm lưu họ tên" in page


def test_joining_records_the_text_shown_its_version_and_the_person(client, course, resident_user):
    client.force_login(resident_user)

    client.post(_join_url(course), {"ward": "Phường 13", "consent": "on"}, **VI)

    enrolment = Enrolment.objects.get()
    record = ConsentRecord.objects.get()
    assert record.enrolment == enrolment
    assert (record.user, record.reader) == (resident_user, resident_user.reader)
    assert record.purpose == ConsentPurpose.ENROLMENT
    assert record.version == "2026-1"
    assert record.language == "vi"
    assert record.text.startswith("Tôi đồng ý để trung tâm lưu họ tên")
    assert record.given_at is not None


def test_joining_twice_keeps_one_consent(client, course, resident_user):
    client.force_login(resident_user)

    client.post(_join_url(course), {"ward": "Phường 13", "consent": "on"}, **VI)
    client.post(_join_url(course), {"ward": "Phường 13", "consent": "on"}, **VI)

    assert ConsentRecord.objects.count() == 1


def test_the_needs_survey_requires_consent_and_keeps_the_answer_anonymous(client, centre, course_index):
    url = f"/hoc-tap/nhu-cau/{centre.code}/"
    answer = {"topics": ["health"], "wish": "Lớp dưỡng sinh buổi sáng"}

    refused = client.post(url, answer, **EN)
    assert refused.status_code == 200
    assert "Tick the box to give your consent" in refused.content.decode()
    assert not LearningNeed.objects.exists()

    sent = client.post(url, {**answer, "consent": "on"}, **VI)

    assert sent.status_code == 302
    record = ConsentRecord.objects.get()
    assert record.learning_need == LearningNeed.objects.get()
    assert record.purpose == ConsentPurpose.LEARNING_NEEDS
    assert (record.user, record.reader, record.enrolment) == (None, None, None)
    assert record.text.startswith("Tôi đồng ý để trung tâm lưu câu trả lời")
    assert record.version == consent_text(ConsentPurpose.LEARNING_NEEDS).version


def test_the_consent_appears_in_the_residents_data_export(client, course, resident_user):
    from lending.services.personal_data import reader_data_export

    client.force_login(resident_user)
    client.post(_join_url(course), {"ward": "Phường 13", "consent": "on"}, **VI)

    consents = reader_data_export(reader=resident_user.reader)["consents"]

    assert [item["version"] for item in consents] == ["2026-1"]
    assert consents[0]["text"].startswith("Tôi đồng ý")
