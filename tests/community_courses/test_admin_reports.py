import csv
import datetime
import io

from django.utils import timezone

import openpyxl
import pytest

from community_courses.models import PracticeSession
from community_courses.services.enrolment import enrolment_create
from community_courses.services.surveys import learning_need_submit
from tests.factories.libraries import UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_participation_report_and_its_downloads(client, centre_staff, course, settings):
    settings.SURVEY_MIN_GROUP_SIZE = 2
    for n in range(3):
        enrolment_create(course=course, user=UserFactory(username=f"hv{n}"), age_group="40_59", ward="Phường 13")
    client.force_login(centre_staff)

    page = client.get("/admin/courses/reports/", **EN).content.decode()
    assert "Course participation" in page
    assert course.title in page
    assert "Lê Thị Hạnh" not in page  # never a name
    xlsx = client.get("/admin/courses/reports/?format=xlsx", **EN)
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    csv_text = client.get("/admin/courses/reports/?format=csv", **EN).content.decode("utf-8-sig")
    assert "40 to 59,3,0,0.0,3,0" in csv_text


def test_reports_are_scoped_to_the_users_centres(client, other_librarian, course):
    enrolment_create(course=course, user=UserFactory(username="hv"))
    client.force_login(other_librarian)

    page = client.get("/admin/courses/reports/", **EN).content.decode()

    assert course.title not in page
    assert (
        client.get(f"/admin/courses/reports/?course={course.pk}", **EN).status_code == 200
    )  # invalid choice: form error
    assert client.get(f"/admin/courses/{course.pk}/survey/", **EN).status_code == 404


def test_readers_without_staff_rights_are_refused(client, resident_user):
    client.force_login(resident_user)

    assert client.get("/admin/courses/reports/").status_code in {302, 403}


def test_learning_needs_report_ranks_topics_and_merges_small_wards(client, centre_staff, centre, settings):
    settings.SURVEY_MIN_GROUP_SIZE = 3
    for n in range(4):
        learning_need_submit(library=centre, topics=["digital_skills", "health"] if n else ["law"], ward="Phường 13")
    learning_need_submit(library=centre, topics=["health"], ward="Phường 12", wish="Lớp dưỡng sinh buổi sáng")
    client.force_login(centre_staff)

    page = client.get("/admin/courses/reports/needs/", **EN).content.decode()

    assert "5 answers to the learning-needs survey" in page
    assert page.index("Health") < page.index("Digital skills") < page.index("Law and civic life")
    assert "Others (fewer than 3 answers each)" in page
    assert "Phường 12" not in page
    assert "Lớp dưỡng sinh buổi sáng" in page


def test_practice_sessions_listing_is_scoped_and_the_form_sets_the_organiser(
    client, centre_staff, other_librarian, course, partner_centre
):
    client.force_login(centre_staff)
    start = timezone.localtime() + datetime.timedelta(days=5)
    response = client.post(
        "/admin/snippets/community_courses/practicesession/add/",
        {
            "course": course.pk,
            "host": partner_centre.pk,
            "place": "Phòng 2",
            "starts_at": start.strftime("%Y-%m-%d %H:%M"),
            "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "capacity": "10",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    session = PracticeSession.objects.get()
    assert session.library_id == course.centre.pk
    assert course.title in client.get(response.url, **EN).content.decode()

    client.force_login(other_librarian)
    listing = client.get("/admin/snippets/community_courses/practicesession/", **EN).content.decode()
    assert course.title not in listing
    assert client.get(f"/admin/courses/practice/{session.pk}/attendance/").status_code in {302, 403}


def test_staff_open_the_course_editor_and_the_survey_template_forms(client, centre_staff, course, survey_template):
    client.force_login(centre_staff)

    assert client.get(f"/admin/pages/{course.pk}/edit/", **EN).status_code == 200
    assert client.get(f"/admin/pages/add/community_courses/lessonpage/{course.pk}/", **EN).status_code == 200
    assert client.get("/admin/snippets/community_courses/surveytemplate/add/", **EN).status_code == 200
    listing = client.get("/admin/snippets/community_courses/surveytemplate/", **EN).content.decode()
    assert survey_template.name in listing


def test_participation_downloads_escape_a_ward_typed_as_a_formula(client, centre_staff, course, settings):
    # Given residents who typed a formula as their ward
    settings.SURVEY_MIN_GROUP_SIZE = 2
    ward = "=cmd|' /C calc'!A0"
    for n in range(3):
        enrolment_create(course=course, user=UserFactory(username=f"hv{n}"), age_group="40_59", ward=ward)
    client.force_login(centre_staff)

    # When the participation report is downloaded as CSV and XLSX
    csv_text = client.get("/admin/courses/reports/?format=csv", **EN).content.decode("utf-8-sig")
    xlsx = client.get("/admin/courses/reports/?format=xlsx", **EN)

    # Then the ward is text behind a quote and the counts stay numbers
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert ["'" + ward, "3", "0", "0.0", "3", "0"] in rows
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    by_ward = [row for row in workbook["By ward"].iter_rows(values_only=True) if "calc" in str(row[0])]
    assert by_ward == [("'" + ward, 3, 0, 0.0, 3, 0)]
