"""CSV and XLSX rows → candidates (see the package docstring for the columns)."""

import re

from django.utils.translation import gettext as _

from catalog.models import ContributorRole
from library_site.text import nfc

from .candidates import Candidate, summary_clean
from .vocabulary import MULTI_SEPARATOR, Reference, access_lookup, kind_lookup, language_lookup, role_lookup

_ROLE_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<role>[^()]*)\)\s*$")
_LIST_SEPARATORS = re.compile(r"[;,]")
_SCIENTIFIC = re.compile(r"^\d[.,]\d+E\+?\d+$", re.IGNORECASE)  # 9.78604E+12: Excel's display of a long number


def split_list(value: str, separators: re.Pattern | str = MULTI_SEPARATOR) -> list[str]:
    parts = separators.split(value) if isinstance(separators, re.Pattern) else value.split(separators)
    return [part.strip() for part in parts if part.strip()]


def contributor_parse(value: str) -> tuple[str, str]:
    """ "Nguyễn Văn A (dịch)" → ("Nguyễn Văn A", "translator"). A parenthesis that is not a
    role ("Lowe, Vincent (Vincent D.)") stays part of the name."""
    match = _ROLE_SUFFIX.match(value)
    if match:
        role = role_lookup(match.group("role"))
        if role and match.group("name"):
            return nfc(match.group("name")), role
    return nfc(value), ContributorRole.AUTHOR


def row_candidate(line: int, values: dict[str, str], labels: dict[str, str], reference: Reference) -> Candidate:
    candidate = Candidate(row=line, labels=labels)
    get = values.get

    candidate.title = nfc(get("title"))
    if not candidate.title:
        candidate.error("title", _("The title is empty."))
    candidate.subtitle = nfc(get("subtitle"))
    candidate.publisher = nfc(get("publisher"))
    candidate.edition = nfc(get("edition"))
    candidate.summary = summary_clean(get("summary", ""))
    candidate.licence_note = nfc(get("licence_note"))
    candidate.contributors = [contributor_parse(name) for name in split_list(get("authors", ""))]
    if get("year"):
        candidate.set_year(get("year"))
    if get("isbn"):
        if _SCIENTIFIC.match(get("isbn")):
            message = _(
                "ISBN %(value)s was turned into a number by Excel. Format the ISBN column as Text, type the "
                "ISBNs again and save the file again."
            )
            candidate.error("isbn", message % {"value": get("isbn")})
        else:
            candidate.set_isbn(get("isbn"))
    if get("ddc"):
        candidate.set_ddc(get("ddc"))

    if get("language"):
        language = language_lookup(get("language"))
        if language:
            candidate.language = language
        else:
            candidate.error(
                "language",
                _("Unknown language “%(value)s”. Use e.g. Tiếng Việt, Tiếng Anh or a code such as vi, en.")
                % {"value": get("language")},
            )
    if get("kind"):
        kind = kind_lookup(get("kind"))
        if kind:
            candidate.kind = kind
        else:
            candidate.error(
                "kind",
                _("Unknown material kind “%(value)s”. Use e.g. Sách in, Sách điện tử, Sách nói, Video, Giáo án.")
                % {"value": get("kind")},
            )
    if get("access"):
        access = access_lookup(get("access"))
        if access:
            candidate.access_level = access
        else:
            candidate.error(
                "access",
                _("Unknown access level “%(value)s”. Use Mọi người, Bạn đọc đã đăng nhập or Cán bộ thư viện.")
                % {"value": get("access")},
            )

    for value in split_list(get("subjects", "")):
        subject_id = reference.subject(value)
        if subject_id is None:
            candidate.error(
                "subjects",
                _("Unknown subject “%(value)s”. Use a subject of the 2018 curriculum, e.g. Toán or ngu-van.")
                % {"value": value},
            )
        elif subject_id not in candidate.subject_ids:
            candidate.subject_ids.append(subject_id)
    for value in split_list(get("grades", ""), _LIST_SEPARATORS):
        grade_ids = reference.grades_for(value)
        if grade_ids is None:
            message = _("Unknown grade “%(value)s”. Use 1 to 12, a range such as 6-9, or Mầm non.")
            candidate.error("grades", message % {"value": value})
            continue
        candidate.grade_ids += [grade_id for grade_id in grade_ids if grade_id not in candidate.grade_ids]
    for value in split_list(get("lessons", "")):
        lesson_id = reference.lesson(value)
        if lesson_id is None:
            message = _(
                "Unknown lesson “%(value)s”. Write the lesson's code: subject code-grade-lesson number, e.g. "
                "toan-6-12 (the codes are listed in Catalog → Lesson units)."
            )
            candidate.error("lessons", message % {"value": value})
        elif lesson_id not in candidate.lesson_ids:
            candidate.lesson_ids.append(lesson_id)
    for value in split_list(get("keywords", "")):
        candidate.add_keyword(value)
    call_number, shelf_location = get("call_number", ""), get("shelf_location", "")
    for barcode in split_list(get("barcodes", ""), _LIST_SEPARATORS):
        candidate.add_copy(barcode, call_number, shelf_location)
    for url in split_list(get("links", "")):
        candidate.add_link(url)
    candidate.check_lengths()
    candidate.check_characters()
    return candidate
