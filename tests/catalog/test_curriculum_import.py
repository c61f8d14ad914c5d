"""Curriculum outline import (``import_curriculum``): lesson units and the records serving them."""

import io

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

import pytest

from catalog.importing import curriculum_import
from catalog.models import LessonUnit
from tests.factories.catalog import RecordFactory

HEADINGS = "Môn học,Khối lớp,Bài,Tên bài,Mã học liệu\n"


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def materials(library):
    return {
        "novel": RecordFactory(library=library, title="Đất rừng phương Nam"),
        "slides": RecordFactory(library=library, title="Bài giảng: Bài học đường đời đầu tiên"),
    }


def lessons() -> list[tuple]:
    return sorted(
        (unit.subject.code, unit.grade.code, unit.number, unit.title, tuple(sorted(r.code for r in unit.records.all())))
        for unit in LessonUnit.objects.all()
    )


def test_lessons_are_created_with_the_records_that_serve_them(materials):
    novel, slides = materials["novel"], materials["slides"]
    data = (
        HEADINGS
        + f"Ngữ văn,6,1,Bài học đường đời đầu tiên,{slides.code}; {novel.code.lower()}\n"
        + "ngu-van,Lớp 6,Bài 2,Gõ cửa trái tim,\n"
        + "Toán,Lớp 1,1,Các số 0 - 10,\n"
    ).encode()

    report = curriculum_import(data=data)

    assert (report.errors, report.total, report.created, report.committed) == ([], 3, 3, True)
    assert lessons() == [
        ("ngu-van", "6", 1, "Bài học đường đời đầu tiên", tuple(sorted([novel.code, slides.code]))),
        ("ngu-van", "6", 2, "Gõ cửa trái tim", ()),
        ("toan", "1", 1, "Các số 0 - 10", ()),
    ]


def test_importing_again_changes_nothing_and_a_new_title_updates_the_lesson(materials):
    novel = materials["novel"]
    first = (HEADINGS + f"Ngữ văn,6,1,Bài học đường đời đầu tiên,{novel.code}\nNgữ văn,6,2,Gõ cửa trái tim,\n").encode()
    curriculum_import(data=first)
    before = lessons()

    again = curriculum_import(data=first)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert lessons() == before

    changed = (HEADINGS + "Ngữ văn,6,1,Bài 1. Bài học đường đời đầu tiên,\nNgữ văn,6,2,Gõ cửa trái tim,\n").encode()
    report = curriculum_import(data=changed)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert lessons()[0] == ("ngu-van", "6", 1, "Bài 1. Bài học đường đời đầu tiên", ())


def test_without_the_record_codes_column_the_materials_are_kept(materials):
    novel = materials["novel"]
    curriculum_import(data=(HEADINGS + f"Ngữ văn,6,1,Bài học đường đời đầu tiên,{novel.code}\n").encode())

    report = curriculum_import(data="Môn học,Khối lớp,Bài,Tên bài\nNgữ văn,6,1,Bài học đường đời\n".encode())

    assert report.updated == 1
    assert lessons() == [("ngu-van", "6", 1, "Bài học đường đời", (novel.code,))]


def test_bad_rows_are_reported_and_nothing_is_written(materials):
    data = (
        HEADINGS
        + "Ngữ văn,6,1,Bài học đường đời đầu tiên,\n"
        + "Toán cao cấp,6,1,Giới hạn,\n"
        + "Vật lí,6,1,Chuyển động,\n"
        + "Toán,6,không,Tập hợp,\n"
        + "Toán,6,1,Tập hợp,HL99999999\n"
        + "Ngữ văn,6,1,Trùng bài,\n"
    ).encode()

    report = curriculum_import(data=data)

    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (3, "Môn học", "Unknown subject “Toán cao cấp”."),
        (4, "Khối lớp", "Vật lí is not taught in Lớp 6 in the 2018 curriculum."),
        (5, "Bài", "Lesson number “không” is not a positive whole number."),
        (6, "Mã học liệu", "No record has the code HL99999999."),
        (7, "Bài", "This lesson is already listed in row 2."),
    ]
    assert LessonUnit.objects.count() == 0


def test_a_missing_column_is_named(db):
    report = curriculum_import(data="Môn học,Khối lớp,Tên bài\nToán,6,Tập hợp\n".encode())

    assert [e.message for e in report.errors] == [
        "The required column “Bài” is missing. Add a column headed “Bài” (or “number”)."
    ]


def test_the_command_reports_counts_and_fails_on_errors(tmp_path, db):
    good = tmp_path / "ctgdpt.csv"
    good.write_text(HEADINGS + "Toán,6,1,Tập hợp,\nToán,6,2,Cách ghi số tự nhiên,\n", encoding="utf-8")
    bad = tmp_path / "loi.csv"
    bad.write_text(HEADINGS + "Toán,13,1,Tập hợp,\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import_curriculum", str(good), stdout=out)
    with pytest.raises(CommandError) as raised:
        call_command("import_curriculum", str(bad), stdout=out)

    assert "ctgdpt.csv: 2 lessons read, 2 new, 0 updated, 0 unchanged" in out.getvalue()
    assert "row 2 [Khối lớp]: “13” is not one grade: use 1 to 12 or Mầm non." in out.getvalue()
    assert raised.value.returncode == 1
    assert LessonUnit.objects.count() == 2
