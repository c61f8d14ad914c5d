"""What residents see on the portal: the course page, lessons, the surveys, practice
sign-up, the learning-needs survey and the kiosk."""

from django.test import RequestFactory

import pytest

from community_courses.models import Enrolment, LearningNeed, LessonVisit, SurveyResponse
from tests.html import outline

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url_of(page) -> str:
    """The page's address on the city landing host (the test client's host)."""
    return page.get_url(request=RequestFactory().get("/"))


def test_visitors_see_the_course_and_are_asked_to_sign_in(client, course, lessons):
    page = client.get(url_of(course), **EN)

    assert page.status_code == 200
    html = outline(page)
    assert html.heading_texts("h1") == [course.title]
    assert [lesson.title for lesson in lessons] == ["Làm quen điện thoại", "Gọi video", "Thanh toán bằng mã QR"]
    assert html.link_to("Sign in to join").startswith("/ban-doc/dang-nhap/?next=")
    # Lessons are listed but not opened before joining.
    assert client.get(url_of(lessons[0]), **EN).url == url_of(course)


def test_a_resident_joins_answers_before_completes_lessons_and_answers_after(client, course, lessons, resident_user):
    client.force_login(resident_user)
    likert = course.survey_template.questions.first()

    joined = client.post(f"/hoc-tap/khoa-hoc/{course.pk}/tham-gia/", {"ward": "Phường 13", "consent": "on"}, **EN)
    assert joined.url == f"/hoc-tap/khoa-hoc/{course.pk}/khao-sat/before/"
    survey = client.get(joined.url, **EN)
    assert "Mức độ hài lòng với khóa học" in survey.content.decode()
    assert outline(survey).find_all("fieldset")  # radio groups are labelled fieldsets

    refused = client.post(joined.url, {f"q{likert.pk}": "9", "anonymous": "on"}, **EN)
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    answered = client.post(joined.url, {f"q{likert.pk}": "2", "anonymous": "on"}, **EN)
    assert answered.url == url_of(lessons[0])

    for lesson in lessons:
        assert client.get(url_of(lesson), **EN).status_code == 200
        client.post(f"/hoc-tap/bai-hoc/{lesson.pk}/hoan-thanh/", **EN)
    enrolment = Enrolment.objects.get()
    assert enrolment.completed_at is not None
    assert LessonVisit.objects.filter(enrolment=enrolment).count() == 3

    after = client.post(f"/hoc-tap/khoa-hoc/{course.pk}/khao-sat/after/", {f"q{likert.pk}": "5"}, **EN)
    assert after.url == url_of(course)
    assert SurveyResponse.objects.filter(phase="after", enrolment=enrolment).exists()  # not anonymous this time
    final = client.get(url_of(course), **EN).content.decode()
    assert "3 of 3 lessons done." in final
    assert "Course completed on" in final


def test_centre_staff_read_lessons_without_being_counted(client, centre_staff, lessons):
    client.force_login(centre_staff)

    assert client.get(url_of(lessons[0])).status_code == 200
    assert not LessonVisit.objects.exists()


def test_practice_sign_up_from_the_course_page(client, course, enrolment, practice_session, resident_user):
    client.force_login(resident_user)

    client.post(f"/hoc-tap/thuc-hanh/{practice_session.pk}/", {"action": "register"}, **EN)
    page = client.get(url_of(course), **EN).content.decode()

    assert "You are registered." in page
    assert "1 place left" in page


def test_the_learning_needs_survey_is_public_and_anonymous(client, centre, course_index):
    url = f"/hoc-tap/nhu-cau/{centre.code}/"
    form = client.get(url, **EN)
    assert form.status_code == 200
    html = outline(form)
    assert {field["id"] for field in html.find_all("textarea")} <= html.labels_for

    empty = client.post(url, {"ward": "Phường 13"}, **EN)
    assert "Choose at least one topic" in empty.content.decode()
    sent = client.post(
        url,
        {
            "topics": ["health", "law"],
            "times": ["weekend"],
            "wish": "Lớp dưỡng sinh",
            "age_group": "60_plus",
            "consent": "on",
        },
        **EN,
    )
    assert sent.url == f"{url}?sent=1"
    need = LearningNeed.objects.get()
    assert (need.topics, need.library, need.age_group) == (["health", "law"], centre, "60_plus")

    client.post(url, {"topics": ["health"], "website": "http://spam.example", "consent": "on"}, **EN)
    assert LearningNeed.objects.count() == 1  # the bot's answer is not stored


