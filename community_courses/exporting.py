"""Survey results and participation counts as JSON, CSV and XLSX.

Every format is built from the same tables (``survey_results_tables``), so a figure
hidden on screen for a small group is hidden in every file too. CSV and XLSX cells go
through ``library_site.spreadsheets``: participants' free text (answers, names of groups
and wards) is never written as a formula."""

import dataclasses
import datetime
import io

from django.utils.translation import gettext as _

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from library_site.spreadsheets import csv_text, xlsx_append

from .selectors.participation import ParticipationReport
from .selectors.survey_results import P_VALUE_FLOOR, PhaseItem, SurveyResults

Table = tuple[str, list[str], list[list]]  # title, header, rows


def _hidden(minimum: int) -> str:
    return _("hidden (fewer than %(count)d)") % {"count": minimum}


def _round(value, digits: int = 3):
    return None if value is None else round(value, digits)


def _p_value(value):
    """A p-value to 4 places, and "< 0.0001" (text) below that: rounding would print 0.0."""
    if value is not None and value < P_VALUE_FLOOR:
        return f"< {P_VALUE_FLOOR:.4f}"
    return _round(value, 4)


def _phase_cells(item: PhaseItem, minimum: int) -> list:
    if not item.shown:
        return [_hidden(minimum), "", ""]
    return [item.answered, _round(item.response_rate), _round(item.mean)]


def survey_results_tables(results: SurveyResults) -> list[Table]:
    minimum = results.min_group_size
    summary = [
        [_("Course"), results.course_title],
        [_("Course slug"), results.course_slug],
        [_("Centre"), results.centre],
        [_("Survey template"), results.template_name],
        [_("Enrolled"), results.enrolled],
        [_("Completed"), results.completed],
        [_("Answers before"), results.before_sheets],
        [_("Answers after"), results.after_sheets],
        [_("Participants who answered both"), results.paired_sheets],
        [_("Response rate before (of enrolled)"), _round(results.before_rate)],
        [_("Response rate after (of completed)"), _round(results.after_rate)],
        [_("Minimum group size"), minimum],
    ]
    item_header = [
        _("Item"),
        _("Question"),
        _("Kind"),
        _("Answered before"),
        _("Response rate before"),
        _("Mean before"),
        _("Answered after"),
        _("Response rate after"),
        _("Mean after"),
        _("Pairs"),
        _("Mean change (after − before)"),
        _("95% CI low"),
        _("95% CI high"),
        _("Wilcoxon statistic"),
        _("Wilcoxon p-value"),
    ]
    items, distributions, texts = [], [], []
    for item in results.items:
        row = [item.number, item.text, item.kind_label, *_phase_cells(item.before, minimum)]
        row += _phase_cells(item.after, minimum)
        change = item.change
        if change is None:
            row += ["", "", "", "", "", ""]
        elif not change.shown:
            row += [_hidden(minimum), "", "", "", "", ""]
        else:
            row += [
                change.pairs,
                _round(change.mean_change),
                _round(change.ci_low),
                _round(change.ci_high),
                _round(change.wilcoxon_statistic),
                _p_value(change.wilcoxon_p),
            ]
        items.append(row)
        labels = [bar.label for bar in (item.before.bars or item.after.bars)]
        for index, label in enumerate(labels):
            cells = [item.number, item.text, label]
            for phase in (item.before, item.after):
                if phase.shown and phase.bars:
                    cells += [phase.bars[index].count, _round(phase.bars[index].percent, 1)]
                else:
                    cells += [_hidden(minimum), ""]
            distributions.append(cells)
        for phase_label, phase in ((_("Before"), item.before), (_("After"), item.after)):
            texts.extend([item.number, item.text, phase_label, text] for text in phase.texts)
    return [
        (_("Summary"), [_("Measure"), _("Value")], summary),
        (_("Items"), item_header, items),
        (
            _("Distributions"),
            [
                _("Item"),
                _("Question"),
                _("Answer"),
                _("Before: count"),
                _("Before: %"),
                _("After: count"),
                _("After: %"),
            ],
            distributions,
        ),
        (_("Free text"), [_("Item"), _("Question"), _("Phase"), _("Answer")], texts),
    ]


def participation_tables(report: ParticipationReport) -> list[Table]:
    header = [
        _("Group"),
        _("Enrolled"),
        _("Completed"),
        _("Completion rate"),
        _("People"),
        _("Participations (visits)"),
    ]
    tables = []
    hidden = _hidden(report.min_group_size)
    for title, rows in [(_("Total"), [report.totals]), *report.tables()]:
        cells = []
        for row in rows:
            if row.shown:
                cells.append(
                    [
                        row.label,
                        row.enrolled,
                        row.completed,
                        _round(row.completion_rate),
                        row.people,
                        row.participations,
                    ]
                )
            else:
                cells.append([row.label, hidden, "", "", "", ""])
        tables.append((title, header, cells))
    return tables


def tables_csv(tables: list[Table]) -> str:
    """One CSV file: each table under its title, separated by an empty line. UTF-8 with
    a byte-order mark so Excel shows Vietnamese correctly."""
    lines = []
    for number, (title, header, rows) in enumerate(tables):
        if number:
            lines.append([])
        lines += [[title], header, *rows]
    return csv_text(lines)


def tables_xlsx(tables: list[Table]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in tables:
        sheet = workbook.create_sheet(title=title[:31])
        xlsx_append(sheet, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            xlsx_append(sheet, row)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(header, start=1):
            longest = max([len(str(column)), *(len(str(row[index - 1])) for row in rows[:200] if len(row) >= index)])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def survey_results_json(results: SurveyResults) -> dict:
    def convert(value):
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        return value

    data = dataclasses.asdict(results)
    data["generated_at"] = convert(results.generated_at)
    return data
