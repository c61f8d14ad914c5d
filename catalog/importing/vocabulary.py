"""The words the import understands and the export writes: column headings, material
kinds, languages, access levels, contributor roles, subjects and grades.

Every lookup compares ``library_site.text.match_key`` forms (lower case, no diacritics, no
punctuation), so "Nhan đề", "NHAN DE" and "nhan-de" are the same heading. The first
Vietnamese spelling of each entry is the one the export and the template write."""

import functools
from dataclasses import dataclass, field

from django.utils import translation

from catalog.models import AccessLevel, ContributorRole, Grade, Language, LessonUnit, MaterialKind, Subject, lesson_code
from library_site.text import fold, match_key


@dataclass(frozen=True)
class Column:
    key: str
    vietnamese: str
    english: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    multi: bool = False  # several values separated by ";"


# In the order the template and the CSV export write them.
COLUMNS: list[Column] = [
    Column("title", "Nhan đề", "title", ("tên sách", "tên tài liệu", "nhan đề chính"), required=True),
    Column("subtitle", "Phụ đề", "subtitle", ("nhan đề phụ", "thông tin bổ sung nhan đề")),
    Column("authors", "Tác giả", "authors", ("author", "contributors", "tác giả chính"), multi=True),
    Column("publisher", "Nhà xuất bản", "publisher", ("nxb",)),
    Column("year", "Năm xuất bản", "year", ("năm xb", "năm", "publication year")),
    Column("edition", "Lần xuất bản", "edition", ("lần xb", "tái bản")),
    Column("isbn", "ISBN", "isbn", ("mã isbn",)),
    Column("language", "Ngôn ngữ", "language"),
    Column("summary", "Tóm tắt", "summary", ("tóm tắt nội dung", "abstract")),
    Column("ddc", "Phân loại DDC", "ddc", ("ddc", "mã ddc", "chỉ số ddc", "dewey")),
    Column("subjects", "Môn học", "subjects", ("subject",), multi=True),
    Column("grades", "Khối lớp", "grades", ("grade", "lớp", "khối"), multi=True),
    # Lesson codes <subject code>-<grade code>-<number>, e.g. toan-6-12 (see catalog.models.lesson_code).
    Column("lessons", "Bài học", "lessons", ("mã bài học", "lesson", "lesson codes", "lesson units"), multi=True),
    Column("keywords", "Từ khóa", "keywords", ("keyword", "tags"), multi=True),
    Column("kind", "Loại tài liệu", "kind", ("material kind", "loại học liệu", "dạng tài liệu")),
    Column("access", "Quyền truy cập", "access", ("access level", "truy cập")),
    Column("licence_note", "Ghi chú bản quyền", "licence_note", ("licence note", "license note", "bản quyền")),
    Column(
        "barcodes",
        "Mã vạch",
        "barcodes",
        ("barcode", "đăng ký cá biệt", "số đăng ký cá biệt", "số đkcb", "đkcb"),
        multi=True,
    ),
    Column("call_number", "Ký hiệu xếp giá", "call_number", ("call number", "kí hiệu xếp giá")),
    Column("shelf_location", "Vị trí kệ", "shelf_location", ("shelf location", "vị trí", "kệ")),
    Column("links", "Liên kết", "links", ("link", "url", "đường dẫn"), multi=True),
    # Written by the export for reference; the import ignores it (codes are given by the system).
    Column("code", "Mã học liệu", "code", ("record code",)),
]
IGNORED_COLUMNS = {"code"}

MULTI_SEPARATOR = ";"


def heading_key(value: str) -> str:
    """A heading as compared: match_key without a trailing "*" or a parenthesised hint,
    so "Năm xuất bản (YYYY) *" is "nam xuat ban"."""
    text = (value or "").replace("*", " ")
    while "(" in text and ")" in text.split("(", 1)[1]:
        head, rest = text.split("(", 1)
        text = head + " " + rest.split(")", 1)[1]
    return match_key(text).replace("_", " ")


class ColumnSet:
    """The columns of one kind of file, looked up by heading."""

    def __init__(self, columns: list[Column]):
        self.columns = columns
        self.by_key = {column.key: column for column in columns}
        self.required = {column.key for column in columns if column.required}
        self._headings: dict[str, str] = {}
        for column in columns:
            for name in (column.vietnamese, column.english, column.key, *column.aliases):
                self._headings.setdefault(heading_key(name), column.key)

    def key_for(self, heading: str) -> str | None:
        return self._headings.get(heading_key(heading))


CATALOG_COLUMNS = ColumnSet(COLUMNS)

CURRICULUM_COLUMNS = ColumnSet(
    [
        Column("subject", "Môn học", "subject", ("môn",), required=True),
        Column("grade", "Khối lớp", "grade", ("lớp", "khối"), required=True),
        Column("number", "Bài", "number", ("số bài", "bài số", "lesson", "lesson number", "stt"), required=True),
        Column("title", "Tên bài", "title", ("tên bài học", "bài học", "lesson title"), required=True),
        Column("record_codes", "Mã học liệu", "record_codes", ("học liệu", "record codes", "records"), multi=True),
    ]
)


