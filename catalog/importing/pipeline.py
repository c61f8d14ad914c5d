"""The import itself: read → check every row → find duplicates → write everything in one
transaction, or nothing."""

from collections.abc import Callable, Iterable, Iterator

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from taggit.models import Tag

from catalog.models import Copy, DigitalFile, DigitalFormat, LessonUnit, Record, RecordContributor, TaggedRecord
from catalog.services.codes import copy_barcodes_reserve, record_codes_reserve
from catalog.signals import records_bulk_changed
from library_site.libraries.models import Library
from library_site.text import match_key

from . import sources
from .candidates import Candidate
from .marc import marc_candidate
from .report import FILE_LEVEL, Duplicate, ImportReport, RowError
from .tabular import row_candidate
from .vocabulary import CATALOG_COLUMNS, Reference

PROGRESS_EVERY = 250
QUERY_CHUNK = 500  # values per IN (…) query: far below SQLite's and PostgreSQL's limits
BULK_BATCH = 500

Progress = Callable[[int, int], None]


def _chunks(values: Iterable, size: int = QUERY_CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- Reading ---------------------------------------------------------------------------
def _candidates(fmt: str, data: bytes, reference: Reference, report: ImportReport, progress: Progress | None):
    """Every row or record as a candidate, in file order."""
    if fmt in {sources.CSV, sources.XLSX}:
        columns = CATALOG_COLUMNS
        raw_rows = (
            sources.csv_rows(data, columns=columns) if fmt == sources.CSV else sources.xlsx_rows(data, columns=columns)
        )
        table = sources.table_build(raw_rows, columns=columns)
        report.ignored_columns = table.ignored_columns
        items = table.rows

        def build(item):
            line, values = item
            return row_candidate(line, values, table.labels, reference)

    else:
        items = sources.marc_items(data) if fmt == sources.MARC else sources.marcxml_items(data)

        def unreadable(number: int, problem: str) -> Candidate:
            candidate = Candidate(row=number)
            message = _("Record %(number)d cannot be read: %(problem)s.") % {"number": number, "problem": problem}
            candidate.errors.append(RowError(row=number, field=None, message=message))
            return candidate

        def build(item):
            if item.record is None:
                return unreadable(item.number, item.problem)
            try:
                return marc_candidate(item.number, item.record, reference)
            except Exception as exc:  # a structure pymarc accepted but no MARC21 record has
                return unreadable(
                    item.number,
                    _("its fields are not laid out as in MARC21 (%(reason)s)") % {"reason": exc.__class__.__name__},
                )

    total = len(items)
    report.total = total
    if not total:
        if fmt in {sources.MARC, sources.MARCXML}:
            raise sources.FileRefused(_("The file has no records to import."))
        raise sources.FileRefused(_("The file has no data rows below the column headings."))
    candidates = []
    for done, item in enumerate(items, start=1):
        candidates.append(build(item))
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    return candidates


# --- Checks across rows ----------------------------------------------------------------
def _merged_lessons_note(candidates: list[Candidate]) -> None:
    """A duplicate row's values other than its copies are not merged (the record belongs
    to the library that catalogued it), its lessons neither: say so."""
    for candidate in candidates:
        if candidate.is_duplicate and candidate.lesson_ids:
            message = _(
                "This row repeats a record that is already catalogued, so its lessons were not linked: "
                "link them from that record's form."
            )
            candidate.warnings.append(
                RowError(row=candidate.row, field=candidate.labels.get("lessons"), message=message, key="lessons")
            )


def _barcodes_check(candidates: list[Candidate]) -> None:
    """A barcode is used once in the file and not yet in the catalog."""
    first_row: dict[str, int] = {}
    for candidate in candidates:
        for copy in candidate.copies:
            if not copy.barcode:
                continue
            if copy.barcode in first_row:
                candidate.error(
                    "barcodes",
                    _("Barcode %(barcode)s appears more than once in the file (first in row %(row)d).")
                    % {"barcode": copy.barcode, "row": first_row[copy.barcode]},
                )
            else:
                first_row[copy.barcode] = candidate.row
    used: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(first_row):
        for barcode, code, title in Copy.objects.filter(barcode__in=chunk).values_list(
            "barcode", "record__code", "record__title"
        ):
            used[barcode] = (code, title)
    if not used:
        return
    for candidate in candidates:
        for copy in candidate.copies:
            if copy.barcode in used and first_row.get(copy.barcode) == candidate.row:
                code, title = used[copy.barcode]
                candidate.error(
                    "barcodes",
                    _("Barcode %(barcode)s is already used by a copy of “%(title)s” (%(code)s).")
                    % {"barcode": copy.barcode, "title": title, "code": code},
                )


def _compatible(subtitle_a: str, isbn_a: str, subtitle_b: str, isbn_b: str) -> bool:
    """Same title, first author and year, but different ISBNs or different subtitles
    ("Perl: the complete reference" / "Perl: programmer's reference") are two works."""
    if isbn_a and isbn_b and isbn_a != isbn_b:
        return False
    return not (subtitle_a and subtitle_b and match_key(subtitle_a) != match_key(subtitle_b))


def _key_usable(candidate: Candidate) -> bool:
    # A title alone ("Toán 6") is too weak a match: an author or a year must agree too.
    return bool(candidate.title and (candidate.first_author or candidate.year))


def _duplicates_find(candidates: list[Candidate], report: ImportReport) -> None:
    """Mark each row that describes an existing record or an earlier row of the file."""
    isbns = {c.isbn for c in candidates if c.isbn}
    keys = {c.match_key for c in candidates if _key_usable(c)}
    db_by_isbn: dict[str, tuple[int, str, str]] = {}
    for chunk in _chunks(isbns):
        rows = Record.objects.filter(isbn__in=chunk, withdrawn_at__isnull=True).order_by("pk")
        for pk, code, title, isbn in rows.values_list("pk", "code", "title", "isbn"):
            db_by_isbn.setdefault(isbn, (pk, code, title))
    db_by_key: dict[str, list[tuple[int, str, str, str, str]]] = {}
    for chunk in _chunks(keys):
        rows = Record.objects.filter(match_key__in=chunk, withdrawn_at__isnull=True).order_by("pk")
        for pk, code, title, subtitle, isbn, key in rows.values_list(
            "pk", "code", "title", "subtitle", "isbn", "match_key"
        ):
            db_by_key.setdefault(key, []).append((pk, code, title, subtitle, isbn))

    same_isbn, same_key = _("same ISBN"), _("same title, first author and year")
    file_by_isbn: dict[str, Candidate] = {}
    file_by_key: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if not candidate.title:
            continue
        reason_code = reason = match = ""
        if candidate.isbn and candidate.isbn in db_by_isbn:
            pk, code, title = db_by_isbn[candidate.isbn]
            candidate.merge_record = (pk, code)
            reason_code, reason, match = "isbn", same_isbn, f"{code} · {title}"
        elif candidate.isbn and candidate.isbn in file_by_isbn:
            candidate.merge_row = file_by_isbn[candidate.isbn]
            reason_code, reason = "isbn", same_isbn
        elif _key_usable(candidate):
            key = candidate.match_key
            for pk, code, title, subtitle, isbn in db_by_key.get(key, []):
                if _compatible(candidate.subtitle, candidate.isbn, subtitle, isbn):
                    candidate.merge_record = (pk, code)
                    reason_code, reason, match = "title_author_year", same_key, f"{code} · {title}"
                    break
            else:
                for earlier in file_by_key.get(key, []):
                    if _compatible(candidate.subtitle, candidate.isbn, earlier.subtitle, earlier.isbn):
                        candidate.merge_row = earlier
                        reason_code, reason = "title_author_year", same_key
                        break
        if candidate.merge_row is not None:
            report.duplicates.append(
                Duplicate(
                    row=candidate.row,
                    reason_code=reason_code,
                    reason=reason,
                    match=_("Row %(row)d") % {"row": candidate.merge_row.row},
                    other_row=candidate.merge_row.row,
                )
            )
        elif candidate.merge_record is not None:
            report.duplicates.append(
                Duplicate(
                    row=candidate.row,
                    reason_code=reason_code,
                    reason=reason,
                    match=match,
                    record_code=candidate.merge_record[1],
                )
            )
        else:
            if candidate.isbn:
                file_by_isbn.setdefault(candidate.isbn, candidate)
            if _key_usable(candidate):
                file_by_key.setdefault(candidate.match_key, []).append(candidate)


# --- Writing ---------------------------------------------------------------------------
def _tags_ensure(names: set[str]) -> dict[str, int]:
    """Tag ids by name, creating the missing tags in bulk with unique slugs."""
    ids: dict[str, int] = {}
    for chunk in _chunks(names):
        ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "id"))
    missing = sorted(names - ids.keys())
    if not missing:
        return ids
    slugifier = Tag()
    bases = {name: (slugifier.slugify(name)[:90] or "tag") for name in missing}
    taken: set[str] = set()
    for chunk in _chunks(set(bases.values())):
        taken.update(Tag.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    new_tags = []
    loaded: set[str] = set()  # bases whose suffixed slugs ("perl_1", "perl_2") are in ``taken``
    for name in missing:
        base = slug = bases[name]
        suffix = 0
        while slug in taken:  # as taggit does on save: the first free "<slug>_<n>"
            if base not in loaded:
                taken.update(Tag.objects.filter(slug__startswith=base).values_list("slug", flat=True))
                loaded.add(base)
            suffix += 1
            slug = f"{base}_{suffix}"
        taken.add(slug)
        new_tags.append(Tag(name=name, slug=slug))
    Tag.objects.bulk_create(new_tags, batch_size=BULK_BATCH)
    for chunk in _chunks(missing):
        ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "id"))
    return ids


