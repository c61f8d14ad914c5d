"""School roster sync: the students (or staff) of one library, as exported from the
education sector database, become readers, memberships and cards.

Columns (Vietnamese headings of the sector database export, or English ones; order and
case do not matter, diacritics optional):

============  ==============  =====================================================
key           Vietnamese      English / accepted
============  ==============  =====================================================
id_number     Mã học sinh     student_id, Mã định danh, Mã giáo viên, staff_id  (required)
full_name     Họ và tên       full_name, Họ tên                                  (required)
date_of_birth Ngày sinh       date_of_birth — dd/mm/yyyy, or a date cell          (required)
class_name    Lớp             class — e.g. 7A3
category      Đối tượng       category — học sinh / giáo viên / nhân viên; default học sinh
gender        Giới tính       gender — accepted and ignored: the library does not need it
============  ==============  =====================================================

The sync is idempotent: new IDs get a reader, a membership and a card; changed names,
dates of birth and classes are updated; a member who comes back is active again. One
person keeps one identity: a student already registered as a resident at a ward centre
gets a second membership, not a second reader. Every row is checked first; any error
means nothing is written.

By default a roster only adds and updates: one class's list must never expel the rest of
the school. Only a *full* roster (the whole school year: ``full=True``) marks the members
of its categories who are missing from it as "left" (never deleted: their loans and
history stay, their cards are revoked). Even then, when more than
``ROSTER_MAX_LEAVE_SHARE`` of those members would leave, the sync refuses unless
``confirm_leaves`` repeats that number (``roster_leave_warning`` says it in words). Each
applied sync is recorded as a ``RosterSync`` with what its leaves changed, so that
``roster_sync_undo`` (``lending.services.roster_history``) can reverse them.
"""

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.importing.candidates import control_character
from catalog.importing.report import FILE_LEVEL, RowError
from catalog.importing.sources import CSV, XLSX, FileRefused, csv_rows, format_detect, table_build, xlsx_rows
from catalog.importing.vocabulary import Column, ColumnSet
from lending.models import (
    NATIONAL_ISSUER,
    Card,
    CardRevocation,
    Membership,
    MembershipStatus,
    Reader,
    ReaderCategory,
    RosterSync,
    id_number_validator,
)
from lending.services.cards import card_default_valid_until, card_issue, card_number, cards_revoke
from library_site.libraries.models import Library
from library_site.text import fold, nfc

ROSTER_COLUMNS = ColumnSet(
    [
        Column(
            "id_number",
            "Mã học sinh",
            "student_id",
            ("mã số học sinh", "mã định danh", "mã hs", "mã giáo viên", "mã cán bộ", "staff id", "id"),
            required=True,
        ),
        Column("full_name", "Họ và tên", "full_name", ("họ tên", "name", "tên học sinh"), required=True),
        Column(
            "date_of_birth", "Ngày sinh", "date_of_birth", ("dob", "birth date", "ngày tháng năm sinh"), required=True
        ),
        Column("class_name", "Lớp", "class", ("tên lớp", "class name")),
        Column("category", "Đối tượng", "category", ("loại", "type", "chức vụ")),
        Column("gender", "Giới tính", "gender", ("sex",)),
    ]
)

_CATEGORY_WORDS = {
    "hoc sinh": ReaderCategory.STUDENT,
    "hs": ReaderCategory.STUDENT,
    "student": ReaderCategory.STUDENT,
    "giao vien": ReaderCategory.STAFF,
    "gv": ReaderCategory.STAFF,
    "nhan vien": ReaderCategory.STAFF,
    "can bo": ReaderCategory.STAFF,
    "teacher": ReaderCategory.STAFF,
    "staff": ReaderCategory.STAFF,
}
_DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


CHANGE_LABELS = {
    "new": gettext_lazy("New"),
    "changed": gettext_lazy("Changed"),
    "rejoined": gettext_lazy("Back again"),
    "left": gettext_lazy("Left"),
}


@dataclass
class RosterChange:
    row: int
    id_number: str
    full_name: str
    change: str  # new, changed, rejoined, left
    details: str = ""

    @property
    def label(self) -> str:
        return str(CHANGE_LABELS[self.change])


