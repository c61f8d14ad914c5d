"""Catalog export: CSV (the import's Vietnamese headings), MARC21 binary and MARCXML.

    catalog_export(records=Record.objects.filter(...), format="csv" | "marc" | "marcxml") -> bytes

What is exported can be imported again: exporting a catalog and importing the file into
an empty database recreates its records, contributors, subjects, grades, keywords, links
and copies (record codes are given anew). The MARC fields are those the import reads
(see ``catalog.importing``):

    001 code · 005 last change · 008 date entered, year, country vm, language
    020 $a ISBN-13 · 041 $a language · 082 04 $a DDC $2 23
    100 (first contributor, when an author) / 700 (the others): $a name, $e role, $4 relator
    245 $a title " :" $b subtitle · 250 $a edition · 264 _1 $b publisher $c year
    506 $a access label $f public|readers|staff · 520 $a summary · 521 $a grades ("Lớp 6; Lớp 7")
    540 $a licence note · 650 _4 $a subject name · 653 $a keyword · 856 40 $u link $y label
    942 $c kind (our value, Koha's item type field) · 952 one per copy: $a/$b library code,
        $p barcode, $o call number, $c shelf location

Leader: record type (06) from the kind, 09 ``a`` (UTF-8). Withdrawn copies are left out.
CSV is UTF-8 with a BOM so Excel shows Vietnamese letters; a cell a spreadsheet would take
for a formula gets a leading apostrophe (``library_site.spreadsheets.cell_escape``; the
import removes that apostrophe again)."""

import io
import itertools
import re
from collections import Counter
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

import pymarc
from pymarc import Field, Indicators, Subfield

from catalog.importing.vocabulary import (
    COLUMNS,
    LANGUAGE_TO_MARC,
    ROLE_TO_RELATOR,
    access_name,
    kind_name,
    language_name,
    role_suffix,
)
from catalog.models import (
    AccessLevel,
    ContributorRole,
    Copy,
    CopyStatus,
    DigitalFile,
    DigitalFormat,
    MaterialKind,
    Record,
)
from library_site.libraries.models import Library
from library_site.spreadsheets import csv_bytes

FORMATS = ("csv", "marc", "marcxml")
CHUNK = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MARC_FIELD_BYTES = 9000  # a MARC field holds at most 9,999 bytes

LEADER_TYPES = {
    MaterialKind.AUDIOBOOK: "i",
    MaterialKind.VIDEO: "g",
    MaterialKind.IMAGE: "k",
    MaterialKind.ELEARNING_LECTURE: "m",
    MaterialKind.ONLINE_LESSON: "m",
}
ONLINE_KINDS = {MaterialKind.EBOOK, MaterialKind.DIGITISED_BOOK}
ROLE_TERMS = {
    ContributorRole.AUTHOR: "author",
    ContributorRole.EDITOR: "editor",
    ContributorRole.TRANSLATOR: "translator",
    ContributorRole.ILLUSTRATOR: "illustrator",
}


def _records(records: QuerySet, library: Library | None) -> Iterator[Record]:
    copies = Copy.objects.exclude(status=CopyStatus.WITHDRAWN).select_related("library").order_by("barcode")
    if library is not None:
        copies = copies.filter(library=library)
    return records.prefetch_related(
        "contributors",
        "subjects",
        "grades",
        "lessons__subject",
        "lessons__grade",
        "tagged_items__tag",
        Prefetch("copies", queryset=copies, to_attr="export_copies"),
        Prefetch(
            "digital_files",
            queryset=DigitalFile.objects.filter(format=DigitalFormat.LINK).order_by("sort_order", "pk"),
            to_attr="export_links",
        ),
    ).iterator(chunk_size=CHUNK)


def _keywords(record: Record) -> list[str]:
    return sorted((item.tag.name for item in record.tagged_items.all()), key=str.casefold)


def _most_common(values: list[str]) -> str:
    values = [value for value in values if value]
    return Counter(values).most_common(1)[0][0] if values else ""


# --- CSV -------------------------------------------------------------------------------
def _csv_values(record: Record) -> dict[str, str]:
    copies = record.export_copies
    return {
        "code": record.code,
        "title": record.title,
        "subtitle": record.subtitle,
        "authors": "; ".join(c.name + role_suffix(c.role) for c in record.contributors.all()),
        "publisher": record.publisher,
        "year": str(record.year or ""),
        "edition": record.edition,
        "isbn": record.isbn,
        "language": language_name(record.language),
        "summary": record.summary,
        "ddc": record.ddc,
        "subjects": "; ".join(subject.name for subject in record.subjects.all()),
        "grades": "; ".join(grade.name for grade in record.grades.all()),
        "lessons": "; ".join(lesson.code for lesson in record.lessons.all()),
        "keywords": "; ".join(_keywords(record)),
        "kind": kind_name(record.kind),
        "access": access_name(record.access_level),
        "licence_note": record.licence_note,
        "barcodes": "; ".join(copy.barcode for copy in copies),
        "call_number": _most_common([copy.call_number for copy in copies]),
        "shelf_location": _most_common([copy.shelf_location for copy in copies]),
        "links": "; ".join(link.url for link in record.export_links),
    }


