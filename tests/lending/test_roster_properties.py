"""Property tests of the roster sync (``lending.services.roster.roster_sync``, CSV and
XLSX; the admin's preview runs it in the task worker, ``lending.tasks.roster_sync_run``).
Its contract (module docstring): every row is checked first and any error means nothing
is written. So whatever the file: a report, never an exception; with errors, the counts
of readers, memberships and cards are unchanged and every error names its row and column
(or the file) with a message; without errors, what was written is what was reported."""

import datetime
import uuid

from django.core.files.base import ContentFile

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from catalog.importing import FILE_LEVEL
from lending.models import Card, Membership, Reader, RosterSync
from lending.services.roster import ROSTER_COLUMNS, roster_sync
from lending.tasks import roster_sync_run
from tests.properties import BOUNDED, CELL
from tests.workbooks import xlsx_bytes

pytestmark = pytest.mark.django_db

HEADINGS = [h for column in ROSTER_COLUMNS.columns for h in (column.vietnamese, column.english)] + ["Ghi chú", ""]
ID_LIKE = st.one_of(st.from_regex(r"\A[0-9]{10,12}\Z"), CELL)
DATE_LIKE = st.one_of(
    st.dates(min_value=datetime.date(1890, 1, 1), max_value=datetime.date(2100, 1, 1)).map(
        lambda day: day.strftime("%d/%m/%Y")
    ),
    CELL,
)
ROW = st.fixed_dictionaries(
    {
        "Mã học sinh": ID_LIKE,
        "Họ và tên": CELL,
        "Ngày sinh": DATE_LIKE,
        "Lớp": st.one_of(st.sampled_from(["6A1", "7A3", ""]), CELL),
        "Đối tượng": st.one_of(st.sampled_from(["học sinh", "giáo viên", ""]), CELL),
    }
)


def _counts():
    return Reader.objects.count(), Membership.objects.count(), Card.objects.count()


def _assert_contract(library, data: bytes, *, dry_run: bool = False):
    before = _counts()
    report = roster_sync(library=library, data=data, dry_run=dry_run)
    after = _counts()
    if report.errors or dry_run:
        assert not report.committed or not report.errors
        assert after == before, "a refused roster (or a preview) wrote rows"
    else:
        assert report.committed
        assert after[0] - before[0] <= report.new
        assert after[1] - before[1] == report.new
    for error in report.errors:
        assert error.message.strip(), error
        assert error.row == FILE_LEVEL or (error.row > 0 and error.field), error
    _no_control_characters_stored()
    return report


def _no_control_characters_stored():
    for values in Reader.objects.values_list("id_number", "full_name"):
        for value in values:
            assert not any(ord(ch) < 32 for ch in value), values
    for (class_name,) in Membership.objects.values_list("class_name"):
        assert not any(ord(ch) < 32 for ch in class_name), class_name


def _csv(headings, rows, delimiter=","):
    def cell(value):
        return '"' + str(value).replace('"', '""') + '"'

    lines = [delimiter.join(cell(h) for h in headings)]
    lines += [delimiter.join(cell(row.get(h, "")) for h in headings) for row in rows]
    return "\r\n".join(lines) + "\r\n"


@BOUNDED
@given(
    headings=st.one_of(
        st.permutations(["Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp", "Đối tượng"]),
        st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=7),
    ),
    rows=st.lists(ROW, max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
)
@example(
    headings=["Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp"],
    rows=[{"Mã học sinh": "7900100001", "Họ và tên": "Lê\x00 An", "Ngày sinh": "01/02/2013", "Lớp": "7A1"}],
    delimiter=",",
    encoding="utf-8",
)
@example(
    headings=["Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp"],
    rows=[{"Mã học sinh": "7900100002", "Họ và tên": "Lê An", "Ngày sinh": "01/02/2013", "Lớp": "7\x1bA1"}],
    delimiter=",",
    encoding="utf-8",
)
@example(
    headings=["Mã học sinh", "Mã học sinh", "Họ và tên", "Ngày sinh"],
    rows=[{"Mã học sinh": "7900100003", "Họ và tên": "Lê An", "Ngày sinh": "01/02/2013"}],
    delimiter=",",
    encoding="utf-8",
)
def test_csv_rosters_are_all_or_nothing_with_clear_errors(library, headings, rows, delimiter, encoding):
    text = _csv(list(headings), rows, delimiter)
    _assert_contract(library, text.encode(encoding, errors="replace"))


@BOUNDED
@given(data=st.binary(max_size=2000))
@example(data=b"PK\x03\x04")
@example(data=b"\xd0\xcf\x11\xe0")
@example(data=b"00000nam a22     4500\x1e\x1d")
def test_any_bytes_get_a_roster_report(library, data):
    _assert_contract(library, data)


XLSX_VALUE = st.one_of(
    st.none(),
    CELL.map(lambda value: "".join(ch for ch in value if ord(ch) >= 32)[:1000]),  # what openpyxl can write
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(2100, 1, 1)),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)),
)


@BOUNDED
@given(
    headings=st.permutations(["Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp", "Đối tượng"]),
    rows=st.lists(st.lists(XLSX_VALUE, min_size=5, max_size=5), max_size=5),
)
@example(
    headings=["Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp", "Đối tượng"],
    rows=[[7900100004, "Lê An", datetime.datetime(2013, 2, 1), "7A1", None]],
)
@example(
    headings=["Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp", "Đối tượng"],
    rows=[[7.9e9, "Lê An", 41000.5, "7A1", True]],
)
def test_xlsx_rosters_with_any_cell_types_are_all_or_nothing(library, headings, rows):
    _assert_contract(library, xlsx_bytes(list(headings), rows))


@BOUNDED
@given(rows=st.lists(ROW, max_size=4), xlsx=st.booleans())
def test_the_task_worker_preview_reports_and_writes_nothing(library, rows, xlsx):
    headings = ["Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp", "Đối tượng"]
    if xlsx:
        clean = ["".join(ch for ch in str(row[h]) if ord(ch) >= 32) for row in rows for h in headings]
        data = xlsx_bytes(headings, [clean[i : i + 5] for i in range(0, len(clean), 5)])
    else:
        data = _csv(headings, rows).encode()
    sync = RosterSync(library=library)
    sync.file.save(f"{uuid.uuid4().hex}.dat", ContentFile(data), save=False)
    sync.save()
    before = _counts()

    status = roster_sync_run.call(sync.pk)

    sync.refresh_from_db()
    assert status == sync.status == RosterSync.Status.PREVIEWED, sync.error
    assert _counts() == before
    for error in sync.report["errors"]:
        assert error["message"].strip()
        assert error["row"] == FILE_LEVEL or (error["row"] > 0 and error["field"]), error
