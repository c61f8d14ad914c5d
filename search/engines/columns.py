"""The embedded engine's filter, facet and sort columns, held in memory by each process.

Counting facets over every match in SQL cost 100–500 ms a query on 100,000 records: a
join per matching row into the document and facet-value tables, once per facet group.
Here each process holds the narrow part of the index as numpy arrays (about 15 MB for
100,000 records): per record its access level, kind, language, year, availability flags
and sort keys, and its subject, grade, library and "available at" values. Filtering,
counting every facet and picking a page's records are then array operations of a
millisecond or two. SQL answers only which records match the words (the full-text index)
and, for the page's twenty records, their text.

Freshness: ``ColumnStore.current()`` reads the index changes after the generation it holds
(``SearchIndexChange``: one indexed query per search) and applies them — the changed
records' rows are read again, removed ones dropped — so a loan at the desk costs the next
search a few milliseconds, not a reload. A rebuild, a generation that was rolled back
(its number reused) or changes already pruned make it load everything again (about two
seconds for 100,000 records on SQLite, three and a half on PostgreSQL; docs/PERFORMANCE.md)."""

import bisect
import datetime
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection

import numpy as np

from search.models import SearchIndexChange

DOCUMENTS = "search_searchdocument"
FACET_VALUES = "search_searchfacetvalue"
ACCESS_CODES = {"public": 0, "readers": 1, "staff": 2}
CODED_COLUMNS = ("kind", "language")
VALUE_FACETS = ("subject", "grade", "library", "available")
# More changed records than this share of the index: load everything again instead.
RELOAD_SHARE = 0.2
ID_BATCH = 500
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def micros(value) -> int:
    """Microseconds since 1970 of a stored datetime (SQLite hands back text, naive UTC)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return (value - EPOCH) // MICROSECOND


class Vocabulary:
    """The codes of a facet's values. Append-only, so the codes in older arrays stay valid."""

    def __init__(self, values: Iterable[str] = ()):
        self.values: list[str] = []
        self.codes: dict[str, int] = {}
        for value in values:
            self.code(value)

    def code(self, value: str) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def known(self, values: Iterable) -> list[int]:
        return [self.codes[str(v)] for v in values if str(v) in self.codes]

    def copy(self) -> "Vocabulary":
        return Vocabulary(self.values)


@dataclass(frozen=True)
class Columns:
    """One immutable snapshot of the index's columns; position ``i`` in every array is the
    record ``ids[i]`` (ascending). Multi-valued facets are (position, code) pairs."""

    generation: int
    written_at: datetime.datetime | None
    # The latest write that changed searched text (a loan does not): the words' matches
    # found at it stay valid until the next such write.
    text_generation: int
    text_written_at: datetime.datetime | None
    ids: np.ndarray  # int64
    access: np.ndarray  # int8, ACCESS_CODES
    kind: np.ndarray  # int32 codes in vocabularies["kind"]
    language: np.ndarray  # int32 codes in vocabularies["language"]
    year: np.ndarray  # int32, 0 when unknown
    year_sort: np.ndarray  # int32, 0 when unknown
    has_digital: np.ndarray  # bool
    available_anywhere: np.ndarray  # bool
    created: np.ndarray  # int64 microseconds
    title_sort: list[str]
    title_length: np.ndarray  # int32
    # Ranks (0 = first) of each sort order over the whole index; ties broken by id.
    title_rank: np.ndarray
    year_rank: np.ndarray
    newest_rank: np.ndarray
    vocabularies: dict[str, Vocabulary]
    value_codes: dict[str, np.ndarray]  # facet → value code of each pair
    value_positions: dict[str, np.ndarray]  # facet → position of each pair's record

    @property
    def size(self) -> int:
        return len(self.ids)

    def positions(self, record_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions of those of ``record_ids`` the index has, which of them it has)."""
        return _positions(self.ids, record_ids)

    def coded_mask(self, column: str, values: Iterable[str]) -> np.ndarray:
        return _one_of(getattr(self, column), self.vocabularies[column].known(values))

    def value_mask(self, facet: str, values: Iterable) -> np.ndarray:
        """Records with at least one of ``values`` for a multi-valued facet."""
        mask = np.zeros(self.size, dtype=bool)
        codes = self.vocabularies[facet].known(values)
        if codes:
            mask[self.value_positions[facet][_one_of(self.value_codes[facet], codes)]] = True
        return mask

    def access_mask(self, levels: Sequence[str]) -> np.ndarray:
        """Records at one of these access levels (each level includes the ones below it)."""
        return self.access <= max(ACCESS_CODES[level] for level in levels)

    def value_counts(self, facet: str, mask: np.ndarray) -> dict[str, int]:
        """How many records of ``mask`` have each value of a multi-valued facet."""
        codes = self.value_codes[facet][mask[self.value_positions[facet]]]
        return _counted(np.bincount(codes, minlength=len(self.vocabularies[facet].values)), self.vocabularies[facet])

    def coded_counts(self, column: str, mask: np.ndarray) -> dict[str, int]:
        counts = np.bincount(getattr(self, column)[mask], minlength=len(self.vocabularies[column].values))
        return _counted(counts, self.vocabularies[column])

    def year_counts(self, mask: np.ndarray) -> dict[str, int]:
        years = self.year[mask]
        counts = np.bincount(years[years > 0])
        return {str(year): int(counts[year]) for year in np.flatnonzero(counts)}

    def title_rank_after(self, title_sort: str, record_id: int) -> int:
        """The first title rank after the cursor's (title, id)."""
        order = np.empty(self.size, dtype=np.int64)
        order[self.title_rank] = np.arange(self.size)  # position of each rank
        return bisect.bisect_right(
            range(self.size),
            (title_sort, record_id),
            key=lambda rank: (self.title_sort[order[rank]], self.ids[order[rank]]),
        )