def _write(candidates: list[Candidate], *, library: Library, user, report: ImportReport) -> None:
    new = [candidate for candidate in candidates if not candidate.is_duplicate]
    user = user if getattr(user, "pk", None) else None
    if new:
        for candidate, code in zip(new, record_codes_reserve(count=len(new)), strict=True):
            candidate.record_code = code
        records = [
            Record(
                code=c.record_code,
                title=c.title,
                subtitle=c.subtitle,
                publisher=c.publisher,
                year=c.year,
                edition=c.edition,
                isbn=c.isbn,
                language=c.language,
                summary=c.summary,
                ddc=c.ddc,
                kind=c.kind,
                access_level=c.access_level,
                licence_note=c.licence_note,
                library=library,
                match_key=c.match_key,
                created_by=user,
                updated_by=user,
            )
            for c in new
        ]
        Record.objects.bulk_create(records, batch_size=BULK_BATCH)
        if any(record.pk is None for record in records):  # databases that return no ids
            pks = {}
            for chunk in _chunks([c.record_code for c in new]):
                pks.update(Record.objects.filter(code__in=chunk).values_list("code", "pk"))
            for candidate in new:
                candidate.record_pk = pks[candidate.record_code]
        else:
            for candidate, record in zip(new, records, strict=True):
                candidate.record_pk = record.pk

        RecordContributor.objects.bulk_create(
            [
                RecordContributor(record_id=c.record_pk, name=name, role=role, sort_order=order)
                for c in new
                for order, (name, role) in enumerate(c.contributors)
            ],
            batch_size=BULK_BATCH,
        )
        Record.subjects.through.objects.bulk_create(
            [Record.subjects.through(record_id=c.record_pk, subject_id=s) for c in new for s in c.subject_ids],
            batch_size=BULK_BATCH,
        )
        Record.grades.through.objects.bulk_create(
            [Record.grades.through(record_id=c.record_pk, grade_id=g) for c in new for g in c.grade_ids],
            batch_size=BULK_BATCH,
        )
        LessonUnit.records.through.objects.bulk_create(
            [LessonUnit.records.through(record_id=c.record_pk, lessonunit_id=x) for c in new for x in c.lesson_ids],
            batch_size=BULK_BATCH,
        )
        # One spelling per keyword across the file: the first one met ("Văn học", not also "văn học").
        spelling: dict[str, str] = {}
        for c in new:
            c.keywords = list(dict.fromkeys(spelling.setdefault(k.casefold(), k) for k in c.keywords))
        tag_ids = _tags_ensure(set(spelling.values()))
        TaggedRecord.objects.bulk_create(
            [TaggedRecord(content_object_id=c.record_pk, tag_id=tag_ids[k]) for c in new for k in c.keywords],
            batch_size=BULK_BATCH,
        )
        links = [
            DigitalFile(record_id=c.record_pk, format=DigitalFormat.LINK, url=url, label=label, sort_order=order)
            for c in new
            for order, (url, label) in enumerate(c.links)
        ]
        DigitalFile.objects.bulk_create(links, batch_size=BULK_BATCH)
        report.links_created = len(links)

    copies = [(c, copy) for c in candidates for copy in c.copies]
    to_generate = sum(1 for _candidate, copy in copies if not copy.barcode)
    generated = iter(copy_barcodes_reserve(count=to_generate) if to_generate else [])
    rows = []
    for candidate, copy in copies:
        target = candidate.target()
        record_pk = target[0] if isinstance(target, tuple) else target.record_pk
        rows.append(
            Copy(
                record_id=record_pk,
                library=library,
                barcode=copy.barcode or next(generated),
                call_number=copy.call_number,
                shelf_location=copy.shelf_location,
            )
        )
    Copy.objects.bulk_create(rows, batch_size=BULK_BATCH)
    records_bulk_changed.send(sender=Record, record_ids={c.record_pk for c in new} | {row.record_id for row in rows})
    report.copies_created = len(rows)
    report.created = len(new)
    report.created_codes = [c.record_code for c in new]
    rows_by_number = {c.row: c for c in candidates}
    for duplicate in report.duplicates:
        if duplicate.record_code is None:
            target = rows_by_number[duplicate.row].target()
            duplicate.record_code = target[1] if isinstance(target, tuple) else target.record_code


