"""The digital-coverage index: the selector's figures against an independent count made
in Python from the objects themselves, the admin screen as staff and as a superuser, and
``manage.py coverage_report`` in its three formats."""

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

from django.core.management import CommandError, call_command
from django.utils import timezone

import openpyxl
import pytest

from catalog.models import AccessLevel, DigitalFile, Grade, LessonUnit, MaterialKind, Record, Subject
from library_site.libraries.models import Library, LibraryKind, Officer, OfficerLevel
from reports.selectors.coverage import coverage_for_library, lessons_lacking_material
from tests.factories.catalog import RecordFactory
from tests.factories.libraries import LibraryFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/admin/reports/coverage/"
FORMULA_TITLE = '=HYPERLINK("http://x.example","bấm")'


# --- Known data ---------------------------------------------------------------------------
def _lesson(subject: str, grade: str, number: int, title: str | None = None) -> LessonUnit:
    return LessonUnit.objects.create(
        subject=Subject.objects.get(code=subject),
        grade=Grade.objects.get(code=grade),
        number=number,
        title=title or f"Bài {number} ({subject}, lớp {grade})",
    )


def _material(owner, *, files=(None,), withdrawn=False, access=AccessLevel.PUBLIC, lessons=()) -> Record:
    """A record of ``owner`` linked to ``lessons``, with one link per licence count in
    ``files`` (``None`` = open access; an empty tuple = no digital file)."""
    record = RecordFactory(
        library=owner,
        kind=MaterialKind.EBOOK if files else MaterialKind.PRINTED_BOOK,
        access_level=access,
        withdrawn_at=timezone.now() if withdrawn else None,
    )
    for n, licences in enumerate(files):
        DigitalFile.objects.create(
            record=record, format="link", url=f"https://hoclieu.example/{record.pk}/{n}", licence_count=licences
        )
    for lesson in lessons:
        lesson.records.add(record)
        lesson.save()  # ParentalManyToMany relations are written by save()
    return record


@pytest.fixture
def curriculum(library, other_library):
    """Lessons of grades 3, 1 (primary), 6, 7 (lower secondary), 10 and preschool, with
    materials of every kind that does or does not count."""
    ward = LibraryFactory(code="tthtcd-phuong-7", kind=LibraryKind.COMMUNITY_LEARNING_CENTRE)
    toan6 = [_lesson("toan", "6", n) for n in range(1, 5)]
    van6 = [_lesson("ngu-van", "6", n) for n in range(1, 4)]
    toan7 = [_lesson("toan", "7", n) for n in range(1, 3)]
    toan3 = [_lesson("toan", "3", n) for n in range(1, 5)]
    tv1 = [_lesson("tieng-viet", "1", n) for n in range(1, 5)] + [_lesson("tieng-viet", "1", 5, FORMULA_TITLE)]
    toan10 = [_lesson("toan", "10", 1)]
    preschool = [_lesson("phat-trien-toan-dien-mam-non", "preschool", n) for n in range(1, 5)]

    _material(library, lessons=[toan6[0]])  # open link, own: counts
    _material(library, withdrawn=True, lessons=[toan6[1]])  # withdrawn: no
    _material(other_library, access=AccessLevel.READERS, lessons=[toan6[2]])  # another library's, readers: counts
    _material(library, files=(), lessons=[toan6[3], toan3[1]])  # printed, no file: no
    _material(library, access=AccessLevel.STAFF, lessons=[van6[0]])  # staff only: no
    _material(library, files=(0,), lessons=[van6[1]])  # no licence to lend: no
    _material(other_library, files=(2,), lessons=[van6[2]])  # lent digitally: counts
    _material(library, lessons=[toan7[0]])
    _material(other_library, files=(None, 3), lessons=[toan7[0], toan10[0]])  # a second one: still one lesson
    _material(other_library, lessons=[toan3[0]])  # 1 of 4 = 25%: just reached
    _material(library, lessons=[tv1[0]])  # 1 of 5 = 20%: below
    _material(library, lessons=[preschool[0]])
    return {"ward": ward, "preschool_school": LibraryFactory(code="mn-hoa-sen", kind=LibraryKind.PRESCHOOL)}


# --- An independent count ----------------------------------------------------------------------
LEVEL_OF_KIND = {"preschool": "preschool", "primary": "primary", "lower_secondary": "lower_secondary"}