@dataclass
class RosterReport:
    total: int = 0
    new: int = 0
    changed: int = 0
    rejoined: int = 0
    left: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[RosterChange] = field(default_factory=list)
    committed: bool = False
    # full: the roster was given as the whole school year's, so missing members leave.
    full: bool = False
    # members: the library's members (not left) of the roster's categories and issuer,
    # those a full roster may mark as left; absent: those of them missing from the file
    # (they leave only with a full roster).
    members: int = 0
    absent: int = 0
    leave_share_exceeded: bool = False
    sync_id: int | None = None

    def as_dict(self) -> dict:
        """For ``RosterSync.report`` (jsonb on PostgreSQL, which refuses \\u0000)."""
        return _json_safe(asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> "RosterReport":
        """The report stored on a ``RosterSync`` (``as_dict``), as objects again."""
        values = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        values["errors"] = [RowError(**error) for error in data.get("errors", [])]
        values["changes"] = [RosterChange(**change) for change in data.get("changes", [])]
        return cls(**values)

    @property
    def leavers(self) -> list[RosterChange]:
        return [change for change in self.changes if change.change == "left"]

    @property
    def leave_percent(self) -> int:
        return round(100 * self.left / self.members) if self.members else 0


def roster_leave_warning(report: RosterReport) -> str:
    """The words that stop a librarian before a full roster marks an unusual share of the
    members as left, or "" when the share is within ``ROSTER_MAX_LEAVE_SHARE``."""
    if not report.leave_share_exceeded:
        return ""
    return _(
        "%(left)d of %(members)d members (%(percent)d%%) would be marked as left: more than the "
        "%(limit)d%% a roster may change without a second look. Check that the file really is the whole "
        "school year's roster; to go ahead, confirm the number %(left)d."
    ) % {
        "left": report.left,
        "members": report.members,
        "percent": report.leave_percent,
        "limit": round(100 * settings.ROSTER_MAX_LEAVE_SHARE),
    }


@dataclass
class _Row:
    line: int
    id_number: str
    full_name: str
    date_of_birth: datetime.date
    class_name: str
    category: str


def _date(value: str) -> datetime.date:
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _rows(data: bytes, report: RosterReport, progress: Callable[[int, int], None] | None = None) -> list[_Row]:
    fmt = format_detect(data)
    if fmt == CSV:
        table = table_build(csv_rows(data, columns=ROSTER_COLUMNS), columns=ROSTER_COLUMNS)
    elif fmt == XLSX:
        table = table_build(xlsx_rows(data, columns=ROSTER_COLUMNS), columns=ROSTER_COLUMNS)
    else:
        raise FileRefused(_("A roster must be a CSV or Excel (XLSX) file exported from the sector database."))
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    today = timezone.localdate()
    for line, values in table.rows:
        report.total += 1
        if progress and report.total % 500 == 0:
            progress(report.total, len(table.rows))
        problems = []
        id_number = values.get("id_number", "").strip().replace(" ", "")
        full_name = nfc(values.get("full_name", ""))
        class_name = nfc(values.get("class_name", "")).upper().replace(" ", "")
        category = ReaderCategory.STUDENT
        if values.get("category", "").strip():
            category = _CATEGORY_WORDS.get(fold(values["category"]).strip())
            if category is None:
                problems.append(
                    (
                        "category",
                        _("Unknown category “%(value)s”: use học sinh or giáo viên.") % {"value": values["category"]},
                    )
                )
        if not id_number:
            problems.append(("id_number", _("The ID is empty.")))
        else:
            try:
                id_number_validator(id_number)
            except ValidationError:
                problems.append(("id_number", _("“%(value)s” is not a valid ID.") % {"value": id_number}))
            if id_number in seen:
                problems.append(
                    (
                        "id_number",
                        _("The ID %(id)s is also on row %(row)d.") % {"id": id_number, "row": seen[id_number]},
                    )
                )
            else:
                seen[id_number] = line
        if not full_name:
            problems.append(("full_name", _("The name is empty.")))
        for column, value in (("full_name", full_name), ("class_name", class_name)):
            if found := control_character(value):
                message = _(
                    "The value contains a control character (%(character)s) that cannot be stored: "
                    "remove it from the file."
                )
                problems.append((column, message % {"character": found}))
        date_of_birth = None
        raw_date = values.get("date_of_birth", "").strip()
        try:
            date_of_birth = _date(raw_date)
            if not datetime.date(1900, 1, 1) <= date_of_birth <= today:
                raise ValueError(raw_date)
        except ValueError:
            problems.append(
                ("date_of_birth", _("“%(value)s” is not a date of birth (dd/mm/yyyy).") % {"value": raw_date})
            )
        if category == ReaderCategory.STUDENT and not class_name:
            problems.append(("class_name", _("A student needs a class.")))
        for column, message in problems:
            report.errors.append(
                RowError(row=line, field=table.labels.get(column, column), message=message, key=column)
            )
        if not problems:
            rows.append(_Row(line, id_number, full_name, date_of_birth, class_name, category))
    if table.rows == []:
        raise FileRefused(_("The roster has no students."))
    if progress:
        progress(report.total, report.total)
    return rows


def roster_sync(
    *,
    library: Library,
    data: bytes,
    school_year: str = "",
    dry_run: bool = False,
    local_ids: bool = False,
    full: bool = False,
    confirm_leaves: int | None = None,
    user: AbstractBaseUser | None = None,
    record: RosterSync | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RosterReport:
    """Bring the library's readers in line with the roster in ``data`` (CSV or XLSX).

    ``local_ids``: the IDs are the school's own numbers, issued by this library, rather
    than national IDs of the sector database. ``full``: the file is the whole school
    year's roster, so members of its categories missing from it leave; more leavers than
    ``ROSTER_MAX_LEAVE_SHARE`` allows need ``confirm_leaves`` equal to their number,
    else ``ValidationError`` (code ``leaves_not_confirmed``) and nothing is written.
    Unless ``dry_run``, the sync is recorded by ``user`` in ``record`` (the admin's
    upload) or, if it wrote anything, in a new ``RosterSync``; ``report.sync_id`` names
    it."""
    report = RosterReport(full=full)
    try:
        rows = _rows(data, report, progress)
    except FileRefused as refused:
        report.errors.append(RowError(row=FILE_LEVEL, field=None, message=refused.message))
        return report
    if report.errors:
        return report
    issuer = library.code if local_ids else NATIONAL_ISSUER
    today = timezone.localdate()
    school_year = school_year or _school_year(today)

    readers = {
        r.id_number: r for r in Reader.objects.filter(id_issuer=issuer, id_number__in=[row.id_number for row in rows])
    }
    memberships = {m.reader_id: m for m in Membership.objects.filter(library=library).select_related("reader")}
    categories = {row.category for row in rows}

    plan_new: list[_Row] = []
    plan_join: list[tuple[_Row, Reader]] = []
    plan_update: list[tuple[_Row, Reader, Membership | None, str]] = []
    on_roster: set[int] = set()
    for row in rows:
        reader = readers.get(row.id_number)
        if reader is None:
            plan_new.append(row)
            report.new += 1
            report.changes.append(RosterChange(row.line, row.id_number, row.full_name, "new", row.class_name))
            continue
        membership = memberships.get(reader.pk)
        on_roster.add(reader.pk)
        if membership is None:
            plan_join.append((row, reader))
            report.new += 1
            report.changes.append(RosterChange(row.line, row.id_number, row.full_name, "new", row.class_name))
            continue
        differences = []
        if nfc(reader.full_name) != row.full_name:
            differences.append(f"{reader.full_name} → {row.full_name}")
        if reader.date_of_birth != row.date_of_birth:
            differences.append(
                f"{reader.date_of_birth:%d/%m/%Y} → {row.date_of_birth:%d/%m/%Y}"
                if reader.date_of_birth
                else row.date_of_birth.strftime("%d/%m/%Y")
            )
        if membership.class_name != row.class_name:
            differences.append(f"{membership.class_name or '—'} → {row.class_name or '—'}")
        if membership.category != row.category:
            differences.append(f"{membership.get_category_display()} → {ReaderCategory(row.category).label}")
        if membership.status == MembershipStatus.LEFT:
            report.rejoined += 1
            report.changes.append(
                RosterChange(row.line, row.id_number, row.full_name, "rejoined", "; ".join(differences))
            )
            plan_update.append((row, reader, membership, "rejoined"))
        elif differences or membership.school_year != school_year:
            if differences:
                report.changed += 1
                report.changes.append(
                    RosterChange(row.line, row.id_number, row.full_name, "changed", "; ".join(differences))
                )
            else:
                report.unchanged += 1
            plan_update.append((row, reader, membership, "changed"))
        else:
            report.unchanged += 1
    concerned = [
        membership
        for membership in memberships.values()
        if membership.status != MembershipStatus.LEFT
        and membership.category in categories
        and membership.reader.id_issuer == issuer
    ]
    absent = [membership for membership in concerned if membership.reader_id not in on_roster]
    report.members = len(concerned)
    report.absent = len(absent)
    leaving = absent if full else []
    report.left = len(leaving)
    report.leave_share_exceeded = report.left > report.members * settings.ROSTER_MAX_LEAVE_SHARE
    for membership in leaving:
        report.changes.append(
            RosterChange(0, membership.reader.id_number, membership.reader.full_name, "left", membership.class_name)
        )
    if dry_run:
        return report
    if report.leave_share_exceeded and confirm_leaves != report.left:
        raise ValidationError(roster_leave_warning(report), code="leaves_not_confirmed")
    with transaction.atomic():
        leaves = _write(library, issuer, school_year, today, plan_new, plan_join, plan_update, leaving)
        report.committed = True
        if record is None and not (plan_new or plan_join or plan_update or leaving):
            return report  # nothing written, nothing to record (a rerun of the same roster)
        record = record or RosterSync(library=library, user=user, local_ids=local_ids)
        now = timezone.now()
        record.full = full
        record.school_year = school_year
        record.confirmed_leaves = confirm_leaves if report.leave_share_exceeded else None
        record.leaves = leaves
        record.status = RosterSync.Status.APPLIED
        record.applied_at = record.finished_at = now
        record.processed = record.total = report.total
        record.save()
        report.sync_id = record.pk
        RosterSync.objects.filter(pk=record.pk).update(report=report.as_dict())
    return report


def _school_year(today: datetime.date) -> str:
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}"


def _write(library, issuer, school_year, today, plan_new, plan_join, plan_update, leaving) -> list[dict]:
    """Write the plan; return what the leaves changed (see ``RosterSync.leaves``)."""
    new_readers = Reader.objects.bulk_create(
        [
            Reader(id_issuer=issuer, id_number=row.id_number, full_name=row.full_name, date_of_birth=row.date_of_birth)
            for row in plan_new
        ]
    )
    if not all(reader.pk for reader in new_readers):  # backends without RETURNING (none we support) would need this
        by_id = {
            r.id_number: r
            for r in Reader.objects.filter(id_issuer=issuer, id_number__in=[row.id_number for row in plan_new])
        }
        new_readers = [by_id[row.id_number] for row in plan_new]
    new_memberships = Membership.objects.bulk_create(
        [
            Membership(
                reader=reader,
                library=library,
                category=row.category,
                class_name=row.class_name,
                school_year=school_year,
            )
            for row, reader in zip(plan_new, new_readers, strict=True)
        ]
    )
    Card.objects.bulk_create(
        [
            Card(
                membership=membership,
                reader=membership.reader,
                serial=1,
                number=card_number(reader=membership.reader, serial=1),
                valid_until=card_default_valid_until(membership=membership, today=today),
            )
            for membership in new_memberships
        ]
    )
    for row, reader in plan_join:
        _reader_update(reader, row)
        membership = Membership.objects.create(
            reader=reader, library=library, category=row.category, class_name=row.class_name, school_year=school_year
        )
        card_issue(membership=membership)
    for row, reader, membership, change in plan_update:
        _reader_update(reader, row)
        membership.class_name = row.class_name
        membership.category = row.category
        membership.school_year = school_year
        if change == "rejoined":
            membership.status = MembershipStatus.ACTIVE
            membership.left_on = None
        membership.save()
        if change == "rejoined" and not membership.cards.filter(revoked_at__isnull=True).exists():
            card_issue(membership=membership)
    now = timezone.now()
    leaves = []
    for membership in leaving:
        valid_cards = membership.cards.filter(revoked_at__isnull=True)
        leaves.append(
            {
                "membership": membership.pk,
                "status": membership.status,
                "cards": list(valid_cards.values_list("pk", flat=True)),
            }
        )
        membership.status = MembershipStatus.LEFT
        membership.left_on = today
        membership.save(update_fields=["status", "left_on", "updated_at"])
        cards_revoke(cards=valid_cards, reason=CardRevocation.LEFT, now=now)
    return leaves


def _reader_update(reader: Reader, row: _Row) -> None:
    if reader.full_name != row.full_name or reader.date_of_birth != row.date_of_birth:
        reader.full_name = row.full_name
        reader.date_of_birth = row.date_of_birth
        reader.save(update_fields=["full_name", "date_of_birth", "updated_at"])


def _json_safe(value):
    """``value`` with NUL characters shown as U+FFFD: PostgreSQL's jsonb refuses \\u0000,
    and a roster's refused cells are quoted in its report."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value
