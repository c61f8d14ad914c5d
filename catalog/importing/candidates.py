"""A record as read from one row or MARC record, before it is written: values already
normalised and checked, with the problems found. Shared by the CSV/XLSX and MARC
readers."""

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.isbn import isbn_normalise
from catalog.models import AccessLevel, ContributorRole, Language, MaterialKind, Record
from catalog.services.records import record_match_key
from library_site.text import nfc

from .report import RowError

MIN_YEAR = 1000
MATCH_KEY_LENGTH = Record._meta.get_field("match_key").max_length
BARCODE_PATTERN = re.compile(r"^[A-Za-z0-9\-]{4,32}$")  # as catalog.models.barcode_validator
DDC_PATTERN = re.compile(r"^\d{3}(\.\d+)?$")  # as catalog.models.ddc_validator
_DDC_LEADING = re.compile(r"^\d{3}(\.\d+)?")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_url_validator = URLValidator(schemes=["http", "https", "ftp"])

# Field lengths of the models (checked here so PostgreSQL never rejects a row).
MAX_LENGTHS = {
    "title": 500,
    "subtitle": 500,
    "publisher": 255,
    "edition": 100,
    "licence_note": 500,
    "contributor": 255,
    "call_number": 64,
    "shelf_location": 100,
    "keyword": 100,
    "link": 1000,
    "link_label": 200,
}


@dataclass
class CopyIn:
    barcode: str  # upper case; "" = give the copy a generated barcode
    call_number: str = ""
    shelf_location: str = ""