def _counts(library):
    """{(grade code, subject code or None): (lessons, covered, covered by own records)} by
    walking every lesson and its records in Python."""
    level = LEVEL_OF_KIND[library.kind]
    counts: dict = {}
    for lesson in LessonUnit.objects.all():
        if lesson.grade.level != level:
            continue
        usable = [
            record
            for record in lesson.records.all()
            if record.withdrawn_at is None
            and record.access_level != AccessLevel.STAFF
            and any(f.licence_count is None or f.licence_count > 0 for f in record.digital_files.all())
        ]
        key = (lesson.grade.code, None if level == "preschool" else lesson.subject.code)
        lessons, covered, own = counts.get(key, (0, 0, 0))
        counts[key] = (
            lessons + 1,
            covered + bool(usable),
            own + any(record.library_id == library.pk for record in usable),
        )
    return counts


def _percent(part, whole):
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _figures(report):
    return {
        (row.grade.code, row.subject.code if row.subject else None): (row.lessons, row.covered, row.covered_own)
        for row in report.rows
    }


def test_lower_secondary_figures_match_an_independent_count(library, curriculum, settings):
    report = coverage_for_library(library=library)

    assert report.applicable
    assert report.per_subject
    assert report.target == 35
    assert _figures(report) == _counts(library)
    assert _figures(report) == {("6", "toan"): (4, 2, 1), ("6", "ngu-van"): (3, 1, 0), ("7", "toan"): (2, 1, 1)}
    by_key = {(row.grade.code, row.subject.code): row for row in report.rows}
    assert by_key["6", "toan"].percent == Decimal("50.0")
    assert by_key["6", "toan"].meets_target
    assert by_key["6", "ngu-van"].percent == _percent(1, 3) == Decimal("33.3")
    assert by_key["6", "ngu-van"].meets_target is False
    assert [row.grade.code for row in report.rows] == ["6", "6", "7"]  # grade 10 and primary lessons left out
    assert [(t.label, t.lessons, t.covered, t.covered_own) for t in report.grade_totals] == [
        ("Lớp 6", 7, 3, 1),
        ("Lớp 7", 2, 1, 1),
    ]
    assert (report.total.lessons, report.total.covered, report.total.covered_own) == (9, 4, 2)
    assert report.total.percent == _percent(4, 9)
    assert report.rows_meeting_target == 2

    settings.COVERAGE_TARGETS = {**settings.COVERAGE_TARGETS, "lower_secondary": 33}
    assert coverage_for_library(library=library).rows_meeting_target == 3


def test_primary_figures_and_the_exact_target(other_library, curriculum):
    report = coverage_for_library(library=other_library)

    assert report.target == 25
    assert report.per_subject
    assert _figures(report) == _counts(other_library) == {("1", "tieng-viet"): (5, 1, 0), ("3", "toan"): (4, 1, 1)}
    by_key = {(row.grade.code, row.subject.code): row for row in report.rows}
    assert by_key["3", "toan"].percent == Decimal("25.0")
    assert by_key["3", "toan"].meets_target
    assert by_key["1", "tieng-viet"].percent == Decimal("20.0")
    assert by_key["1", "tieng-viet"].meets_target is False
    lacking = lessons_lacking_material(library=other_library)
    assert [(lesson.grade.code, lesson.subject.code, lesson.number) for lesson in lacking] == [
        ("1", "tieng-viet", 2),
        ("1", "tieng-viet", 3),
        ("1", "tieng-viet", 4),
        ("1", "tieng-viet", 5),
        ("3", "toan", 2),
        ("3", "toan", 3),
        ("3", "toan", 4),
    ]


def test_preschool_is_counted_per_grade(curriculum):
    school = curriculum["preschool_school"]
    report = coverage_for_library(library=school)

    assert not report.per_subject
    assert report.target == 25
    assert _figures(report) == _counts(school) == {("preschool", None): (4, 1, 0)}
    assert report.rows[0].meets_target is True


def test_an_upper_secondary_school_is_counted_without_a_target(curriculum):
    school = LibraryFactory(code="thpt-phu-nhuan", kind=LibraryKind.UPPER_SECONDARY)
    report = coverage_for_library(library=school)

    assert report.target is None
    assert _figures(report) == {("10", "toan"): (1, 1, 0)}
    assert report.rows[0].meets_target is None
    assert report.rows_meeting_target == 0


def test_a_ward_centre_has_no_coverage_rather_than_zero(curriculum):
    report = coverage_for_library(library=curriculum["ward"])

    assert not report.applicable
    assert report.rows == []
    assert report.total is None