# --- Material kinds ------------------------------------------------------------------
# Vietnamese first (the export writes it), then other accepted spellings.
KIND_NAMES: dict[str, tuple[str, ...]] = {
    MaterialKind.PRINTED_BOOK: ("Sách in", "sách giấy", "sách", "book", "print"),
    MaterialKind.DIGITISED_BOOK: ("Sách số hóa", "sách scan", "sách số", "digitized book"),
    MaterialKind.EBOOK: ("Sách điện tử", "ebook", "e-book"),
    MaterialKind.AUDIOBOOK: ("Sách nói", "audio book", "audio"),
    MaterialKind.VIDEO: ("Video", "video clip", "phim"),
    MaterialKind.IMAGE: ("Hình ảnh", "ảnh", "tranh ảnh", "picture"),
    MaterialKind.TEACHING_DOCUMENT: ("Tài liệu giảng dạy", "tài liệu dạy học", "tài liệu tham khảo giáo viên"),
    MaterialKind.LESSON_PLAN: ("Giáo án", "kế hoạch bài dạy"),
    MaterialKind.ELEARNING_LECTURE: ("Bài giảng e-learning", "bài giảng điện tử", "e-learning", "elearning"),
    MaterialKind.ONLINE_LESSON: ("Bài học trực tuyến", "học trực tuyến", "online"),
}

LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    Language.VIETNAMESE: ("Tiếng Việt", "việt", "vie"),
    Language.ENGLISH: ("Tiếng Anh", "anh", "eng"),
    Language.FRENCH: ("Tiếng Pháp", "pháp", "fre", "fra"),
    Language.CHINESE: ("Tiếng Trung", "tiếng hoa", "trung", "chi", "zho"),
    Language.JAPANESE: ("Tiếng Nhật", "nhật", "jpn"),
    Language.KOREAN: ("Tiếng Hàn", "hàn", "kor"),
    Language.RUSSIAN: ("Tiếng Nga", "nga", "rus"),
    Language.KHMER: ("Tiếng Khmer", "khmer", "khm"),
    Language.OTHER: ("Nhiều ngôn ngữ", "khác", "ngôn ngữ khác", "other", "mul"),
}

# ISO 639-2 (bibliographic and terminology codes) → our languages, for MARC 041/008.
MARC_LANGUAGES = {
    "vie": Language.VIETNAMESE,
    "eng": Language.ENGLISH,
    "fre": Language.FRENCH,
    "fra": Language.FRENCH,
    "chi": Language.CHINESE,
    "zho": Language.CHINESE,
    "jpn": Language.JAPANESE,
    "kor": Language.KOREAN,
    "rus": Language.RUSSIAN,
    "khm": Language.KHMER,
}
LANGUAGE_TO_MARC = {
    Language.VIETNAMESE: "vie",
    Language.ENGLISH: "eng",
    Language.FRENCH: "fre",
    Language.CHINESE: "chi",
    Language.JAPANESE: "jpn",
    Language.KOREAN: "kor",
    Language.RUSSIAN: "rus",
    Language.KHMER: "khm",
    Language.OTHER: "mul",
}

ACCESS_NAMES: dict[str, tuple[str, ...]] = {
    AccessLevel.PUBLIC: ("Mọi người", "công khai", "tất cả", "public"),
    AccessLevel.READERS: ("Bạn đọc đã đăng nhập", "bạn đọc", "readers"),
    AccessLevel.STAFF: ("Cán bộ thư viện", "nội bộ", "thủ thư", "staff"),
}

# Roles: the Vietnamese word the export writes in parentheses after a name, then other
# spellings, and MARC relator codes ($4) and terms ($e).
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    ContributorRole.AUTHOR: ("tác giả", "author", "aut", "tg"),
    ContributorRole.EDITOR: ("biên tập", "chủ biên", "editor", "edt", "ed", "eds", "bt", "cb", "tổng chủ biên"),
    ContributorRole.TRANSLATOR: ("dịch", "người dịch", "dịch giả", "translator", "trl", "tr", "trans"),
    ContributorRole.ILLUSTRATOR: ("minh họa", "vẽ minh họa", "họa sĩ", "illustrator", "ill", "illus"),
}
ROLE_TO_RELATOR = {
    ContributorRole.AUTHOR: "aut",
    ContributorRole.EDITOR: "edt",
    ContributorRole.TRANSLATOR: "trl",
    ContributorRole.ILLUSTRATOR: "ill",
}


def _choice_index(names: dict[str, tuple[str, ...]], choices) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, spellings in names.items():
        for spelling in (value, *spellings):
            index.setdefault(match_key(spelling), value)
    # The labels of the model's choices, in English and (when translated) Vietnamese.
    for language in ("en", "vi"):
        with translation.override(language):
            for value, label in choices:
                index.setdefault(match_key(str(label)), value)
    return index