def _one_of(array: np.ndarray, codes: list[int]) -> np.ndarray:
    if len(codes) == 1:  # the usual case, and several times faster than isin
        return array == codes[0]
    return np.isin(array, codes)


def _positions(ids: np.ndarray, record_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(ids) or not len(record_ids):
        return np.empty(0, dtype=np.int64), np.zeros(len(record_ids), dtype=bool)
    found = np.minimum(np.searchsorted(ids, record_ids), len(ids) - 1)
    present = ids[found] == record_ids
    return found[present], present


def _counted(counts: np.ndarray, vocabulary: Vocabulary) -> dict[str, int]:
    return {vocabulary.values[code]: int(counts[code]) for code in np.flatnonzero(counts)}


# --- Reading rows -------------------------------------------------------------------------

_DOCUMENT_COLUMNS = (
    "record_id, access_level, kind, language, year, year_sort, has_digital, available_anywhere, created_at, title_sort"
)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), ID_BATCH):
        yield list(ids[start : start + ID_BATCH])


def _read(columns: str, table: str, key: str, record_ids: Sequence[int] | None) -> list[tuple]:
    """Rows of ``table`` (every one, or those of these records, in batches)."""
    with connection.cursor() as cursor:
        if record_ids is None:
            cursor.execute(f"SELECT {columns} FROM {table}")
            return cursor.fetchall()
        rows: list[tuple] = []
        for chunk in _chunks(record_ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})", chunk)
            rows += cursor.fetchall()
        return rows


def _read_documents(record_ids: Sequence[int] | None) -> list[tuple]:
    return _read(_DOCUMENT_COLUMNS, DOCUMENTS, "record_id", record_ids)


def _read_values(record_ids: Sequence[int] | None) -> list[tuple]:
    return _read("document_id, facet, value", FACET_VALUES, "document_id", record_ids)


# --- Building snapshots -------------------------------------------------------------------


def _raw_columns(rows: list[tuple], vocabularies: dict[str, Vocabulary]) -> dict:
    """The stored columns of these document rows (in the rows' order)."""
    kind, language = vocabularies["kind"], vocabularies["language"]
    return {
        "ids": np.array([row[0] for row in rows], dtype=np.int64),
        "access": np.array([ACCESS_CODES.get(row[1], 2) for row in rows], dtype=np.int8),
        "kind": np.array([kind.code(row[2]) for row in rows], dtype=np.int32),
        "language": np.array([language.code(row[3]) for row in rows], dtype=np.int32),
        "year": np.array([row[4] or 0 for row in rows], dtype=np.int32),
        "year_sort": np.array([row[5] or 0 for row in rows], dtype=np.int32),
        "has_digital": np.array([bool(row[6]) for row in rows], dtype=bool),
        "available_anywhere": np.array([bool(row[7]) for row in rows], dtype=bool),
        "created": np.array([micros(row[8]) for row in rows], dtype=np.int64),
        "title_sort": [row[9] for row in rows],
    }