# --- The admin screen ---------------------------------------------------------------------------
class _Tables(HTMLParser):
    """Cell texts of each table (by id), row by row."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in {"td", "th"} and self._table is not None:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in {"td", "th"} and self._cell is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None


def _tables(response):
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def test_staff_see_their_school_coloured_against_the_target(client, librarian, library, curriculum):
    client.force_login(librarian)
    response = client.get(URL, **EN)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Digital material coverage of Thư viện Trường THCS Cầu Kiệu" in page
    rows = _tables(response)["coverage-table"]
    assert rows[1:4] == [
        ["Lớp 6", "Ngữ văn", "3", "1", "0", "33.3%", "35%", "✗ Below target"],
        ["Lớp 6", "Toán", "4", "2", "1", "50.0%", "35%", "✓ Reached"],
        ["Lớp 7", "Toán", "2", "1", "1", "50.0%", "35%", "✓ Reached"],
    ]
    assert rows[-1] == ["Whole school", "9", "4", "2", "44.4%", "", "2 of 3 reached"]
    assert page.count('class="coverage-low"') == 1
    assert page.count('class="coverage-ok"') == 2
    lacking = _tables(response)["lacking-table"]
    assert [row[:3] for row in lacking[1:]] == [
        ["Ngữ văn", "Lớp 6", "1"],
        ["Ngữ văn", "Lớp 6", "2"],
        ["Toán", "Lớp 6", "2"],
        ["Toán", "Lớp 6", "4"],
        ["Toán", "Lớp 7", "2"],
    ]
    assert "/admin/snippets/catalog/record/add/" in page  # catalogue one
    assert "/admin/snippets/catalog/lessonunit/edit/" not in page  # staff cannot edit lesson units
    assert "Phạm Ngọc Thạch" not in page  # no other library offered


def test_the_screen_speaks_vietnamese_first(client, librarian, curriculum):
    client.force_login(librarian)
    response = client.get(URL)

    page = response.content.decode()
    assert "Độ phủ học liệu số của Thư viện Trường THCS Cầu Kiệu" in page
    rows = _tables(response)["coverage-table"]
    assert rows[0] == [
        "Khối lớp",
        "Môn học",
        "Bài học",
        "Bài học có học liệu số",
        "Trong đó biểu ghi của thư viện",
        "Độ phủ",
        "Chỉ tiêu",
        "Trạng thái",
    ]
    assert [row[-1] for row in rows[1:4]] == ["✗ Chưa đạt", "✓ Đạt", "✓ Đạt"]
    assert "5 bài học chưa có học liệu số" in page


def test_the_screen_costs_the_same_queries_for_more_lessons(
    client, librarian, curriculum, django_assert_max_num_queries
):
    client.force_login(librarian)
    client.get(URL)  # warm Wagtail's caches
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    for number in range(10, 40):
        _material(librarian.groups.get().library, lessons=[_lesson("tin-hoc", "8", number)])
        _lesson("cong-nghe", "9", number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, **EN)
    assert ["Lớp 8", "Tin học", "30", "30", "30", "100.0%", "35%", "✓ Reached"] in _tables(response)["coverage-table"]


def test_staff_are_refused_another_library_and_bad_input(client, librarian, curriculum):
    client.force_login(librarian)

    # Wagtail answers a refusal in the admin with a redirect to the dashboard and a message.
    for query in ("?library=th-pham-ngoc-thach", "?library=th-pham-ngoc-thach&export=csv"):
        refused = client.get(URL + query)
        assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert client.get(URL + "?library=khong-co-thu-vien-nay").status_code == 404
    assert client.get(URL + "?library=" + "x" * 300).status_code == 400
    assert client.get(URL + "?export=pdf").status_code == 400
    assert client.get(URL + "?page=abc").status_code == 400
    assert client.get(URL + "?page=99").status_code == 404


def test_readers_and_signed_out_users_do_not_get_the_screen(client, curriculum):
    assert client.get(URL)["Location"].startswith("/admin/login/")
    client.force_login(UserFactory(username="bandoc"))
    response = client.get(URL + "?library=thcs-cau-kieu&export=json")
    assert response.status_code == 302
    assert "lessons" not in response.content.decode()


def test_superuser_picks_any_library(client, superuser, other_library, curriculum):
    client.force_login(superuser)
    response = client.get(URL + "?library=th-pham-ngoc-thach", **EN)

    assert response.status_code == 200
    rows = _tables(response)["coverage-table"]
    assert rows[1:3] == [
        ["Lớp 1", "Tiếng Việt", "5", "1", "0", "20.0%", "25%", "✗ Below target"],
        ["Lớp 3", "Toán", "4", "1", "1", "25.0%", "25%", "✓ Reached"],
    ]
    page = response.content.decode()
    assert '<option value="mn-hoa-sen"' in page  # the picker lists every library
    lesson = LessonUnit.objects.get(subject__code="toan", grade__code="3", number=2)
    assert f"/admin/snippets/catalog/lessonunit/edit/{lesson.pk}/" in page

    ward = client.get(URL + "?library=tthtcd-phuong-7", **EN)
    assert ward.status_code == 200
    assert "the digital-coverage index does not apply to it" in ward.content.decode()
    assert "coverage-table" not in ward.content.decode()

    preschool = _tables(client.get(URL + "?library=mn-hoa-sen", **EN))["coverage-table"]
    assert preschool[1] == ["Mầm non", "4", "1", "0", "25.0%", "25%", "✓ Reached"]


def test_the_screens_downloads(client, superuser, other_library, curriculum):
    client.force_login(superuser)
    response = client.get(URL + "?library=th-pham-ngoc-thach&export=csv", **EN)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="do-phu-hoc-lieu-so-th-pham-ngoc-thach.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[2] == ["Lớp 3", "Toán", "4", "1", "1", "25.0", "25", "Reached"]
    data = json.loads(client.get(URL + "?library=th-pham-ngoc-thach&export=json").content)
    assert data["total"]["lessons"] == 9


# --- The command ----------------------------------------------------------------------------
def _command(*args) -> str:
    out = io.StringIO()
    call_command("coverage_report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_json(library, curriculum):
    data = json.loads(_command("--library", "thcs-cau-kieu", "--format", "json"))

    counts = _counts(library)
    assert data["applicable"]
    assert data["target_percent"] == 35
    assert data["per"] == "subject_grade"
    assert {
        (row["grade"], row["subject"]): (row["lessons"], row["covered"], row["covered_own"]) for row in data["rows"]
    } == counts
    assert {(row["grade"], row["subject"]): row["percent"] for row in data["rows"]} == {
        ("6", "toan"): 50.0,
        ("6", "ngu-van"): 33.3,
        ("7", "toan"): 50.0,
    }
    assert data["total"] == {
        "lessons": 9,
        "covered": 4,
        "covered_own": 2,
        "percent": 44.4,
        "rows": 3,
        "rows_meeting_target": 2,
    }
    assert len(data["lacking"]) == 5

    ward = json.loads(_command("--library", "tthtcd-phuong-7", "--format", "json"))
    assert ward == {
        "library": {"code": "tthtcd-phuong-7", "name": curriculum["ward"].name, "kind": "community_learning_centre"},
        "applicable": False,
    }


def test_command_csv_to_stdout_and_file(other_library, curriculum, tmp_path):
    rows = list(
        csv.reader(io.StringIO(_command("--library", "th-pham-ngoc-thach", "--format", "csv").lstrip("\ufeff")))
    )

    assert len(rows) == 4  # heading, two groups, total
    assert [row[:5] for row in rows[1:3]] == [["Lớp 1", "Tiếng Việt", "5", "1", "0"], ["Lớp 3", "Toán", "4", "1", "1"]]
    assert [row[5] for row in rows[1:]] == ["20.0", "25.0", "22.2"]
    assert rows[3][2:4] == ["9", "2"]

    out = tmp_path / "coverage.csv"
    _command("--library", "th-pham-ngoc-thach", "--format", "csv", "--out", str(out))
    assert list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")))) == rows


def test_command_xlsx_escapes_formulas(other_library, curriculum, tmp_path):
    out = tmp_path / "coverage.xlsx"
    _command("--library", "th-pham-ngoc-thach", "--format", "xlsx", "--out", str(out))

    workbook = openpyxl.load_workbook(out)
    coverage, lacking = workbook.worksheets
    values = [list(row) for row in coverage.iter_rows(values_only=True)]
    assert values[1][:6] == ["Lớp 1", "Tiếng Việt", 5, 1, 0, 20.0]
    assert values[2][:7] == ["Lớp 3", "Toán", 4, 1, 1, 25.0, 25]
    titles = [row[3] for row in lacking.iter_rows(min_row=2, values_only=True)]
    assert len(titles) == 7
    assert "'" + FORMULA_TITLE in titles  # a title never becomes a formula
    assert all(cell.data_type != "f" for row in lacking.iter_rows() for cell in row)


def test_command_refuses_unknown_library_and_xlsx_to_stdout(curriculum):
    with pytest.raises(CommandError, match="No library with code 'khong-co'"):
        _command("--library", "khong-co", "--format", "json")
    with pytest.raises(CommandError, match="give --out"):
        _command("--library", "thcs-cau-kieu", "--format", "xlsx")


def test_an_education_officer_reads_the_coverage_of_their_district_only(client, other_library, curriculum):
    Library.objects.filter(code="mn-hoa-sen").update(district="Quận 3")
    officer = UserFactory(username="canbo.quan3")
    Officer.objects.create(user=officer, level=OfficerLevel.DISTRICT, district="Quận 3")
    client.force_login(officer)

    response = client.get(URL + "?library=mn-hoa-sen", **EN)
    assert response.status_code == 200
    assert _tables(response)["coverage-table"][1] == ["Mầm non", "4", "1", "0", "25.0%", "25%", "✓ Reached"]
    assert client.get(URL, **EN).status_code == 200  # their district's first library
    refused = client.get(URL + "?library=th-pham-ngoc-thach")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
