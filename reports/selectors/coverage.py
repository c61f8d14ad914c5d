"""The digital-coverage index of a school library (issue 14, §3; programme plan 001 §3c:
"Xây dựng nguồn học liệu số đáp ứng 25%/khối lớp đối với bậc mầm non; 25%/môn/khối lớp
đối với cấp tiểu học; 35%/môn/khối lớp đối với cấp trung học cơ sở").

Definitions, as computed here:

- **The school's lessons.** A school teaches the grades of its level: a preschool
  (``LibraryKind.PRESCHOOL``) the preschool grade, a primary school grades 1–5, a lower
  secondary school grades 6–9, an upper secondary school grades 10–12
  (``Grade.level`` equals the library's ``kind`` for these four kinds). Its lessons are every
  ``LessonUnit`` of those grades. Lesson outlines are not yet kept per textbook series or per
  school, so every school of one level counts the same lessons.
- **A digital material** of a lesson, for that school: a record linked to the lesson
  (``LessonUnit.records``) that is not withdrawn, whose readers may open it (access
  *everyone* or *signed-in readers*; a *library staff* record is not a material for
  students and teachers), with at least one digital file or link a reader can open: open
  access (no licence count) or lent digitally (a licence count above zero). A record's
  material kind is not looked at: a printed book's record with its scanned PDF attached is
  a digitised book in all but name. The catalog is shared: a record catalogued by any
  library serves every school, so it counts for every school (``covered``); how many
  lessons the school's *own* records cover is given beside it (``covered_own``).
- **Coverage** of a group = covered lessons / lessons, per grade for a preschool, per
  subject and grade for primary and lower secondary schools, against
  ``settings.COVERAGE_TARGETS`` (25 / 25 / 35 %). A group meets the target when
  ``covered × 100 ≥ target × lessons`` (no rounding). A group without lessons (no outline
  imported) is not listed.
- **Not a school.** Ward community learning centres, continuing-education centres and public
  libraries teach no curriculum grades: their report says *not applicable*
  (``CoverageReport.applicable`` is false), never 0 %.

Every figure is computed by the database (``Exists`` per lesson, ``Count`` per group).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from catalog.models import AccessLevel, DigitalFile, Grade, GradeLevel, LessonUnit, Subject
from library_site.libraries.models import Library, LibraryKind

# The grade level a school of each kind teaches; other kinds have no coverage.
KIND_LEVELS: dict[str, str] = {
    LibraryKind.PRESCHOOL: GradeLevel.PRESCHOOL,
    LibraryKind.PRIMARY: GradeLevel.PRIMARY,
    LibraryKind.LOWER_SECONDARY: GradeLevel.LOWER_SECONDARY,
    LibraryKind.UPPER_SECONDARY: GradeLevel.UPPER_SECONDARY,
}
# Levels reported per grade only (all subjects together); the others per subject and grade.
PER_GRADE_LEVELS = frozenset({GradeLevel.PRESCHOOL})
READER_ACCESS = (AccessLevel.PUBLIC, AccessLevel.READERS)


def coverage_target(level: str) -> int | None:
    """The target (percent) of a grade level, or ``None`` when the programme sets none."""
    return settings.COVERAGE_TARGETS.get(level)


def percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` in percent with one decimal (half up); ``None`` for an empty whole."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CoverageRow:
    """One group: a grade (preschool) or a subject in a grade."""

    grade: Grade
    subject: Subject | None
    lessons: int
    covered: int
    covered_own: int
    target: int | None

    @property
    def missing(self) -> int:
        return self.lessons - self.covered

    @property
    def percent(self) -> Decimal | None:
        return percent(self.covered, self.lessons)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        return self.covered * 100 >= self.target * self.lessons


@dataclass(frozen=True)
class CoverageTotal:
    """Lessons and covered lessons summed over several rows (a grade, or the school)."""

    label: str
    lessons: int
    covered: int
    covered_own: int

    @property
    def percent(self) -> Decimal | None:
        return percent(self.covered, self.lessons)


@dataclass(frozen=True)
class CoverageReport:
    library: Library
    level: str | None
    target: int | None
    per_subject: bool
    rows: list[CoverageRow] = field(default_factory=list)
    grade_totals: list[CoverageTotal] = field(default_factory=list)
    total: CoverageTotal | None = None

    @property
    def applicable(self) -> bool:
        """False for a library that teaches no curriculum grades (not a school)."""
        return self.level is not None

    @property
    def rows_meeting_target(self) -> int:
        return sum(1 for row in self.rows if row.meets_target)


def lesson_material_exists(*, library: Library | None = None) -> Exists:
    """``Exists`` for a ``LessonUnit`` queryset: the lesson has a digital material (see the
    module's definition); of records owned by ``library`` only, when given."""
    readable_files = DigitalFile.objects.filter(
        Q(licence_count__isnull=True) | Q(licence_count__gt=0), record_id=OuterRef("record_id")
    )
    links = LessonUnit.records.through.objects.filter(
        Exists(readable_files),
        lessonunit_id=OuterRef("pk"),
        record__withdrawn_at__isnull=True,
        record__access_level__in=READER_ACCESS,
    )
    if library is not None:
        links = links.filter(record__library=library)
    return Exists(links)


def school_level(library: Library) -> str | None:
    return KIND_LEVELS.get(library.kind)


def school_lessons(*, library: Library) -> QuerySet[LessonUnit]:
    """The lessons of the grades ``library`` teaches (none for a library that is not a school)."""
    level = school_level(library)
    if level is None:
        return LessonUnit.objects.none()
    return LessonUnit.objects.filter(grade__level=level)


def lessons_lacking_material(*, library: Library) -> QuerySet[LessonUnit]:
    """The school's lessons without any digital material, in curriculum order."""
    return (
        school_lessons(library=library)
        .filter(~lesson_material_exists())
        .select_related("subject", "grade")
        .order_by("grade__sort_order", "subject__sort_order", "subject__name", "number")
    )


def coverage_for_library(*, library: Library) -> CoverageReport:
    """The coverage report of ``library`` (see the module docstring)."""
    level = school_level(library)
    if level is None:
        return CoverageReport(library=library, level=None, target=None, per_subject=False)
    target = coverage_target(level)
    per_subject = level not in PER_GRADE_LEVELS
    group = ["grade_id", "subject_id"] if per_subject else ["grade_id"]
    groups = (
        school_lessons(library=library)
        .annotate(has_material=lesson_material_exists(), has_own_material=lesson_material_exists(library=library))
        .order_by()
        .values(*group)
        .annotate(
            lessons=Count("pk"),
            covered=Count("pk", filter=Q(has_material=True)),
            covered_own=Count("pk", filter=Q(has_own_material=True)),
        )
    )
    grades = Grade.objects.in_bulk([g["grade_id"] for g in groups])
    subjects = Subject.objects.in_bulk([g["subject_id"] for g in groups]) if per_subject else {}
    rows = [
        CoverageRow(
            grade=grades[g["grade_id"]],
            subject=subjects[g["subject_id"]] if per_subject else None,
            lessons=g["lessons"],
            covered=g["covered"],
            covered_own=g["covered_own"],
            target=target,
        )
        for g in groups
    ]
    rows.sort(
        key=lambda row: (
            row.grade.sort_order,
            (row.subject.sort_order, row.subject.name) if row.subject else (0, ""),
        )
    )
    grade_totals = []
    for grade in sorted({row.grade for row in rows}, key=lambda grade: grade.sort_order):
        in_grade = [row for row in rows if row.grade == grade]
        grade_totals.append(_total(str(grade), in_grade))
    return CoverageReport(
        library=library,
        level=level,
        target=target,
        per_subject=per_subject,
        rows=rows,
        grade_totals=grade_totals,
        total=_total("", rows),
    )


def _total(label: str, rows: list[CoverageRow]) -> CoverageTotal:
    # Sums of figures the database counted (a handful of groups), not a count of rows.
    return CoverageTotal(
        label=label,
        lessons=sum(row.lessons for row in rows),
        covered=sum(row.covered for row in rows),
        covered_own=sum(row.covered_own for row in rows),
    )