def _raw_values(rows: list[tuple], vocabularies: dict[str, Vocabulary]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    pairs: dict[str, tuple[list, list]] = {facet: ([], []) for facet in VALUE_FACETS}
    for record_id, facet, value in rows:
        if facet in pairs:
            ids, codes = pairs[facet]
            ids.append(record_id)
            codes.append(vocabularies[facet].code(value))
    return {
        facet: (np.array(ids, dtype=np.int64), np.array(codes, dtype=np.int32)) for facet, (ids, codes) in pairs.items()
    }


_ARRAY_COLUMNS = ("ids", "access", "kind", "language", "year", "year_sort", "has_digital", "available_anywhere")
_ARRAY_COLUMNS += ("created",)


def _rank(order: np.ndarray) -> np.ndarray:
    """Ranks from an ordering (``order[k]`` = position of the k-th record)."""
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _title_rank(titles: list[str], ids: np.ndarray) -> np.ndarray:
    id_list = ids.tolist()
    return _rank(np.array(sorted(range(len(titles)), key=lambda i: (titles[i], id_list[i])), dtype=np.int64))


def _year_rank(ids: np.ndarray, year_sort: np.ndarray) -> np.ndarray:
    return _rank(np.lexsort((ids, -year_sort)))  # newest year first, then id


def _newest_rank(ids: np.ndarray, created: np.ndarray) -> np.ndarray:
    return _rank(np.lexsort((-ids, -created)))  # last catalogued first


def _title_lengths(titles: list[str]) -> np.ndarray:
    return np.fromiter(map(len, titles), dtype=np.int32, count=len(titles))


class Stamp(NamedTuple):
    """Which write a snapshot reflects (see ``Columns``)."""

    generation: int
    written_at: datetime.datetime | None
    text_generation: int
    text_written_at: datetime.datetime | None


def _snapshot(stamp: Stamp, raw: dict, values: dict, vocabularies) -> Columns:
    """A ``Columns`` from stored columns (any order) and value pairs, with the derived sort
    ranks."""
    order = np.argsort(raw["ids"], kind="stable")
    columns = {name: raw[name][order] for name in _ARRAY_COLUMNS}
    titles = [raw["title_sort"][i] for i in order.tolist()]
    ids = columns["ids"]
    title_rank = _title_rank(titles, ids)
    value_codes, value_positions = {}, {}
    for facet, (pair_ids, codes) in values.items():
        positions, present = _positions(ids, pair_ids)
        value_codes[facet], value_positions[facet] = codes[present], positions
    return Columns(
        **stamp._asdict(),
        title_sort=titles,
        title_length=_title_lengths(titles),
        title_rank=title_rank,
        year_rank=_year_rank(ids, columns["year_sort"]),
        newest_rank=_newest_rank(ids, columns["created"]),
        vocabularies=vocabularies,
        value_codes=value_codes,
        value_positions=value_positions,
        **columns,
    )


def _updated(previous: Columns, positions, fresh: dict, fresh_values: dict, vocabularies, stamp: Stamp):
    """``previous`` with records it already holds changed in place (the common case: a
    copy's status after a loan or a return): no re-sorting, and the sort ranks are kept
    unless a title, year or cataloguing date changed."""
    order = np.argsort(fresh["ids"], kind="stable")  # aligns with ``positions`` (ascending ids)
    columns = {}
    for name in _ARRAY_COLUMNS:
        column = getattr(previous, name).copy()
        column[positions] = fresh[name][order]
        columns[name] = column
    ids = columns["ids"]
    titles, title_length = previous.title_sort, previous.title_length
    title_rank = previous.title_rank
    new_titles = [fresh["title_sort"][i] for i in order.tolist()]
    if any(titles[p] != title for p, title in zip(positions.tolist(), new_titles, strict=True)):
        titles = list(titles)
        for p, title in zip(positions.tolist(), new_titles, strict=True):
            titles[p] = title
        title_length = _title_lengths(titles)
        title_rank = _title_rank(titles, ids)
    year_rank, newest_rank = previous.year_rank, previous.newest_rank
    if not np.array_equal(previous.year_sort[positions], columns["year_sort"][positions]):
        year_rank = _year_rank(ids, columns["year_sort"])
    if not np.array_equal(previous.created[positions], columns["created"][positions]):
        newest_rank = _newest_rank(ids, columns["created"])
    value_codes, value_positions = {}, {}
    for facet in VALUE_FACETS:
        kept = ~np.isin(previous.value_positions[facet], positions)  # positions did not move
        pair_ids, codes = fresh_values[facet]
        pair_positions, present = _positions(ids, pair_ids)
        value_codes[facet] = np.concatenate([previous.value_codes[facet][kept], codes[present]])
        value_positions[facet] = np.concatenate([previous.value_positions[facet][kept], pair_positions])
    return Columns(
        **stamp._asdict(),
        title_sort=titles,
        title_length=title_length,
        title_rank=title_rank,
        year_rank=year_rank,
        newest_rank=newest_rank,
        vocabularies=vocabularies,
        value_codes=value_codes,
        value_positions=value_positions,
        **columns,
    )


def load(stamp: Stamp) -> Columns:
    """Every document's columns."""
    vocabularies = {name: Vocabulary() for name in (*CODED_COLUMNS, *VALUE_FACETS)}
    raw = _raw_columns(_read_documents(None), vocabularies)
    values = _raw_values(_read_values(None), vocabularies)
    return _snapshot(stamp, raw, values, vocabularies)


def merged(previous: Columns, changed: Iterable[int], stamp: Stamp) -> Columns:
    """``previous`` with the rows of the ``changed`` records read again (gone when the
    index no longer has them)."""
    changed_ids = np.array(sorted({int(pk) for pk in changed}), dtype=np.int64)
    vocabularies = {name: vocabulary.copy() for name, vocabulary in previous.vocabularies.items()}
    fresh = _raw_columns(_read_documents(changed_ids.tolist()), vocabularies)
    fresh_values = _raw_values(_read_values(changed_ids.tolist()), vocabularies)
    positions, present = previous.positions(changed_ids)
    if present.all() and np.array_equal(np.sort(fresh["ids"]), changed_ids):
        return _updated(previous, positions, fresh, fresh_values, vocabularies, stamp)
    # Records added or removed: merge and sort again.
    keep = ~np.isin(previous.ids, changed_ids)
    raw = {name: np.concatenate([getattr(previous, name)[keep], fresh[name]]) for name in _ARRAY_COLUMNS}
    raw["title_sort"] = [title for title, kept in zip(previous.title_sort, keep.tolist(), strict=True) if kept]
    raw["title_sort"] += fresh["title_sort"]
    values = {}
    for facet in VALUE_FACETS:
        previous_ids = previous.ids[previous.value_positions[facet]]
        kept = ~np.isin(previous_ids, changed_ids)
        pair_ids, codes = fresh_values[facet]
        values[facet] = (
            np.concatenate([previous_ids[kept], pair_ids]),
            np.concatenate([previous.value_codes[facet][kept], codes]),
        )
    return _snapshot(stamp, raw, values, vocabularies)


# --- The per-process store ------------------------------------------------------------------


class ColumnStore:
    """The columns of the index of each database this process searches, kept current."""

    def __init__(self):
        self._snapshots: dict[tuple, Columns] = {}
        self._lock = threading.Lock()

    def current(self) -> Columns:
        key = (connection.alias, connection.settings_dict.get("NAME"))
        snapshot = self._snapshots.get(key)
        changes = SearchIndexChange.objects.values_list(
            "generation", "written_at", "rebuilt", "text_changed", "record_ids"
        )
        if snapshot is None:  # only the latest generation matters: everything is loaded
            changes = list(changes.order_by("-generation")[:1])
        else:
            changes = list(changes.filter(generation__gte=snapshot.generation).order_by("generation"))
        if snapshot is not None and _unchanged(snapshot, changes):
            return snapshot
        with self._lock:
            snapshot = self._snapshots.get(key)
            if snapshot is not None and _unchanged(snapshot, changes):
                return snapshot
            snapshot = self._brought_up_to_date(snapshot, changes)
            self._snapshots[key] = snapshot
            return snapshot

    @staticmethod
    def _brought_up_to_date(snapshot: Columns | None, changes: list[tuple]) -> Columns:
        generation, written_at = changes[-1][:2] if changes else (0, None)
        if snapshot is not None and changes and changes[0][:2] == (snapshot.generation, snapshot.written_at):
            later = changes[1:]
            changed = {pk for *_rest, ids in later for pk in ids}
            if not any(rebuilt for _g, _at, rebuilt, _text, _ids in later) and len(changed) <= max(
                ID_BATCH, RELOAD_SHARE * snapshot.size
            ):
                text = [(g, at) for g, at, _rebuilt, text_changed, _ids in later if text_changed]
                text_stamp = text[-1] if text else (snapshot.text_generation, snapshot.text_written_at)
                return merged(snapshot, changed, Stamp(generation, written_at, *text_stamp))
        # First use, a rebuild, a rolled-back generation or pruned changes: everything.
        # Changes after this generation committed meanwhile are read again next time.
        return load(Stamp(generation, written_at, generation, written_at))


def _unchanged(snapshot: Columns, changes: list[tuple]) -> bool:
    """Whether the index is still at the snapshot's generation (the same write, not a
    rolled-back one whose number was reused)."""
    if not changes:
        return snapshot.generation == 0
    return len(changes) == 1 and changes[0][:2] == (snapshot.generation, snapshot.written_at)
