"""MARC21 records (binary or MARCXML) → candidates. The mapping is described in the
package docstring (``catalog.importing``); ``catalog.exporting`` writes the same fields."""

import re

from django.utils.translation import gettext as _

import pymarc

from catalog.models import ContributorRole, Language, MaterialKind
from library_site.text import nfc

from .candidates import Candidate, summary_clean
from .vocabulary import MARC_LANGUAGES, Reference, access_lookup, kind_lookup, role_lookup

MARC_LABELS = {
    "title": "245",
    "subtitle": "245",
    "authors": "100/700",
    "publisher": "260/264",
    "year": "260/264",
    "edition": "250",
    "isbn": "020",
    "language": "041",
    "summary": "520",
    "ddc": "082",
    "subjects": "650",
    "grades": "521",
    "keywords": "650/653",
    "kind": "942",
    "access": "506",
    "licence_note": "540",
    "barcodes": "952/852",
    "call_number": "952/852",
    "shelf_location": "952/852",
    "links": "856",
}

_TRAILING_ISBD = re.compile(r"[\s/:;=,]+$")
_ISBN_TOKEN = re.compile(r"[0-9Xx][0-9Xx\- ]*[0-9Xx]")
_DIGITAL_FORMS = {"o", "q", "s"}  # 008/23 form of item: online, direct electronic, electronic


def isbd_strip(value: str | None) -> str:
    """Drop the ISBD punctuation that ends a MARC subfield: " /", " :", " ;", " =", ","
    and a final full stop (but not the full stop of an initial, "Brown, Martin C.", or of
    an ellipsis)."""
    text = _TRAILING_ISBD.sub("", nfc(value))
    if text.endswith(".") and not text.endswith("...") and not _ends_with_initial(text):
        text = _TRAILING_ISBD.sub("", text[:-1])
    return text


def _ends_with_initial(text: str) -> bool:
    """ "Brown, Martin C." — a single capital letter before the final full stop."""
    return len(text) >= 2 and text[-2].isupper() and (len(text) == 2 or text[-3] in " .,-")


def _first(record: pymarc.Record, tags: tuple[str, ...], code: str) -> str:
    for marc_field in record.get_fields(*tags):
        for value in marc_field.get_subfields(code):
            if value and value.strip():
                return value
    return ""


def _control(record: pymarc.Record, tag: str) -> str:
    fields = record.get_fields(tag)
    return (fields[0].data or "") if fields and fields[0].is_control_field() else ""


def _subfields(marc_field: pymarc.Field, *codes: str) -> list[str]:
    return [value for value in marc_field.get_subfields(*codes) if value and value.strip()]


def _kind(record: pymarc.Record, leader: str) -> str:
    local = _first(record, ("942",), "c")
    if local and kind_lookup(local):
        return kind_lookup(local)
    record_type = leader[6:7]
    if record_type in {"a", "t"}:
        physical = _control(record, "007")
        fixed = _control(record, "008")
        online = any(f.get_subfields("u") and f.indicator2 != "2" for f in record.get_fields("856"))
        if physical.startswith("c") or online or fixed[23:24] in _DIGITAL_FORMS:
            return MaterialKind.EBOOK
        return MaterialKind.PRINTED_BOOK
    return {
        "i": MaterialKind.AUDIOBOOK,
        "j": MaterialKind.AUDIOBOOK,
        "g": MaterialKind.VIDEO,
        "k": MaterialKind.IMAGE,
        "m": MaterialKind.ELEARNING_LECTURE,
    }.get(record_type, MaterialKind.PRINTED_BOOK)


def _contributors(record: pymarc.Record) -> list[tuple[str, str]]:
    fields = sorted(record.get_fields("100", "110", "700", "710"), key=lambda f: f.tag[0])  # 1XX first
    contributors = []
    for marc_field in fields:
        name = isbd_strip(marc_field.get("a"))
        if not name:
            continue
        role = None
        for value in _subfields(marc_field, "4", "e"):
            role = role_lookup(isbd_strip(value))
            if role:
                break
        contributors.append((name, role or ContributorRole.AUTHOR))
    return contributors


