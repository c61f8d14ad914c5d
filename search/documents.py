"""A catalog record as both engines index it: the searchable text (NFC, and folded for
queries typed without diacritics), the filters and facets, and a summary of holdings
(which libraries hold copies, how many are available, whether there is a digital file).

``record_documents`` reads records in batches with everything prefetched, so indexing
100,000 records costs a few queries per batch, not per record."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch

from catalog.models import Copy, CopyStatus, Record
from catalog.text import nfc

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


def records_for_indexing():
    """Records to index: every record not withdrawn, with what documents need prefetched."""
    copies = (
        Copy.objects.exclude(status__in=UNCOUNTED_COPY_STATUSES)
        .select_related("library")
        .only("record_id", "status", "library__name", "library__short_name")
    )
    return (
        Record.objects.filter(withdrawn_at__isnull=True)
        .prefetch_related(
            "contributors", "subjects", "grades", "keywords", "digital_files", Prefetch("copies", queryset=copies)
        )
        .order_by("pk")
    )


def record_document(record: Record) -> RecordDocument:
    holdings: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for copy in record.copies.all():
        if copy.status in UNCOUNTED_COPY_STATUSES:
            continue
        counts = holdings.setdefault(copy.library_id, [0, 0])
        counts[1] += 1
        counts[0] += copy.status == CopyStatus.AVAILABLE
        names[copy.library_id] = copy.library.short_name or copy.library.name
    title = nfc(f"{record.title}: {record.subtitle}" if record.subtitle else record.title)
    return RecordDocument(
        id=record.pk,
        title=title,
        contributors=tuple(nfc(c.name) for c in record.contributors.all()),
        subjects=tuple(s.code for s in record.subjects.all()),
        subject_names=tuple(nfc(s.name) for s in record.subjects.all()),
        grades=tuple(g.code for g in record.grades.all()),
        keywords=tuple(nfc(t.name) for t in record.keywords.all()),
        summary=nfc(record.summary),
        publisher=nfc(record.publisher),
        isbn=record.isbn,
        kind=record.kind,
        language=record.language,
        year=record.year,
        access_level=record.access_level,
        owner_library_id=record.library_id,
        holdings=tuple(
            Holding(library_id, names[library_id], available, total)
            for library_id, (available, total) in sorted(holdings.items())
        ),
        has_digital=any(True for _ in record.digital_files.all()),
        cover_id=record.cover_id,
        created_at_iso=record.created_at.isoformat(),
    )


def record_documents(record_ids: Iterable[int] | None = None, *, batch_size: int = 500) -> Iterator[RecordDocument]:
    """Documents of these records (or all), in primary-key order, batch by batch."""
    queryset = records_for_indexing()
    if record_ids is not None:
        queryset = queryset.filter(pk__in=list(record_ids))
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return
        for record in batch:
            yield record_document(record)
        last_pk = batch[-1].pk