def test_the_kiosk_lists_courses_and_joins_without_leaving_anyone_signed_in(
    client, centre, course, resident_user, resident_login
):
    from django.urls import reverse

    kiosk = reverse("community_courses:kiosk", args=[centre.code])
    listing = client.get(kiosk, **EN)
    assert course.title in listing.content.decode()

    join_url = reverse("community_courses:kiosk_join", args=[centre.code, course.pk])
    wrong = client.post(join_url, {"username": resident_login[0], "password": "sai-mat-khau", "consent": "on"}, **EN)
    assert "The ID or password is not right" in wrong.content.decode()
    joined = client.post(
        join_url,
        {"username": resident_login[0], "password": resident_login[1], "ward": "Phường 13", "consent": "on"},
        **EN,
    )

    assert "You have joined the course." in joined.content.decode()
    assert "<svg" in joined.content.decode()  # the QR code to continue on the phone
    assert Enrolment.objects.get().channel == "kiosk"
    assert "_auth_user_id" not in client.session


def test_the_kiosk_stops_checking_passwords_once_the_id_is_locked(
    client, centre, course, resident_user, resident_login
):
    """The kiosk's join form is a password form like any other: throttled per account."""
    from django.urls import reverse

    join_url = reverse("community_courses:kiosk_join", args=[centre.code, course.pk])
    for _attempt in range(5):
        client.post(
            join_url,
            {"username": resident_login[0], "password": "sai-mat-khau", "ward": "Phường 13", "consent": "on"},
            **EN,
        )

    locked = client.post(
        join_url,
        {"username": resident_login[0], "password": resident_login[1], "ward": "Phường 13", "consent": "on"},
        **EN,
    )

    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert "Join the course" in locked.content.decode()  # still the kiosk's form
    assert not Enrolment.objects.exists()


def test_the_kiosk_takes_no_activation_code(client, centre, course, resident_user, resident_login):
    """Nobody can choose a password on the shared screen: a code there would stay usable."""
    from django.urls import reverse

    from lending.services.activation import activation_code_issue

    code = activation_code_issue(reader=resident_user.reader, reset_password=True)
    join_url = reverse("community_courses:kiosk_join", args=[centre.code, course.pk])

    response = client.post(
        join_url, {"username": resident_login[0], "password": code, "ward": "Phường 13", "consent": "on"}, **EN
    )

    assert "The ID or password is not right" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_the_kiosk_and_the_reader_page_share_one_count(client, centre, course, resident_user, resident_login):
    from django.urls import reverse

    join_url = reverse("community_courses:kiosk_join", args=[centre.code, course.pk])
    for _attempt in range(3):
        client.post(
            join_url, {"username": resident_login[0], "password": "sai", "ward": "Phường 13", "consent": "on"}, **EN
        )
    for _attempt in range(2):
        client.post("/ban-doc/dang-nhap/", {"username": resident_login[0], "password": "sai"})

    response = client.post("/ban-doc/dang-nhap/", {"username": resident_login[0], "password": resident_login[1]})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_unknown_centre_gives_not_found(client, db):
    assert client.get("/hoc-tap/kiosk/khong-co/").status_code == 404


def test_a_reader_who_scanned_their_card_at_the_kiosk_joins_without_a_password(
    client, centre, centre_staff, course, resident_user
):
    import datetime

    from django.urls import reverse

    from lending.card_codes import card_payload
    from lending.services.cards import card_issue

    membership = resident_user.reader.memberships.get(library=centre)
    card = card_issue(membership=membership, valid_until=datetime.date(2027, 12, 31))
    # The centre's librarian turns the device into a kiosk; the resident scans their card.
    client.force_login(centre_staff)
    client.post("/lending/kiosk/start/", {"action": "start", "library": centre.pk, "label": "Sảnh"})
    client.post("/lending/kiosk/", {"action": "scan", "code": card_payload(card)})

    join_url = reverse("community_courses:kiosk_join", args=[centre.code, course.pk])
    form = client.get(join_url, **EN).content.decode()
    assert "Joining as Lê Thị Hạnh" in form
    assert 'name="password"' not in form
    joined = client.post(join_url, {"ward": "Phường 13", "consent": "on"}, **EN)

    assert "You have joined the course." in joined.content.decode()
    enrolment = Enrolment.objects.get()
    assert (enrolment.user, enrolment.channel) == (resident_user, "kiosk")
    assert "_auth_user_id" not in client.session
