"""Linking records to the curriculum lessons they serve: from the record form in the
admin, and in bulk from the catalog import's "Bài học" column."""

import csv
import io

from django.utils import translation

import openpyxl
import pytest
from bs4 import BeautifulSoup

from catalog.exporting import catalog_export
from catalog.importing import catalog_import, catalog_import_template
from catalog.models import Grade, LessonUnit, Record, Subject
from tests.catalog.test_admin_records import RECORD_LIST, _record_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def _lesson(subject: str, grade: str, number: int, title: str) -> LessonUnit:
    return LessonUnit.objects.create(
        subject=Subject.objects.get(code=subject), grade=Grade.objects.get(code=grade), number=number, title=title
    )


def _link(lesson: LessonUnit, *records: Record) -> None:
    """As the lesson's own edit screen does (ParentalManyToMany: written on save)."""
    lesson.records.add(*records)
    lesson.save()


@pytest.fixture
def lessons():
    return {
        "van_1": _lesson("ngu-van", "6", 1, "Tôi và các bạn"),
        "van_2": _lesson("ngu-van", "6", 2, "Gõ cửa trái tim"),
        "toan_12": _lesson("toan", "6", 12, "Bội chung và bội chung nhỏ nhất"),
        "preschool": _lesson("phat-trien-toan-dien-mam-non", "preschool", 3, "Bé với gia đình"),
    }


def _lesson_select(response) -> BeautifulSoup:
    assert response.status_code == 200
    select = BeautifulSoup(response.content, "html.parser").find("select", attrs={"name": "lesson_units"})
    assert select is not None, "the record form has no lessons field"
    return select


def _edit_form(record, lesson_units):
    return _record_form(
        record.library,
        title=record.title,
        subjects=[str(pk) for pk in record.subjects.values_list("pk", flat=True)],
        grades=[str(pk) for pk in record.grades.values_list("pk", flat=True)],
        lesson_units=[str(lesson.pk) for lesson in lesson_units],
    )


# --- The record form ------------------------------------------------------------------
def test_lesson_codes_name_subject_grade_and_number(lessons):
    assert lessons["toan_12"].code == "toan-6-12"
    assert lessons["preschool"].code == "phat-trien-toan-dien-mam-non-preschool-3"


def test_the_record_form_lists_lessons_grouped_with_the_records_own_subject_and_grade_first(
    client, record, librarian, lessons
):
    client.force_login(librarian)

    select = _lesson_select(client.get(f"{RECORD_LIST}edit/{record.pk}/"))

    # (The admin speaks Vietnamese.) The record is Ngữ văn for grades 6 and 7:
    # its lessons come before Toán's and preschool's
    groups = [group["label"] for group in select.find_all("optgroup")]
    assert groups[0] == "Ngữ văn · Lớp 6"
    assert set(groups[1:]) == {"Toán · Lớp 6", "Giáo dục mầm non (các lĩnh vực phát triển) · Mầm non"}
    options = [option.get_text() for option in select.find_all("option")]
    assert options[:2] == ["ngu-van-6-1 · Bài 1. Tôi và các bạn", "ngu-van-6-2 · Bài 2. Gõ cửa trái tim"]
    assert not select.find_all("option", selected=True)


def test_a_librarian_links_and_unlinks_lessons_of_their_own_record(client, record, librarian, lessons):
    client.force_login(librarian)

    response = client.post(f"{RECORD_LIST}edit/{record.pk}/", _edit_form(record, [lessons["van_1"], lessons["van_2"]]))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(record.lessons.all()) == {lessons["van_1"], lessons["van_2"]}

    response = client.post(f"{RECORD_LIST}edit/{record.pk}/", _edit_form(record, [lessons["van_2"]]))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(record.lessons.all()) == [lessons["van_2"]]
    # The lesson unlinked from this record is still a lesson, with its other materials
    assert LessonUnit.objects.filter(pk=lessons["van_1"].pk).exists()


