"""Curriculum outline import: lesson units (``LessonUnit``) from CSV or XLSX.

Columns (Vietnamese or English, matched like the catalog import's):

    Môn học / subject        a subject code or name (required)
    Khối lớp / grade         one grade: 1..12 or Mầm non (required)
    Bài / number             the lesson number, a positive whole number (required)
    Tên bài / title          the lesson title (required)
    Mã học liệu / record_codes   optional: record codes (HL00001234) of the materials that
                             serve the lesson, separated by ";"

Idempotent: a lesson is identified by subject + grade + number; importing the same file
again changes nothing, and a changed title updates the lesson. When the record codes
column is present, each lesson's materials become exactly the listed records (an empty
cell removes them); without the column they are left as they are.

All or nothing, like the catalog import: every row is checked first (unknown subject,
grade or record code, a subject not taught in that grade in the 2018 curriculum, a
lesson listed twice) and with any error nothing is written."""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import LessonUnit, Record
from library_site.text import nfc

from . import sources
from .report import FILE_LEVEL, RowError
from .tabular import split_list
from .vocabulary import CURRICULUM_COLUMNS, Reference

_NUMBER = re.compile(r"\d+")
MAX_NUMBER = 32767
MAX_TITLE = 300


@dataclass
class CurriculumReport:
    """``row`` of each error is the spreadsheet line (the header is line 1)."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [error.as_dict() for error in self.errors],
            "committed": self.committed,
            "dry_run": self.dry_run,
        }


@dataclass
class _Lesson:
    row: int
    subject_id: int
    grade_id: int
    number: int
    title: str
    record_ids: set[int] | None  # None: the file has no record codes column


def _rows(data: bytes) -> sources.Table:
    fmt = sources.format_detect(data)
    if fmt == sources.CSV:
        raw_rows = sources.csv_rows(data, columns=CURRICULUM_COLUMNS)
    elif fmt == sources.XLSX:
        raw_rows = sources.xlsx_rows(data, columns=CURRICULUM_COLUMNS)
    else:
        raise sources.FileRefused(_("A curriculum outline must be a CSV or Excel (XLSX) file."))
    return sources.table_build(raw_rows, columns=CURRICULUM_COLUMNS)


# --- Validate ---------------------------------------------------------------------------


def _record_ids_by_code(table: sources.Table) -> dict[str, int]:
    """Record ids by (upper-case) code, for every code the file names."""
    codes = {code.upper() for _line, values in table.rows for code in split_list(values.get("record_codes", ""))}
    record_ids: dict[str, int] = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), 500):
        record_ids.update(Record.objects.filter(code__in=codes_list[start : start + 500]).values_list("code", "pk"))
    return record_ids


def _lessons_validate(table: sources.Table, reference: Reference, report: CurriculumReport) -> list[_Lesson]:
    """Every row checked (its errors go to ``report``), in file order: the lessons of the
    rows without errors."""
    has_records = "record_codes" in table.labels

    def error(line: int, key: str, message: str) -> None:
        report.errors.append(RowError(row=line, field=table.labels.get(key), key=key, message=message))

    record_ids = _record_ids_by_code(table)
    lessons: list[_Lesson] = []
    seen: dict[tuple[int, int, int], int] = {}
    for line, values in table.rows:
        problems = len(report.errors)
        subject_id = reference.subject(values["subject"]) if values["subject"] else None
        if subject_id is None:
            error(line, "subject", _("Unknown subject “%(value)s”.") % {"value": values["subject"]})
        grade_ids = reference.grades_for(values["grade"]) if values["grade"] else None
        if not grade_ids or len(grade_ids) != 1:
            message = _("“%(value)s” is not one grade: use 1 to 12 or Mầm non.")
            error(line, "grade", message % {"value": values["grade"]})
            grade_ids = None
        if subject_id and grade_ids and grade_ids[0] not in reference.subject_grades.get(subject_id, set()):
            error(
                line,
                "grade",
                _("%(subject)s is not taught in %(grade)s in the 2018 curriculum.")
                % {"subject": reference.subject_names[subject_id], "grade": reference.grade_names[grade_ids[0]]},
            )
        match = _NUMBER.search(values["number"])
        number = int(match.group(0)) if match else 0
        if not 1 <= number <= MAX_NUMBER:
            message = _("Lesson number “%(value)s” is not a positive whole number.")
            error(line, "number", message % {"value": values["number"]})
        title = nfc(values["title"])
        if not title:
            error(line, "title", _("The lesson title is empty."))
        elif len(title) > MAX_TITLE:
            error(line, "title", _("The lesson title is longer than %(max)d characters.") % {"max": MAX_TITLE})
        ids = None
        if has_records:
            ids = set()
            for code in split_list(values.get("record_codes", "")):
                if code.upper() in record_ids:
                    ids.add(record_ids[code.upper()])
                else:
                    error(line, "record_codes", _("No record has the code %(code)s.") % {"code": code})
        if len(report.errors) > problems:
            continue
        identity = (subject_id, grade_ids[0], number)
        if identity in seen:
            error(line, "number", _("This lesson is already listed in row %(row)d.") % {"row": seen[identity]})
            continue
        seen[identity] = line
        lessons.append(_Lesson(line, subject_id, grade_ids[0], number, title, ids))
    return lessons


# --- Plan --------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What the write will do: lessons to create (with their file row), lessons whose
    title changes, and record links to add and remove per existing lesson."""

    to_create: list[tuple[LessonUnit, _Lesson]] = field(default_factory=list)
    to_update: list[LessonUnit] = field(default_factory=list)
    record_changes: list[tuple[int, set[int], set[int]]] = field(default_factory=list)  # lesson id, add, remove


