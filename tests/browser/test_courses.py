import re

from django.core.cache import caches

import pytest
from playwright.sync_api import expect

from community_courses.models import Enrolment, SurveyResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def english_page(browser):
    """English, so the test reads the source strings whatever translations are compiled."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_resident_joins_answers_before_completes_lessons_and_answers_after(
    live_server, english_page, course, lessons, resident_user, resident_login
):
    page = english_page
    caches["shared"].clear()
    page.goto(f"{live_server.url}/{course.get_parent().get_parent().slug}/khoa-hoc/{course.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)

    page.get_by_role("link", name="Sign in to join").click()
    page.locator("#id_username").fill(resident_login[0])
    page.locator("#id_password").fill(resident_login[1])
    page.locator("main button[type=submit]").click()

    page.get_by_label("Ward where you live").fill("Phường 13")
    page.locator("#id_consent").check()  # Decree 13: joining needs the resident's consent
    page.get_by_role("button", name="Join the course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you start: a short survey")
    page.get_by_role("group", name=re.compile("Mức độ hài lòng với khóa học")).get_by_label("2 · Dissatisfied").check()
    page.get_by_role("group", name=re.compile("Muốn học thêm gì")).get_by_label("Sức khỏe").check()
    page.get_by_role("button", name="Send my answers").click()

    for lesson in lessons:
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
        page.get_by_role("button", name="I have finished this lesson").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("After the course: a short survey")
    page.get_by_role("group", name=re.compile("Mức độ hài lòng với khóa học")).get_by_label(
        "5 · Very satisfied"
    ).check()
    page.get_by_label("Góp ý").fill("Cán bộ hướng dẫn rất tận tình.")
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_text("3 of 3 lessons done.")).to_be_visible()
    expect(page.get_by_text("Thank you for your answers!")).to_be_visible()
    enrolment = Enrolment.objects.get()
    assert enrolment.completed_at is not None
    answers = dict(SurveyResponse.objects.values_list("phase", "answers"))
    likert = str(course.survey_template.questions.first().pk)
    assert (answers["before"][likert], answers["after"][likert]) == (2, 5)
