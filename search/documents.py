"""A catalog record as both engines index it: the searchable text (NFC, and folded for
queries typed without diacritics), the filters and facets, and a summary of holdings
(which libraries hold copies, how many are available, whether there is a digital file).

``record_documents`` reads records in batches, a few flat queries per batch (not per
record), so indexing 100,000 records is not held back by the database reads."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from catalog.models import Copy, CopyStatus, DigitalFile, Record, RecordContributor, TaggedRecord
from library_site.libraries.models import Library
from library_site.text import nfc

UNCOUNTED_COPY_STATUSES = {CopyStatus.LOST, CopyStatus.WITHDRAWN}


@dataclass(frozen=True)
class Holding:
    library_id: int
    library_name: str
    available: int
    total: int


@dataclass(frozen=True)
class RecordDocument:
    id: int
    title: str  # NFC, with the subtitle
    contributors: tuple[str, ...]
    subjects: tuple[str, ...]  # codes
    subject_names: tuple[str, ...]
    grades: tuple[str, ...]  # codes
    keywords: tuple[str, ...]
    summary: str
    publisher: str
    isbn: str
    kind: str
    language: str
    year: int | None
    access_level: str
    owner_library_id: int
    holdings: tuple[Holding, ...]
    has_digital: bool
    cover_id: int | None
    created_at_iso: str

    @property
    def library_ids(self) -> tuple[int, ...]:
        """Libraries that hold the record: its owner and every library with a copy."""
        return tuple(sorted({self.owner_library_id, *(h.library_id for h in self.holdings)}))

    @property
    def available_library_ids(self) -> tuple[int, ...]:
        return tuple(h.library_id for h in self.holdings if h.available)


def indexable_records():
    """The records the index holds: every record not withdrawn."""
    return Record.objects.filter(withdrawn_at__isnull=True)


def record_documents(record_ids: Iterable[int] | None = None, *, batch_size: int = 500) -> Iterator[RecordDocument]:
    """Documents of these records (or all), in primary-key order, batch by batch.

    Each batch costs seven flat queries (records, contributors, subjects, grades, keywords,
    digital files, copies) read as tuples: ``prefetch_related`` would build a queryset per
    record and relation, which made a full rebuild CPU-bound at ~1,000 records/s. The
    documents are plain data, built from tuples."""
    queryset = indexable_records().order_by("pk")
    fields = ["pk", "title", "subtitle", "summary", "publisher", "isbn", "kind", "language", "year"]
    fields += ["access_level", "library_id", "cover_id", "created_at"]
    library_names = {pk: short or name for pk, name, short in Library.objects.values_list("pk", "name", "short_name")}
    if record_ids is not None:
        # A batch of the given ids per query: filtering every batch by all the ids (an
        # import indexes thousands) made the database read the whole list again each time.
        ids = sorted(set(record_ids))
        for start in range(0, len(ids), batch_size):
            rows = list(queryset.filter(pk__in=ids[start : start + batch_size]).values_list(*fields))
            if rows:
                yield from _batch_documents(rows, library_names)
        return
    last_pk = 0
    while True:
        rows = list(queryset.filter(pk__gt=last_pk).values_list(*fields)[:batch_size])
        if not rows:
            return
        yield from _batch_documents(rows, library_names)
        last_pk = rows[-1][0]


def _grouped(pairs) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for key, *value in pairs:
        grouped.setdefault(key, []).append(value[0] if len(value) == 1 else tuple(value))
    return grouped


def _batch_documents(rows: list[tuple], library_names: dict[int, str]) -> Iterator[RecordDocument]:
    pks = [row[0] for row in rows]
    contributors = _grouped(
        RecordContributor.objects.filter(record_id__in=pks)
        .order_by("record_id", "sort_order", "pk")
        .values_list("record_id", "name")
    )
    subjects = _grouped(
        Record.subjects.through.objects.filter(record_id__in=pks)
        .order_by("record_id", "subject__sort_order", "subject__name")
        .values_list("record_id", "subject__code", "subject__name")
    )
    grades = _grouped(
        Record.grades.through.objects.filter(record_id__in=pks)
        .order_by("record_id", "grade__sort_order")
        .values_list("record_id", "grade__code")
    )
    keywords = _grouped(
        TaggedRecord.objects.filter(content_object_id__in=pks)
        .order_by("content_object_id", "pk")
        .values_list("content_object_id", "tag__name")
    )
    digital = set(DigitalFile.objects.filter(record_id__in=pks).values_list("record_id", flat=True))
    holdings: dict[int, dict[int, list[int]]] = {}
    copies = (
        Copy.objects.filter(record_id__in=pks)
        .exclude(status__in=UNCOUNTED_COPY_STATUSES)
        .values_list("record_id", "library_id", "status")
    )
    for record_id, library_id, status in copies:
        counts = holdings.setdefault(record_id, {}).setdefault(library_id, [0, 0])
        counts[1] += 1
        counts[0] += status == CopyStatus.AVAILABLE
    for pk, title, subtitle, summary, publisher, isbn, kind, language, year, access, owner, cover, created in rows:
        record_subjects = subjects.get(pk, [])
        yield RecordDocument(
            id=pk,
            title=nfc(f"{title}: {subtitle}" if subtitle else title),
            contributors=tuple(nfc(name) for name in contributors.get(pk, ())),
            subjects=tuple(code for code, _name in record_subjects),
            subject_names=tuple(nfc(name) for _code, name in record_subjects),
            grades=tuple(grades.get(pk, ())),
            keywords=tuple(nfc(name) for name in keywords.get(pk, ())),
            summary=nfc(summary),
            publisher=nfc(publisher),
            isbn=isbn,
            kind=kind,
            language=language,
            year=year,
            access_level=access,
            owner_library_id=owner,
            holdings=tuple(
                Holding(library_id, library_names.get(library_id, ""), available, total)
                for library_id, (available, total) in sorted(holdings.get(pk, {}).items())
            ),
            has_digital=pk in digital,
            cover_id=cover,
            created_at_iso=created.isoformat(),
        )