def test_the_form_shows_every_current_link_so_saving_keeps_links_made_elsewhere(
    client, record, other_library_record, librarian, lessons
):
    # Linked on the lesson's own screen (or by the curriculum import), outside the record's subject
    _link(lessons["toan_12"], record, other_library_record)
    client.force_login(librarian)

    select = _lesson_select(client.get(f"{RECORD_LIST}edit/{record.pk}/"))
    assert [option.get_text() for option in select.find_all("option", selected=True)] == [
        "toan-6-12 · Bài 12. Bội chung và bội chung nhỏ nhất"
    ]
    # …and its group moves up beside the record's own
    assert [group["label"] for group in select.find_all("optgroup")][:2] == ["Ngữ văn · Lớp 6", "Toán · Lớp 6"]

    selected = [LessonUnit.objects.get(pk=option["value"]) for option in select.find_all("option", selected=True)]
    response = client.post(f"{RECORD_LIST}edit/{record.pk}/", _edit_form(record, [*selected, lessons["van_1"]]))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(record.lessons.all()) == {lessons["toan_12"], lessons["van_1"]}
    # The other library's record keeps its own link to the lesson
    assert set(lessons["toan_12"].records.all()) == {record, other_library_record}


def test_a_new_record_is_linked_to_lessons_when_it_is_catalogued(client, library, librarian, lessons):
    client.force_login(librarian)
    assert _lesson_select(client.get(f"{RECORD_LIST}add/"))

    response = client.post(f"{RECORD_LIST}add/", _record_form(library, lesson_units=[str(lessons["toan_12"].pk)]))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(Record.objects.get(title="Lão Hạc").lessons.all()) == [lessons["toan_12"]]


def test_an_unknown_lesson_is_a_form_error(client, record, librarian, lessons):
    client.force_login(librarian)
    form = _edit_form(record, [])
    form["lesson_units"] = ["999999"]

    response = client.post(f"{RECORD_LIST}edit/{record.pk}/", form)

    assert response.status_code == 200
    errors = BeautifulSoup(response.content, "html.parser").select(".w-field__errors")
    assert any("999999" in error.get_text() for error in errors)
    assert not record.lessons.exists()


def test_another_librarys_record_cannot_be_linked_and_lessons_stay_superuser_only(
    client, other_library_record, librarian, lessons
):
    client.force_login(librarian)

    response = client.post(
        f"{RECORD_LIST}edit/{other_library_record.pk}/", _edit_form(other_library_record, [lessons["van_1"]])
    )

    assert response.status_code in (302, 403)
    assert not other_library_record.lessons.exists()
    # The lesson units themselves: read, not edited, by library staff
    lesson_url = f"/admin/snippets/catalog/lessonunit/edit/{lessons['van_1'].pk}/"
    assert client.get(lesson_url).status_code in (302, 403)
    assert not lessons["van_1"].records.exists()