@functools.cache
def _indexes() -> dict[str, dict[str, str]]:
    # Built on first use, not at import: the labels go through the translation machinery.
    return {
        "kind": _choice_index(KIND_NAMES, MaterialKind.choices),
        "language": _choice_index(LANGUAGE_NAMES, Language.choices),
        "access": _choice_index(ACCESS_NAMES, AccessLevel.choices),
        "role": _choice_index(ROLE_NAMES, ContributorRole.choices),
    }


def kind_lookup(value: str) -> str | None:
    return _indexes()["kind"].get(match_key(value))


def language_lookup(value: str) -> str | None:
    return _indexes()["language"].get(match_key(value))


def access_lookup(value: str) -> str | None:
    return _indexes()["access"].get(match_key(value))


def role_lookup(value: str) -> str | None:
    return _indexes()["role"].get(match_key(value))


def kind_name(value: str) -> str:
    return KIND_NAMES[value][0]


def language_name(value: str) -> str:
    return LANGUAGE_NAMES[value][0]


def access_name(value: str) -> str:
    return ACCESS_NAMES[value][0]


def role_suffix(value: str) -> str:
    """ " (dịch)" after a translator's name; nothing after an author's."""
    return "" if value == ContributorRole.AUTHOR else f" ({ROLE_NAMES[value][0]})"


# --- Subjects and grades (reference data in the database) ----------------------------
GRADE_RANGE_PREFIXES = ("lop", "khoi", "grades", "grade")


@dataclass
class Reference:
    """Subjects and grades loaded once per import, indexed by every accepted spelling."""

    subjects: dict[str, int] = field(default_factory=dict)
    grades: dict[str, int] = field(default_factory=dict)
    grade_numbers: dict[int, int] = field(default_factory=dict)  # 1..12 → Grade.pk
    subject_names: dict[int, str] = field(default_factory=dict)
    grade_names: dict[int, str] = field(default_factory=dict)
    subject_grades: dict[int, set[int]] = field(default_factory=dict)
    _lessons: dict[str, int] | None = None  # lesson code (lower case) → LessonUnit.pk, loaded on first use

    @classmethod
    def load(cls) -> "Reference":
        reference = cls()
        for subject in Subject.objects.all():
            reference.subject_names[subject.pk] = subject.name
            spellings = [subject.code, subject.name, subject.name_en]
            for name in (subject.name, subject.name_en):
                # "Ngoại ngữ 1 (Tiếng Anh)" is also found as "Ngoại ngữ 1" and "Tiếng Anh".
                if "(" in name and name.endswith(")"):
                    head, inner = name[:-1].split("(", 1)
                    spellings += [head, inner]
            for spelling in spellings:
                if spelling:
                    reference.subjects.setdefault(match_key(spelling), subject.pk)
        for subject_id, grade_id in Subject.grades.through.objects.values_list("subject_id", "grade_id"):
            reference.subject_grades.setdefault(subject_id, set()).add(grade_id)
        for grade in Grade.objects.all():
            reference.grade_names[grade.pk] = grade.name
            for spelling in (grade.code, grade.name):
                reference.grades.setdefault(match_key(spelling), grade.pk)
            if grade.code.isdigit():
                number = int(grade.code)
                reference.grade_numbers[number] = grade.pk
                for prefix in GRADE_RANGE_PREFIXES:
                    reference.grades.setdefault(f"{prefix} {number}", grade.pk)
            else:
                for spelling in ("mầm non", "mẫu giáo", "preschool", "nhà trẻ"):
                    reference.grades.setdefault(match_key(spelling), grade.pk)
        return reference

    def subject(self, value: str) -> int | None:
        return self.subjects.get(match_key(value))

    def lesson(self, value: str) -> int | None:
        """The lesson with code ``value`` (``toan-6-12``; case and spaces around it do not
        matter), or None. All lesson codes are read in one query, on the first call."""
        if self._lessons is None:
            rows = LessonUnit.objects.values_list("pk", "subject__code", "grade__code", "number")
            self._lessons = {
                lesson_code(subject_code=subject, grade_code=grade, number=number).casefold(): pk
                for pk, subject, grade, number in rows
            }
        return self._lessons.get(value.strip().casefold())

    def grades_for(self, value: str) -> list[int] | None:
        """One grade ("6", "Lớp 6", "Mầm non") or a range ("6-9", "Lớp 10–12"); None when
        the value is not a grade."""
        key = match_key(value)
        if key in self.grades:
            return [self.grades[key]]
        text = fold(value).replace("–", "-").replace("—", "-")
        for prefix in GRADE_RANGE_PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix) :].strip()
                break
        if "-" in text:
            first, _, last = (part.strip() for part in text.partition("-"))
            if first.isdigit() and last.isdigit() and int(first) <= int(last):
                numbers = range(int(first), int(last) + 1)
                if all(number in self.grade_numbers for number in numbers):
                    return [self.grade_numbers[number] for number in numbers]
        return None