def _language(record: pymarc.Record) -> str:
    code = _first(record, ("041",), "a").strip().lower()[:3]
    if not code:
        fixed = _control(record, "008")
        code = fixed[35:38].strip().lower() if len(fixed) >= 38 else ""
    if not code or not code.isalpha():
        return Language.VIETNAMESE  # nothing said: the catalog's usual language
    return MARC_LANGUAGES.get(code, Language.OTHER)


def marc_candidate(number: int, record: pymarc.Record, reference: Reference) -> Candidate:
    candidate = Candidate(row=number, labels=MARC_LABELS)
    leader = str(record.leader or "")

    title_field = (record.get_fields("245") or [None])[0]
    if title_field is not None:
        parts = [isbd_strip(title_field.get("a"))]
        parts += [isbd_strip(value) for value in _subfields(title_field, "n", "p")]
        candidate.title = ". ".join(part for part in parts if part)
        candidate.subtitle = isbd_strip(title_field.get("b"))
    if not candidate.title:
        candidate.error("title", _("The record has no title (field 245 $a)."))

    candidate.contributors = _contributors(record)

    imprint = (
        record.get_fields("260")
        or [marc_field for marc_field in record.get_fields("264") if marc_field.indicator2 == "1"]
        or record.get_fields("264")
    )
    candidate.publisher = isbd_strip(next((v for f in imprint for v in _subfields(f, "b")), ""))
    date = next((value for marc_field in imprint for value in _subfields(marc_field, "c")), "")
    fixed = _control(record, "008")
    if not re.search(r"\d{4}", date) and fixed[7:11].isdigit():
        date = fixed[7:11]
    if date.strip():
        candidate.set_year(date)

    candidate.edition = isbd_strip(_first(record, ("250",), "a"))
    isbn = _first(record, ("020",), "a")
    if isbn:
        token = _ISBN_TOKEN.search(isbn)
        candidate.set_isbn(token.group(0) if token else isbn)
    candidate.language = _language(record)
    candidate.summary = "\n\n".join(
        summary_clean(value) for marc_field in record.get_fields("520") for value in _subfields(marc_field, "a")
    )
    ddc = _first(record, ("082",), "a")
    if ddc:
        candidate.set_ddc(ddc, leading_part=True)

    for marc_field in record.get_fields("650", "653"):
        for value in _subfields(marc_field, "a"):
            term = isbd_strip(value)
            subject_id = reference.subject(term) if marc_field.tag == "650" else None
            if subject_id is not None:
                if subject_id not in candidate.subject_ids:
                    candidate.subject_ids.append(subject_id)
            else:
                candidate.add_keyword(term, key="keywords")
    for marc_field in record.get_fields("521"):
        # A target-audience note: used when every part names a grade ("Lớp 6; Lớp 7").
        parts = [part for value in _subfields(marc_field, "a") for part in re.split(r"[;,]", isbd_strip(value))]
        found = [reference.grades_for(part.strip()) for part in parts if part.strip()]
        if found and all(grade_ids is not None for grade_ids in found):
            for grade_ids in found:
                candidate.grade_ids += [grade_id for grade_id in grade_ids if grade_id not in candidate.grade_ids]

    candidate.kind = _kind(record, leader)
    for marc_field in record.get_fields("506"):
        access = next((access_lookup(value) for value in _subfields(marc_field, "f") if access_lookup(value)), None)
        if access:
            candidate.access_level = access
    candidate.licence_note = isbd_strip(_first(record, ("540",), "a"))

    for marc_field in record.get_fields("856"):
        label = next(iter(_subfields(marc_field, "y", "3", "z")), "")
        for url in _subfields(marc_field, "u"):
            candidate.add_link(url, label, strict=False)
    for marc_field in record.get_fields("952"):
        candidate.add_copy(marc_field.get("p") or "", marc_field.get("o") or "", marc_field.get("c") or "")
    for marc_field in record.get_fields("852"):
        barcode = marc_field.get("p") or ""
        if barcode.strip():  # an 852 without an item barcode describes a location, not a copy
            call_number = " ".join(_subfields(marc_field, "h", "i"))
            candidate.add_copy(barcode, call_number, marc_field.get("c") or "")
    candidate.check_lengths()
    candidate.check_characters()
    return candidate