def catalog_import(
    *,
    library: Library,
    filename: str,
    data: bytes,
    dry_run: bool = False,
    user=None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a catalog file (CSV, XLSX, MARC21 or MARCXML, told apart by content) into
    ``library``: new records are owned by it and every copy is held by it.

    All or nothing: every row is checked first; with any error nothing is written and
    ``committed`` is False. ``dry_run`` checks and counts without writing. ``progress``
    is called with (rows read, total rows) every few hundred rows."""
    report = ImportReport(format="", filename=filename, dry_run=dry_run)
    try:
        report.format = sources.format_detect(data)
        reference = Reference.load()
        candidates = _candidates(report.format, data, reference, report, progress)
    except sources.FileRefused as refusal:
        report.errors.append(RowError(row=FILE_LEVEL, field=None, message=refusal.message))
        return report

    _barcodes_check(candidates)
    _duplicates_find(candidates, report)
    _merged_lessons_note(candidates)
    report.errors = [error for candidate in candidates for error in candidate.errors]
    report.warnings = [warning for candidate in candidates for warning in candidate.warnings]
    if report.errors:
        return report

    if dry_run:
        report.created = sum(1 for c in candidates if not c.is_duplicate)
        report.copies_created = sum(len(c.copies) for c in candidates)
        report.links_created = sum(len(c.links) for c in candidates if not c.is_duplicate)
    else:
        try:
            with transaction.atomic():
                _write(candidates, library=library, user=user, report=report)
        except IntegrityError:
            # Another import or an admin edit took one of the barcodes since the check above.
            report.created = report.copies_created = report.links_created = 0
            report.created_codes = []
            report.errors.append(
                RowError(
                    row=FILE_LEVEL,
                    field=None,
                    message=_(
                        "A barcode of this file was used by someone else while the file was being imported. "
                        "Nothing was saved; please import the file again to see which one."
                    ),
                )
            )
            return report
        report.committed = True
    report.matched = sum(1 for c in candidates if c.is_duplicate)
    if progress:
        progress(report.total, report.total)
    return report