def _csv(records: Iterator[Record]) -> bytes:
    columns = [column for column in COLUMNS if column.key == "code"]
    columns += [column for column in COLUMNS if column.key != "code"]
    heading = [column.vietnamese for column in columns]
    rows = ([_csv_values(record)[column.key] for column in columns] for record in records)
    return csv_bytes(itertools.chain([heading], rows))


# --- MARC ------------------------------------------------------------------------------
def _text(value) -> str:
    return _CONTROL.sub("", str(value or ""))


def _field(tag: str, indicators: str, *subfields: tuple[str, str]) -> Field | None:
    pairs = [Subfield(code, _text(value)) for code, value in subfields if _text(value).strip()]
    if not pairs:
        return None
    return Field(tag=tag, indicators=Indicators(indicators[0], indicators[1]), subfields=pairs)


def _split_bytes(value: str, limit: int = MARC_FIELD_BYTES) -> list[str]:
    """Long text in pieces that each fit one MARC field, cut at spaces."""
    parts = []
    while len(value.encode("utf-8")) > limit:
        cut = value.encode("utf-8")[:limit].decode("utf-8", "ignore")
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
        parts.append(cut)
        value = value[len(cut) :].lstrip()
    return [*parts, value] if value else parts


def marc_record(record: Record) -> pymarc.Record:
    """One record, with its copies (``export_copies``) and links (``export_links``) as
    prefetched by the export."""
    record_type = LEADER_TYPES.get(record.kind, "a")
    marc = pymarc.Record(force_utf8=True, leader=f"00000n{record_type}m a2200000 i 4500")
    entered = timezone.localtime(record.created_at).strftime("%y%m%d") if record.created_at else "000000"
    form = "o" if record.kind in ONLINE_KINDS else " "
    language = LANGUAGE_TO_MARC.get(record.language, "mul")
    year = f"{record.year:04d}" if record.year else "uuuu"
    fixed = f"{entered}{'s' if record.year else 'n'}{year}    vm {' ' * 5}{form}{' ' * 11}{language} d"
    changed = timezone.localtime(record.updated_at).strftime("%Y%m%d%H%M%S.0") if record.updated_at else ""
    fields: list[Field | None] = [
        Field(tag="001", data=record.code),
        Field(tag="005", data=changed) if changed else None,
        Field(tag="008", data=fixed),
    ]
    if record.kind in ONLINE_KINDS:
        fields.insert(2, Field(tag="007", data="cr"))
    fields += [
        _field("020", "  ", ("a", record.isbn)),
        _field("041", "0 ", ("a", language)),
        _field("082", "04", ("a", record.ddc), ("2", "23") if record.ddc else ("2", "")),
    ]
    contributors = list(record.contributors.all())
    for index, contributor in enumerate(contributors):
        tag = "100" if index == 0 and contributor.role == ContributorRole.AUTHOR else "700"
        fields.append(
            _field(
                tag,
                ("1" if "," in contributor.name else "0") + " ",
                ("a", contributor.name),
                ("e", ROLE_TERMS[contributor.role]),
                ("4", ROLE_TO_RELATOR[contributor.role]),
            )
        )
    main_entry = bool(contributors) and contributors[0].role == ContributorRole.AUTHOR
    title = record.title + (" :" if record.subtitle else "")
    fields += [
        _field("245", ("1" if main_entry else "0") + "0", ("a", title), ("b", record.subtitle)),
        _field("250", "  ", ("a", record.edition)),
        _field("264", " 1", ("b", record.publisher), ("c", str(record.year or ""))),
        _field(
            "506",
            ("0" if record.access_level == AccessLevel.PUBLIC else "1") + " ",
            ("a", access_name(record.access_level)),
            ("f", record.access_level),
        ),
    ]
    fields += [_field("520", "  ", ("a", part)) for part in _split_bytes(record.summary)]
    grades = "; ".join(grade.name for grade in record.grades.all())
    fields += [_field("521", "  ", ("a", grades)), _field("540", "  ", ("a", record.licence_note))]
    fields += [_field("650", " 4", ("a", subject.name)) for subject in record.subjects.all()]
    fields += [_field("653", "  ", ("a", keyword)) for keyword in _keywords(record)]
    fields += [_field("856", "40", ("u", link.url), ("y", link.label)) for link in record.export_links]
    fields.append(_field("942", "  ", ("c", record.kind)))
    for copy in record.export_copies:
        fields.append(
            _field(
                "952",
                "  ",
                ("a", copy.library.code),
                ("b", copy.library.code),
                ("p", copy.barcode),
                ("o", copy.call_number),
                ("c", copy.shelf_location),
            )
        )
    for marc_field in fields:
        if marc_field is not None:
            marc.add_ordered_field(marc_field)
    return marc


def catalog_export(*, records: QuerySet[Record], format: str, library: Library | None = None) -> bytes:
    """The records as ``csv``, ``marc`` (MARC21 binary, UTF-8) or ``marcxml``, with their
    copies — all of them, or only those held by ``library`` when it is given."""
    if format not in FORMATS:
        raise ValueError(f"Unknown export format {format!r}: use one of {', '.join(FORMATS)}.")
    rows = _records(records, library)
    if format == "csv":
        return _csv(rows)
    if format == "marc":
        return b"".join(marc_record(record).as_marc() for record in rows)
    buffer = io.BytesIO()
    writer = pymarc.XMLWriter(buffer)
    for record in rows:
        writer.write(marc_record(record))
    writer.close(close_fh=False)
    return buffer.getvalue()