def _current_records(units: list[LessonUnit]) -> dict[int, set[int]]:
    """The record ids linked to each of ``units`` now, by lesson id."""
    current: dict[int, set[int]] = {}
    through = LessonUnit.records.through
    for lesson_id, record_id in through.objects.filter(lessonunit_id__in=[unit.pk for unit in units]).values_list(
        "lessonunit_id", "record_id"
    ):
        current.setdefault(lesson_id, set()).add(record_id)
    return current


def _plan(lessons: list[_Lesson], *, has_records: bool, report: CurriculumReport) -> _Plan:
    """Compare the lessons with the stored ones; count created, updated and unchanged
    lessons in ``report``."""
    existing = {
        (lesson.subject_id, lesson.grade_id, lesson.number): lesson
        for lesson in LessonUnit.objects.filter(subject_id__in={lesson.subject_id for lesson in lessons})
    }
    current_records = _current_records(list(existing.values())) if has_records else {}
    plan = _Plan()
    for lesson in lessons:
        unit = existing.get((lesson.subject_id, lesson.grade_id, lesson.number))
        if unit is None:
            unit = LessonUnit(
                subject_id=lesson.subject_id, grade_id=lesson.grade_id, number=lesson.number, title=lesson.title
            )
            plan.to_create.append((unit, lesson))
            continue
        changed = False
        if unit.title != lesson.title:
            unit.title = lesson.title
            plan.to_update.append(unit)
            changed = True
        if lesson.record_ids is not None:
            current = current_records.get(unit.pk, set())
            if current != lesson.record_ids:
                plan.record_changes.append((unit.pk, lesson.record_ids - current, current - lesson.record_ids))
                changed = True
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    report.created = len(plan.to_create)
    return plan


# --- Write -------------------------------------------------------------------------------


@transaction.atomic
def _write(plan: _Plan) -> None:
    to_create = plan.to_create
    LessonUnit.objects.bulk_create([unit for unit, _lesson in to_create], batch_size=500)
    LessonUnit.objects.bulk_update(plan.to_update, ["title"], batch_size=500)
    if to_create and any(unit.pk is None for unit, _lesson in to_create):
        ids = {
            (unit.subject_id, unit.grade_id, unit.number): unit.pk
            for unit in LessonUnit.objects.filter(subject_id__in={unit.subject_id for unit, _ in to_create})
        }
        for unit, _lesson in to_create:
            unit.pk = ids[(unit.subject_id, unit.grade_id, unit.number)]
    through = LessonUnit.records.through
    links = [
        through(lessonunit_id=unit.pk, record_id=record_id)
        for unit, lesson in to_create
        for record_id in sorted(lesson.record_ids or ())
    ]
    for lesson_id, added, removed in plan.record_changes:
        links += [through(lessonunit_id=lesson_id, record_id=record_id) for record_id in sorted(added)]
        if removed:
            through.objects.filter(lessonunit_id=lesson_id, record_id__in=removed).delete()
    through.objects.bulk_create(links, batch_size=500)


def curriculum_import(*, data: bytes, dry_run: bool = False) -> CurriculumReport:
    """Import a curriculum outline (see the module docstring): read → validate every row →
    plan the changes → write them in one transaction, unless ``dry_run`` or any error."""
    report = CurriculumReport(dry_run=dry_run)
    try:
        table = _rows(data)
    except sources.FileRefused as refusal:
        report.errors.append(RowError(row=FILE_LEVEL, field=None, message=refusal.message))
        return report
    report.total = len(table.rows)
    lessons = _lessons_validate(table, Reference.load(), report)
    if report.errors:
        return report
    plan = _plan(lessons, has_records="record_codes" in table.labels, report=report)
    if dry_run:
        return report
    _write(plan)
    report.committed = True
    return report