@dataclass
class Candidate:
    row: int
    labels: dict[str, str] = field(default_factory=dict)  # key → heading or MARC tag, for errors
    title: str = ""
    subtitle: str = ""
    contributors: list[tuple[str, str]] = field(default_factory=list)  # (name, role)
    publisher: str = ""
    year: int | None = None
    edition: str = ""
    isbn: str = ""
    language: str = Language.VIETNAMESE
    summary: str = ""
    ddc: str = ""
    subject_ids: list[int] = field(default_factory=list)
    grade_ids: list[int] = field(default_factory=list)
    lesson_ids: list[int] = field(default_factory=list)  # LessonUnit pks (CSV/XLSX lessons column)
    keywords: list[str] = field(default_factory=list)
    kind: str = MaterialKind.PRINTED_BOOK
    access_level: str = AccessLevel.PUBLIC
    licence_note: str = ""
    copies: list[CopyIn] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (url, label)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # noted, but the row is imported
    # Set while looking for duplicates:
    merge_record: tuple[int, str] | None = None  # (pk, code) of an existing record
    merge_row: "Candidate | None" = None  # an earlier row that becomes the record
    record_pk: int | None = None
    record_code: str = ""

    def error(self, key: str | None, message: str) -> None:
        label = self.labels.get(key) if key else None
        self.errors.append(RowError(row=self.row, field=label, message=message, key=key))

    @property
    def first_author(self) -> str:
        """As ``Record.first_author``: the first author, else the first contributor."""
        for name, role in self.contributors:
            if role == ContributorRole.AUTHOR:
                return name
        return self.contributors[0][0] if self.contributors else ""

    @functools.cached_property
    def match_key(self) -> str:
        """Computed once, when the row has been read (title, contributors and year no longer change)."""
        key = record_match_key(title=self.title, first_author=self.first_author, year=self.year)
        return key[:MATCH_KEY_LENGTH]

    @property
    def is_duplicate(self) -> bool:
        return self.merge_record is not None or self.merge_row is not None

    def target(self) -> "tuple[int, str] | Candidate":
        """The existing record (pk, code) or the new row this one ends up in."""
        if self.merge_record is not None:
            return self.merge_record
        if self.merge_row is not None:
            return self.merge_row.target()
        return self

    # --- Checks shared by every format -------------------------------------------------
    def set_isbn(self, raw: str, key: str = "isbn") -> None:
        try:
            self.isbn = isbn_normalise(raw)
        except ValidationError as exc:
            self.error(key, " ".join(exc.messages))

    def set_year(self, raw: str, key: str = "year") -> None:
        match = _YEAR.search(raw)
        if not match:
            self.error(key, _("“%(value)s” is not a year: write four digits, e.g. 2019.") % {"value": raw})
            return
        year = int(match.group(1))
        latest = datetime.date.today().year + 1
        if not MIN_YEAR <= year <= latest:
            self.error(
                key,
                _("Year %(year)d is out of range: it must be between %(min)d and %(max)d.")
                % {"year": year, "min": MIN_YEAR, "max": latest},
            )
            return
        self.year = year

    def set_ddc(self, raw: str, key: str = "ddc", *, leading_part: bool = False) -> None:
        """A DDC class such as 895.922; prime marks ("005.13/3") are dropped. With
        ``leading_part`` (MARC 082) anything after the number, e.g. an edition, is dropped."""
        value = raw.replace("/", "").replace("'", "").replace(" ", "").strip()
        if leading_part:
            match = _DDC_LEADING.match(value)
            value = match.group(0) if match else value
        if not DDC_PATTERN.match(value) or len(value) > 20:
            message = _("DDC class “%(value)s” is not valid: a DDC class looks like 895.922 or 510.")
            self.error(key, message % {"value": raw})
            return
        self.ddc = value

    def add_keyword(self, raw: str, key: str = "keywords") -> None:
        keyword = nfc(raw)
        if not keyword:
            return
        if len(keyword) > MAX_LENGTHS["keyword"]:
            self.error(
                key,
                _("Keyword “%(value)s…” is longer than %(max)d characters.")
                % {"value": keyword[:40], "max": MAX_LENGTHS["keyword"]},
            )
            return
        if keyword.casefold() not in {existing.casefold() for existing in self.keywords}:
            self.keywords.append(keyword)

    def add_copy(self, barcode: str, call_number: str, shelf_location: str, key: str = "barcodes") -> None:
        barcode = nfc(barcode).upper()
        if barcode and not BARCODE_PATTERN.match(barcode):
            self.error(
                key,
                _("Barcode “%(value)s” is not valid: a barcode has 4–32 letters without diacritics, digits or hyphens.")
                % {"value": barcode},
            )
            return
        self.copies.append(CopyIn(barcode=barcode, call_number=nfc(call_number), shelf_location=nfc(shelf_location)))

    def add_link(self, raw: str, label: str = "", key: str = "links", *, strict: bool = True) -> None:
        """An external link; one that is not a web address is an error, or with
        ``strict=False`` (MARC 856, which often holds local file paths) a warning."""
        url = raw.strip()
        try:
            _url_validator(url)
        except ValidationError:
            if strict:
                self.error(key, _("“%(value)s” is not a web address (it should start with https://).") % {"value": url})
            else:
                message = _("“%(value)s” is not a web address, so no link was made for it.") % {"value": url}
                self.warnings.append(RowError(row=self.row, field=self.labels.get(key), message=message, key=key))
            return
        self.links.append((url, nfc(label)))

    def check_lengths(self) -> None:
        """Values longer than the database allows; after everything else is read."""
        limit = MAX_LENGTHS

        def too_long(key: str, name: str, max_key: str | None = None) -> None:
            max_length = limit[max_key or key]
            self.error(key, _("%(field)s is longer than %(max)d characters.") % {"field": name, "max": max_length})

        for key, name in (
            ("title", gettext_lazy("The title")),
            ("subtitle", gettext_lazy("The subtitle")),
            ("publisher", gettext_lazy("The publisher")),
            ("edition", gettext_lazy("The edition")),
            ("licence_note", gettext_lazy("The licence note")),
        ):
            if len(getattr(self, key)) > limit[key]:
                too_long(key, str(name))
        if any(len(name) > limit["contributor"] for name, _role in self.contributors):
            too_long("authors", _("A contributor's name"), "contributor")
        if any(len(copy.call_number) > limit["call_number"] for copy in self.copies):
            too_long("call_number", _("The call number"))
        if any(len(copy.shelf_location) > limit["shelf_location"] for copy in self.copies):
            too_long("shelf_location", _("The shelf location"))
        if any(len(url) > limit["link"] for url, _label in self.links):
            too_long("links", _("A link"), "link")
        self.links = [(url, label[: limit["link_label"]]) for url, label in self.links]

    def check_characters(self) -> None:
        """Control characters (NUL, ESC…) in any text; one error per column."""
        values = {
            "title": [self.title],
            "subtitle": [self.subtitle],
            "publisher": [self.publisher],
            "edition": [self.edition],
            "licence_note": [self.licence_note],
            "summary": [self.summary],
            "authors": [name for name, _role in self.contributors],
            "keywords": list(self.keywords),
            "call_number": [copy.call_number for copy in self.copies],
            "shelf_location": [copy.shelf_location for copy in self.copies],
            "links": [label for _url, label in self.links],
        }
        for key, texts in values.items():
            found = next(filter(None, map(control_character, texts)), None)
            if found:
                self.error(
                    key,
                    _(
                        "The value contains a control character (%(character)s) that cannot be stored: "
                        "remove it from the file."
                    )
                    % {"character": found},
                )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 and DEL; tab and line breaks are text


def control_character(value: str) -> str | None:
    """The first control character in ``value`` as "U+0000", or None. PostgreSQL cannot
    store NUL at all, and no catalog value holds the others on purpose (they come from
    damaged files or copied terminal output)."""
    match = _CONTROL.search(value or "")
    return f"U+{ord(match.group()):04X}" if match else None


def summary_clean(value: str) -> str:
    """NFC, but line breaks kept (a summary has paragraphs), as "\n"."""
    return unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
