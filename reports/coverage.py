"""The digital-coverage report as data and files: JSON, CSV and XLSX (used by the admin
screen's downloads and by ``manage.py coverage_report``). Cells go through
``library_site.spreadsheets`` so no text becomes a formula."""

import io
import json

from django.utils.translation import gettext as _

from openpyxl import Workbook

from library_site.spreadsheets import csv_text, xlsx_append

from .selectors.coverage import CoverageReport, lessons_lacking_material

FORMATS = ("json", "csv", "xlsx")


def _number(value):
    return None if value is None else float(value)


def coverage_data(report: CoverageReport) -> dict:
    """The report as plain data (the JSON export)."""
    library = report.library
    data = {
        "library": {"code": library.code, "name": library.name, "kind": library.kind},
        "applicable": report.applicable,
    }
    if not report.applicable:
        return data
    data.update(
        {
            "level": report.level,
            "per": "subject_grade" if report.per_subject else "grade",
            "target_percent": report.target,
            "rows": [
                {
                    "grade": row.grade.code,
                    "grade_name": row.grade.name,
                    "subject": row.subject.code if row.subject else None,
                    "subject_name": row.subject.name if row.subject else None,
                    "lessons": row.lessons,
                    "covered": row.covered,
                    "covered_own": row.covered_own,
                    "percent": _number(row.percent),
                    "target_percent": row.target,
                    "meets_target": row.meets_target,
                }
                for row in report.rows
            ],
            "grade_totals": [
                {
                    "grade_name": total.label,
                    "lessons": total.lessons,
                    "covered": total.covered,
                    "covered_own": total.covered_own,
                    "percent": _number(total.percent),
                }
                for total in report.grade_totals
            ],
            "total": {
                "lessons": report.total.lessons,
                "covered": report.total.covered,
                "covered_own": report.total.covered_own,
                "percent": _number(report.total.percent),
                "rows": len(report.rows),
                "rows_meeting_target": report.rows_meeting_target,
            },
            "lacking": [
                {
                    "grade": lesson.grade.code,
                    "subject": lesson.subject.code,
                    "subject_name": lesson.subject.name,
                    "number": lesson.number,
                    "title": lesson.title,
                }
                for lesson in lessons_lacking_material(library=report.library)
            ],
        }
    )
    return data


def coverage_json(report: CoverageReport) -> str:
    return json.dumps(coverage_data(report), ensure_ascii=False, indent=2)


def _status(meets) -> str:
    if meets is None:
        return _("No target")
    return _("Reached") if meets else _("Below target")


def coverage_table(report: CoverageReport) -> list[list]:
    """The coverage table: a heading row, one row per group, then the total."""
    if not report.applicable:
        return [[_("Library"), _("Coverage")], [report.library.name, _("Not applicable: not a school")]]
    rows = [
        [
            _("Grade"),
            _("Subject"),
            _("Lessons"),
            _("Lessons with digital material"),
            _("Of which own records"),
            _("Coverage (%)"),
            _("Target (%)"),
            _("Status"),
        ]
    ]
    for row in report.rows:
        rows.append(
            [
                row.grade.name,
                row.subject.name if row.subject else _("All subjects"),
                row.lessons,
                row.covered,
                row.covered_own,
                _number(row.percent),
                row.target,
                _status(row.meets_target),
            ]
        )
    total = report.total
    rows.append([_("Total"), "", total.lessons, total.covered, total.covered_own, _number(total.percent), None, ""])
    return rows


def lacking_table(report: CoverageReport) -> list[list]:
    rows = [[_("Grade"), _("Subject"), _("Lesson"), _("Title")]]
    if report.applicable:
        rows += [
            [lesson.grade.name, lesson.subject.name, lesson.number, lesson.title]
            for lesson in lessons_lacking_material(library=report.library)
        ]
    return rows


def coverage_csv(report: CoverageReport) -> str:
    return csv_text(coverage_table(report))


def coverage_xlsx(report: CoverageReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Coverage")[:31]
    for values in coverage_table(report):
        xlsx_append(sheet, ["" if value is None else value for value in values])
    lacking = workbook.create_sheet(_("Lessons lacking material")[:31])
    for values in lacking_table(report):
        xlsx_append(lacking, values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