def test_a_superuser_links_any_record(client, other_library_record, superuser, lessons):
    client.force_login(superuser)

    response = client.post(
        f"{RECORD_LIST}edit/{other_library_record.pk}/", _edit_form(other_library_record, [lessons["preschool"]])
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(other_library_record.lessons.all()) == [lessons["preschool"]]


# --- The catalog import ---------------------------------------------------------------
def _csv(rows: list[list[str]], headings=("Nhan đề", "Tác giả", "Năm xuất bản", "Bài học")) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_the_import_links_new_records_to_the_lessons_of_their_row(library, lessons):
    data = _csv(
        [
            ["Toán 6 — bài giảng bội chung", "Nguyễn Văn A", "2023", "toan-6-12"],
            ["Ngữ văn 6 — bài 1 và 2", "Trần Thị B", "2023", " NGU-VAN-6-1 ;ngu-van-6-2; ngu-van-6-1"],
            ["Truyện tranh", "Lê C", "2020", ""],
        ]
    )

    report = catalog_import(library=library, filename="bai-hoc.csv", data=data)

    assert (report.errors, report.committed, report.created) == ([], True, 3)
    assert list(Record.objects.get(title="Toán 6 — bài giảng bội chung").lessons.all()) == [lessons["toan_12"]]
    assert set(Record.objects.get(title="Ngữ văn 6 — bài 1 và 2").lessons.all()) == {lessons["van_1"], lessons["van_2"]}
    assert not Record.objects.get(title="Truyện tranh").lessons.exists()


def test_an_unknown_lesson_is_a_row_error_with_its_column_and_nothing_is_written(library, lessons):
    data = _csv(
        [
            ["Toán 6 — bài giảng bội chung", "Nguyễn Văn A", "2023", "toan-6-12"],
            ["Ngữ văn 6", "Trần Thị B", "2023", "ngu-van-6-1; Toán 6 bài 99"],
            ["Toán 7", "Lê C", "2023", "toan-7-12"],
        ]
    )

    report = catalog_import(library=library, filename="bai-hoc.csv", data=data)

    message = (
        "Unknown lesson “%s”. Write the lesson's code: subject code-grade-lesson number, e.g. toan-6-12 "
        "(the codes are listed in Catalog → Lesson units)."
    )
    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (3, "Bài học", message % "Toán 6 bài 99"),
        (4, "Bài học", message % "toan-7-12"),
    ]
    assert not report.committed
    assert not Record.objects.exists()
    assert not LessonUnit.records.through.objects.exists()


def test_a_dry_run_checks_lessons_and_links_nothing(library, lessons):
    data = _csv([["Toán 6 — bài giảng", "Nguyễn Văn A", "2023", "toan-6-12"]])

    report = catalog_import(library=library, filename="bai-hoc.csv", data=data, dry_run=True)

    assert (report.errors, report.created, report.committed) == ([], 1, False)
    assert not LessonUnit.records.through.objects.exists()


def test_an_xlsx_file_with_the_english_heading_links_lessons(library, lessons):
    workbook = openpyxl.Workbook()
    workbook.active.append(["title", "lessons"])
    workbook.active.append(["Mầm non — bé với gia đình", "phat-trien-toan-dien-mam-non-preschool-3"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = catalog_import(library=library, filename="bai-hoc.xlsx", data=buffer.getvalue())

    assert (report.format, report.errors, report.created) == ("xlsx", [], 1)
    assert list(Record.objects.get().lessons.all()) == [lessons["preschool"]]


def test_a_row_merged_into_a_catalogued_record_does_not_link_that_record(library, other_library_record, lessons):
    data = _csv([[other_library_record.title, "Tô Hoài", "2018", "ngu-van-6-1"]])

    report = catalog_import(library=library, filename="trung.csv", data=data)

    assert (report.errors, report.committed, report.matched, report.created) == ([], True, 1, 0)
    assert [(w.row, w.field) for w in report.warnings] == [(2, "Bài học")]
    assert "its lessons were not linked" in report.warnings[0].message
    assert not other_library_record.lessons.exists()


def test_the_export_writes_lesson_codes_that_the_import_reads_back(library, record, lessons):
    _link(lessons["van_1"], record)
    _link(lessons["toan_12"], record)

    data = catalog_export(records=Record.objects.filter(pk=record.pk), format="csv")

    [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert set(row["Bài học"].split("; ")) == {"ngu-van-6-1", "toan-6-12"}


# --- The template ---------------------------------------------------------------------
def test_the_import_template_has_the_lessons_column_and_explains_the_codes():
    headings = next(csv.reader(io.StringIO(catalog_import_template(format="csv").decode("utf-8-sig"))))
    assert "Bài học" in headings

    workbook = openpyxl.load_workbook(io.BytesIO(catalog_import_template(format="xlsx")))
    assert "Bài học" in [cell.value for cell in workbook["Danh mục"][1]]
    guide = {row[0]: row[1] for row in workbook["Hướng dẫn"].iter_rows(min_row=2, values_only=True)}
    assert "toan-6-12" in guide["Bài học"]
    assert "Lesson units" in guide["Bài học"]
