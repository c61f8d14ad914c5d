"""The embedded search engine: the catalog index kept in the application's own database,
so a school without an Elasticsearch cluster serves the same search interface.

Storage (``search.models``): per record a narrow ``SearchDocument`` (filter, facet and
sort columns), its ``SearchText`` (display fields, the holdings summary as JSON, every
searched field lower-cased with diacritics and folded without them) and
``SearchFacetValue`` rows for multi-valued facets. The full-text index is the database's
own:

- SQLite: an FTS5 table ``search_fts`` with external content over ``search_searchtext``
  (``unicode61`` tokenizer, diacritics kept: we fold in Python, where đ → d is right),
  kept in step by triggers, with prefix indexes for autocomplete;
- PostgreSQL: two generated ``tsvector`` columns (folded and accented text, 'simple'
  configuration, weights A title, B contributors, C subjects, D summary) with GIN indexes.

A search asks SQL one question — which records have all the words, and their scores —
and does the rest on the columns each process keeps in memory (``search.engines.columns``):
filters, every facet's counts and the page's order. Then it reads the page's text.

Wagtail's database search backend is not used for the catalog: it indexes one text per
model field through its own ``IndexEntry`` table, with no control over folding (đ), no
second accented field to rank exact matches first and no facets over holdings. It still
serves Wagtail's own page search (``WAGTAILSEARCH_BACKENDS``).

Relevance is deliberately simple and the same on both databases, so the contract tests
hold everywhere: a record matches when every folded query word occurs in one of its
fields; it then scores tiers — all words in the title (100), in contributors (40), in
subjects (15), the accented words as typed (60), the words as a phrase in the title (30)
— and ties go to the shorter title. Each tier is one indexed full-text lookup per query,
not work per matching row (bm25/ts_rank per row cost more than everything else together
on 100,000 records). There is no typo tolerance.
"""

import base64
import binascii
import functools
import html
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

import numpy as np

from library_site.text import fold, nfc
from search.documents import RecordDocument, indexable_records, record_documents
from search.engines.base import InvalidCursor, Progress, SearchEngine
from search.engines.columns import Columns, ColumnStore
from search.models import (
    PendingIndexUpdate,
    SearchDocument,
    SearchFacetValue,
    SearchIndexChange,
    SearchIndexState,
    SearchText,
)
from search.results import labelled_facets, library_names, suggestions
from search.types import (
    Access,
    Availability,
    Hit,
    IndexStatus,
    SearchRequest,
    SearchResult,
    Sort,
)
from search.vietnamese import input_method_decode, normalise_query

__all__ = ["DatabaseEngine", "InvalidCursor", "full_text_install", "full_text_uninstall"]

DOCUMENTS = "search_searchdocument"
TEXTS = "search_searchtext"
FACET_VALUES = "search_searchfacetvalue"
MAX_QUERY_WORDS = 12
ACCESS_LEVELS = {
    Access.PUBLIC: ("public",),
    Access.READERS: ("public", "readers"),
    Access.STAFF: ("public", "readers", "staff"),
}
SUMMARY_STORED_CHARS = 2000
SNIPPET_CHARS = 180
CACHE_ENTRIES = 128  # queries whose matches each process keeps
# Index changes kept for processes catching up (older ones are pruned every
# CHANGES_PRUNE_EVERY writes; a process further behind loads the columns again).
CHANGES_KEPT = 10_000
CHANGES_PRUNE_EVERY = 1_000

_WORDS = re.compile(r"[^\W_]+")

# --- The full-text index DDL (run by migration 0002 and by ``create``; idempotent) ------

_TEXT_COLUMNS = (
    "title_text",
    "title_folded",
    "contributors_text",
    "contributors_folded",
    "subjects_text",
    "subjects_folded",
    "summary_text",
    "summary_folded",
)
SEARCHED = _TEXT_COLUMNS  # what the full-text index holds, per record
_COLUMNS = ", ".join(_TEXT_COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in _TEXT_COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in _TEXT_COLUMNS)

SQLITE_INSTALL = (
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        {_COLUMNS}, content='{TEXTS}', content_rowid='document_id',
        tokenize='unicode61 remove_diacritics 0', prefix='2 3')""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_insert AFTER INSERT ON {TEXTS} BEGIN
        INSERT INTO search_fts(rowid, {_COLUMNS}) VALUES (new.document_id, {_NEW});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_delete AFTER DELETE ON {TEXTS} BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_COLUMNS}) VALUES ('delete', old.document_id, {_OLD});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_update AFTER UPDATE ON {TEXTS} BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_COLUMNS}) VALUES ('delete', old.document_id, {_OLD});
        INSERT INTO search_fts(rowid, {_COLUMNS}) VALUES (new.document_id, {_NEW});
    END""",
)
SQLITE_UNINSTALL = (
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TABLE IF EXISTS search_fts",
)


def _weighted_vector(prefix: str) -> str:
    parts = [
        f"setweight(to_tsvector('simple'::regconfig, coalesce({field}_{prefix}, '')), '{weight}')"
        for field, weight in (("title", "A"), ("contributors", "B"), ("subjects", "C"), ("summary", "D"))
    ]
    return " || ".join(parts)


POSTGRES_INSTALL = (
    f"ALTER TABLE {TEXTS} ADD COLUMN IF NOT EXISTS search_folded tsvector "
    f"GENERATED ALWAYS AS ({_weighted_vector('folded')}) STORED",
    f"ALTER TABLE {TEXTS} ADD COLUMN IF NOT EXISTS search_accented tsvector "
    f"GENERATED ALWAYS AS ({_weighted_vector('text')}) STORED",
    f"CREATE INDEX IF NOT EXISTS search_text_folded_gin ON {TEXTS} USING gin (search_folded)",
    f"CREATE INDEX IF NOT EXISTS search_text_accented_gin ON {TEXTS} USING gin (search_accented)",
)
POSTGRES_UNINSTALL = (
    "DROP INDEX IF EXISTS search_text_folded_gin",
    "DROP INDEX IF EXISTS search_text_accented_gin",
    f"ALTER TABLE {TEXTS} DROP COLUMN IF EXISTS search_folded",
    f"ALTER TABLE {TEXTS} DROP COLUMN IF EXISTS search_accented",
)


def _statements(vendor: str, *, install: bool) -> tuple[str, ...]:
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_UNINSTALL
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_UNINSTALL
    raise NotImplementedError(f"The database search engine supports SQLite and PostgreSQL, not {vendor}.")


def full_text_install(conn) -> None:
    """Create the full-text index over ``search_searchtext`` (idempotent);
    ``conn`` is a Django database connection."""
    with conn.cursor() as cursor:
        for statement in _statements(conn.vendor, install=True):
            cursor.execute(statement)


def full_text_uninstall(conn) -> None:
    with conn.cursor() as cursor:
        for statement in _statements(conn.vendor, install=False):
            cursor.execute(statement)


# --- Writing rows -------------------------------------------------------------------------

_DOCUMENT_FIELDS = tuple(field.attname for field in SearchDocument._meta.concrete_fields)
_TEXT_FIELDS = tuple(field.attname for field in SearchText._meta.concrete_fields)
_PREPARED_TYPES = {"DateTimeField", "JSONField"}  # what the database driver cannot take as it is
INSERT_BATCH = 500


def _rows_insert(model, attnames: Iterable[str], rows: list[tuple]) -> None:
    """``INSERT`` these rows (values in ``attnames`` order) with ``executemany``, in
    batches. Dates and JSON are prepared as their fields prepare them (``get_db_prep_save``:
    time zone and text format on SQLite, ``Jsonb`` on PostgreSQL); text, numbers, booleans
    and ``None`` go to the driver as they are."""
    if not rows:
        return
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    prepared = [index for index, field in enumerate(fields) if field.get_internal_type() in _PREPARED_TYPES]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            if prepared:
                batch = [list(row) for row in batch]
                for row in batch:
                    for index in prepared:
                        row[index] = fields[index].get_db_prep_save(row[index], connection)
            cursor.executemany(sql, batch)


# --- Queries ----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)[:MAX_QUERY_WORDS]


def _fts_words(words: list[str]) -> str:
    return " AND ".join(f'"{word}"' for word in words)


class _TextQuery:
    """The query words, and the SQL that finds and scores the records matching them."""

    def __init__(self, query: str, vendor: str):
        self.vendor = vendor
        self.folded = _words(fold(query))
        accented = _words(query.lower())
        # Accented words are worth a bonus only when the reader typed diacritics.
        self.accented = accented if any(not word.isascii() for word in accented) else []

    def __bool__(self):
        return bool(self.folded)

    def statements(self, *, scored: bool) -> list[tuple[int | None, str, list]]:
        """(points, SQL, params) to run: first the match — every record with all the
        words: their ids and scores, each a comma-separated list (one string crosses from
        the database instead of a row per record, which cost more than the search) — then,
        on SQLite, one per scoring tier, answering the ids that earn its points. Each is one
        indexed full-text lookup per query, not work per matching row. PostgreSQL scores
        the rows the match reads, in the same statement."""
        if self.vendor == "sqlite":
            # No column filter: folded words occur in the folded columns, and a match in
            # an accented column implies one in its folded twin.
            statement = "SELECT group_concat(rowid), NULL FROM search_fts WHERE search_fts MATCH %s"
            tiers = [(points, statement, [expression]) for points, expression in self._sqlite_tiers()]
            return [(None, statement, [_fts_words(self.folded)]), *(tiers if scored else [])]
        parts, params = ["0"], []
        if scored:
            for points, vector, query in self._postgres_tiers():
                parts.append(f"{points} * (t.{vector} @@ to_tsquery('simple', %s))::int")
                params.append(query)
        sql = (
            f"SELECT string_agg(t.document_id::text, ','), string_agg(({' + '.join(parts)})::text, ',') "
            f"FROM {TEXTS} t WHERE t.search_folded @@ to_tsquery('simple', %s)"
        )
        return [(None, sql, [*params, " & ".join(self.folded)])]

    def _sqlite_tiers(self):
        words = _fts_words(self.folded)
        yield 100, f"title_folded: ({words})"
        yield 40, f"contributors_folded: ({words})"
        yield 15, f"subjects_folded: ({words})"
        if self.accented:
            accented = _fts_words(self.accented)
            yield 60, f"{{title_text contributors_text subjects_text summary_text}}: ({accented})"
        if len(self.folded) > 1:
            phrase = " ".join(self.folded)
            yield 30, f'title_folded: "{phrase}"'

    def _postgres_tiers(self):
        def weighted(words, weight):
            return " & ".join(f"{word}:{weight}" for word in words)

        yield 100, "search_folded", weighted(self.folded, "A")
        yield 40, "search_folded", weighted(self.folded, "B")
        yield 15, "search_folded", weighted(self.folded, "C")
        if self.accented:
            yield 60, "search_accented", " & ".join(self.accented)
        if len(self.folded) > 1:
            yield 30, "search_folded", " <-> ".join(f"{word}:A" for word in self.folded)


def _numbers(text: str | None) -> np.ndarray:
    """A comma-separated list of whole numbers (``group_concat``/``string_agg``)."""
    if not text:
        return np.empty(0, dtype=np.int64)
    return np.array(text.split(","), dtype=np.int64)


def _in(column: str, values: Iterable) -> tuple[str, list]:
    values = list(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


class _Masks:
    """The request's filters over the index columns: ``common`` (access, this library's
    scope, the words) and one mask per facet with a selection. A facet is counted under
    every filter but its own, so its other values stay offered."""

    def __init__(self, columns: Columns, request: SearchRequest, matched: np.ndarray | None):
        self.columns = columns
        self.common = columns.access_mask(ACCESS_LEVELS[Access(request.access)])
        if matched is not None:
            self.common &= matched
        if request.library_scope:
            self.common &= columns.value_mask("library", [request.library_scope])
        # "Available now": a copy on the shelf in scope (the chosen libraries, else this
        # library, else anywhere), or a digital file.
        shelf = (
            columns.value_mask("available", request.shelf_scope) if request.shelf_scope else columns.available_anywhere
        )
        self.available = shelf | columns.has_digital
        self.facets: dict[str, np.ndarray] = {}
        if request.kinds:
            self.facets["kind"] = columns.coded_mask("kind", request.kinds)
        if request.languages:
            self.facets["language"] = columns.coded_mask("language", request.languages)
        for facet, values in (("subject", request.subjects), ("grade", request.grades)):
            if values:
                self.facets[facet] = columns.value_mask(facet, values)
        if request.libraries:
            self.facets["library"] = columns.value_mask("library", request.libraries)
        if request.year_from is not None or request.year_to is not None:
            years = columns.year > 0
            if request.year_from is not None:
                years &= columns.year >= request.year_from
            if request.year_to is not None:
                years &= columns.year <= request.year_to
            self.facets["year"] = years
        if request.available_only or request.digital_only:
            wanted = np.ones(columns.size, dtype=bool)
            if request.available_only:
                wanted &= self.available
            if request.digital_only:
                wanted &= columns.has_digital
            self.facets["availability"] = wanted
        self.all = self.without(None)

    def without(self, skip: str | None) -> np.ndarray:
        mask = self.common.copy()
        for facet, facet_mask in self.facets.items():
            if facet != skip:
                mask &= facet_mask
        return mask

    def counts(self) -> dict[str, dict[str, int]]:
        """Every facet's counts, each under the filters of the others."""
        columns = self.columns

        def under(facet):
            return self.without(facet) if facet in self.facets else self.all

        availability = under("availability")
        return {
            "kind": columns.coded_counts("kind", under("kind")),
            "subject": columns.value_counts("subject", under("subject")),
            "grade": columns.value_counts("grade", under("grade")),
            "language": columns.coded_counts("language", under("language")),
            "library": columns.value_counts("library", under("library")),
            "availability": {
                "available": int(np.count_nonzero(availability & self.available)),
                "digital": int(np.count_nonzero(availability & columns.has_digital)),
            },
            "year": columns.year_counts(under("year")),
        }


# --- Ordering and cursors -----------------------------------------------------------------

# Relevance: the score, then the shorter title, then the record id, as one int64 key
# (scores stay below 256, folded titles below 2**16 characters, positions below 2**32).
MAX_SCORE = 255


def _page(keys: np.ndarray, candidates: np.ndarray, offset: int, limit: int) -> np.ndarray:
    """The candidates at ``offset``…``offset + limit`` in the order of their (unique) keys,
    sorting only as far as the page needs."""
    end = min(len(candidates), offset + limit)
    if end <= offset:
        return candidates[:0]
    if end < len(candidates):
        first = np.argpartition(keys, end - 1)[:end]
        first = first[np.argsort(keys[first], kind="stable")]
    else:
        first = np.argsort(keys, kind="stable")
    return candidates[first[offset:end]]


def encode_cursor(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor(_("The paging cursor is not valid.")) from error
    if not isinstance(data, dict):
        raise InvalidCursor(_("The paging cursor is not valid."))
    return data


# --- Highlighting -----------------------------------------------------------------------


@functools.lru_cache(maxsize=50_000)
def _folded_word(word: str) -> str:
    return fold(word)


def highlight(text: str, words: set[str]) -> str:
    """``text`` HTML-escaped, with every word whose folded form is a query word wrapped in
    <mark> (so "dat" marks "Đất")."""
    out: list[str] = []
    position = 0
    for match in _WORDS.finditer(text):
        if _folded_word(match.group()) in words:
            out.append(html.escape(text[position : match.start()]))
            out.append(f"<mark>{html.escape(match.group())}</mark>")
            position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def snippet(text: str, words: set[str], size: int = SNIPPET_CHARS) -> str | None:
    """A fragment of ``text`` around its first matching word, highlighted; None if none."""
    for match in _WORDS.finditer(text):
        if _folded_word(match.group()) in words:
            start = max(0, match.start() - size // 3)
            if start:
                space = text.find(" ", start)
                start = space + 1 if 0 <= space < match.start() else start
            end = min(len(text), start + size)
            if end < len(text):
                space = text.rfind(" ", match.end(), end)
                end = space if space > match.end() else end
            fragment = highlight(text[start:end], words)
            return ("…" if start else "") + fragment + ("…" if end < len(text) else "")
    return None


# --- The engine -------------------------------------------------------------------------


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


class DatabaseEngine(SearchEngine):
    name = "database"
    supports_typo_tolerance = False

    # -- indexing --------------------------------------------------------------------

    def __init__(self, *, cache_entries: int | None = None):
        self._columns = ColumnStore()
        # The words' matches (ids and scores) of recent queries, per process: a popular
        # search costs no full-text lookup until a write changes searched text (loans and
        # returns do not). Keyed by that write, so no process uses a stale one.
        if cache_entries is None:
            cache_entries = getattr(settings, "SEARCH_DATABASE_CACHE_ENTRIES", CACHE_ENTRIES)
        self._cache_entries = cache_entries
        self._matches: OrderedDict = OrderedDict()
        self._matches_lock = threading.Lock()

    def create(self) -> None:
        full_text_install(connection)

    def drop(self) -> None:
        with transaction.atomic():
            for model in (SearchFacetValue, SearchText, SearchDocument):
                model.objects.all()._raw_delete(model.objects.db)
            self._record_change(rebuilt=True)

    @staticmethod
    def _record_change(record_ids: Iterable[int] = (), *, rebuilt: bool = False, text_changed: bool = True) -> None:
        """Number this write and note what it changed, inside the writing transaction: the
        new number becomes visible with the new rows, never before. The counter's row lock
        serialises writers, so numbers follow the commit order."""
        if not SearchIndexState.objects.filter(pk=1).update(generation=F("generation") + 1, updated_at=timezone.now()):
            SearchIndexState.objects.get_or_create(pk=1, defaults={"generation": 1})
        generation = SearchIndexState.objects.values_list("generation", flat=True).get(pk=1)
        if rebuilt:
            SearchIndexChange.objects.all().delete()  # every process loads everything anyway
        elif generation % CHANGES_PRUNE_EVERY == 0:
            SearchIndexChange.objects.filter(generation__lte=generation - CHANGES_KEPT).delete()
        SearchIndexChange.objects.create(
            generation=generation,
            written_at=timezone.now(),
            rebuilt=rebuilt,
            text_changed=text_changed or rebuilt,
            record_ids=sorted(record_ids),
        )

    def update(self, record_ids: Iterable[int]) -> None:
        ids = sorted({int(pk) for pk in record_ids})
        if not ids:
            return
        with transaction.atomic():
            documents = list(record_documents(ids))
            before = set(SearchText.objects.filter(document_id__in=ids).values_list("document_id", *SEARCHED))
            SearchFacetValue.objects.filter(document_id__in=ids)._raw_delete(SearchFacetValue.objects.db)
            SearchText.objects.filter(document_id__in=ids)._raw_delete(SearchText.objects.db)
            SearchDocument.objects.filter(record_id__in=ids)._raw_delete(SearchDocument.objects.db)
            texts = self._write(documents)
            after = {(text["document_id"], *(text[name] for name in SEARCHED)) for text in texts}
            self._record_change(ids, text_changed=before != after)

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Everything again, in one transaction: searches keep seeing the old index until
        the new one commits (SQLite WAL and PostgreSQL MVCC readers are not blocked)."""
        total = indexable_records().count()
        done = 0
        with transaction.atomic():
            self.drop()
            batch: list[RecordDocument] = []
            for document in record_documents(batch_size=1000):
                batch.append(document)
                if len(batch) >= 1000:
                    self._write(batch)
                    done += len(batch)
                    batch = []
                    if progress:
                        progress(done, total)
            self._write(batch)
            done += len(batch)
        if progress:
            progress(done, total)
        return done

    def _write(self, documents: list[RecordDocument]) -> list[dict]:
        """Insert the rows of these documents; returns their ``SearchText`` values. Plain
        rows, not model instances through ``bulk_create``: Django building an instance
        and then its parameters for every row (and ``SearchFacetValue`` row) cost more than
        SQLite inserting them, and an import indexes every record it writes."""
        if not documents:
            return []
        now = timezone.now()
        rows, texts, facet_rows = [], [], []
        for doc in documents:
            row, text = self._document_rows(doc, now)
            rows.append(row)
            texts.append(text)
            for facet, values in (
                ("subject", doc.subjects),
                ("grade", doc.grades),
                ("library", doc.library_ids),
                ("available", doc.available_library_ids),
            ):
                facet_rows.extend((doc.id, facet, str(value)) for value in values)
        _rows_insert(SearchDocument, _DOCUMENT_FIELDS, [tuple(row[name] for name in _DOCUMENT_FIELDS) for row in rows])
        _rows_insert(SearchText, _TEXT_FIELDS, [tuple(text[name] for name in _TEXT_FIELDS) for text in texts])
        _rows_insert(SearchFacetValue, ("document_id", "facet", "value"), facet_rows)
        return texts

    @staticmethod
    def _document_rows(doc: RecordDocument, now) -> tuple[dict, dict]:
        """The ``SearchDocument`` and ``SearchText`` values of one document (field names
        as attribute names: ``record_id``, ``document_id``)."""
        subjects = " ; ".join([*doc.subject_names, *doc.keywords])
        summary = nfc(" ".join(filter(None, [doc.summary, doc.publisher, doc.isbn])))
        contributors = " ; ".join(doc.contributors)
        title_folded = fold(doc.title)
        document = {
            "record_id": doc.id,
            "access_level": doc.access_level,
            "kind": doc.kind,
            "language": doc.language,
            "year": doc.year,
            "year_sort": doc.year or 0,
            "has_digital": doc.has_digital,
            "available_anywhere": bool(doc.available_library_ids),
            "owner_library_id": doc.owner_library_id,
            "cover_id": doc.cover_id,
            "created_at": parse_datetime(doc.created_at_iso) or now,
            "title_sort": title_folded[:120],
            "indexed_at": now,
        }
        text = {
            "document_id": doc.id,
            "title": doc.title,
            "contributors": list(doc.contributors),
            "summary": doc.summary[:SUMMARY_STORED_CHARS],
            "holdings": [
                {"library_id": h.library_id, "library_name": h.library_name, "available": h.available, "total": h.total}
                for h in doc.holdings
            ],
            "title_text": doc.title.lower(),
            "title_folded": title_folded,
            "contributors_text": contributors.lower(),
            "contributors_folded": fold(contributors),
            "subjects_text": subjects.lower(),
            "subjects_folded": fold(subjects),
            "summary_text": summary.lower(),
            "summary_folded": fold(summary),
        }
        return document, text

    def status(self) -> IndexStatus:
        documents = SearchDocument.objects.count()
        # Every row is written by the last rebuild or an update since: the oldest is when
        # the last rebuild started.
        last = SearchDocument.objects.aggregate(oldest=Min("indexed_at"))["oldest"]
        detail = "SQLite FTS5" if connection.vendor == "sqlite" else "PostgreSQL full-text search"
        return IndexStatus(
            engine=self.name,
            index_name=DOCUMENTS,
            documents=documents,
            records_in_database=indexable_records().count(),
            pending_updates=PendingIndexUpdate.objects.count(),
            last_rebuild=last,
            detail=detail,
        )

    # -- searching -------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        query = normalise_query(request.query)
        suggestion = input_method_decode(query) if query else None
        columns = self._columns.current()  # once, for the Telex retry too
        result = self._search(request, query, columns)
        if suggestion and not result.total and fold(suggestion) != fold(query):
            # Typed in Telex/VNI with the input method off: search the Vietnamese instead.
            result = self._search(request, suggestion, columns)
        return SearchResult(
            total=result.total,
            hits=result.hits,
            facets=result.facets,
            suggestion=suggestion,
            next_cursor=result.next_cursor,
            engine=self.name,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def _search(self, request: SearchRequest, query: str, columns: Columns) -> SearchResult:
        text = _TextQuery(query, connection.vendor)
        page_size = max(1, min(int(request.page_size), 100))
        sort = Sort(request.sort)
        if sort == Sort.RELEVANCE and not text:
            sort = Sort.NEWEST  # nothing to rank by: newest catalogued first
        state = decode_cursor(request.cursor) if request.cursor else None
        if state is not None and state.get("s") != sort.value:
            raise InvalidCursor(_("The paging cursor belongs to another sort order."))
        offset, after = self._position(request, sort, state, page_size)

        scores = np.zeros(columns.size, dtype=np.int64)
        matched = None
        if text:
            ids, points = self._text_matches(text, columns, scored=sort == Sort.RELEVANCE)
            positions, present = columns.positions(ids)
            matched = np.zeros(columns.size, dtype=bool)
            matched[positions] = True
            scores[positions] = points[present]
        masks = _Masks(columns, request, matched)
        total = int(np.count_nonzero(masks.all))
        counts = masks.counts() if request.with_facets else None

        candidates = np.flatnonzero(masks.all)
        if after is not None:
            candidates = candidates[self._after(columns, sort, after, candidates)]
        if sort == Sort.RELEVANCE:
            keys = ((MAX_SCORE - scores[candidates]) << 48) | (columns.title_length[candidates] << 32) | candidates
        else:
            keys = {Sort.TITLE: columns.title_rank, Sort.YEAR: columns.year_rank, Sort.NEWEST: columns.newest_rank}[
                sort
            ][candidates]
        page = _page(keys, candidates, offset, page_size + 1)
        more = len(page) > page_size
        page = page[:page_size]
        next_cursor = self._next_cursor(columns, sort, page[-1], offset + page_size) if more and len(page) else None

        ids = columns.ids[page].tolist()
        texts = SearchText.objects.select_related("document").in_bulk(ids)
        # Library names, read once for the availability lines and the library facet.
        names = library_names(
            {h["library_id"] for t in texts.values() for h in _json(t.holdings)}
            | set(counts["library"] if counts else ())
            | set(request.libraries)
        )
        facets = labelled_facets(request, counts, names) if counts is not None else {}
        words = set(text.folded)
        scored = bool(text) and sort == Sort.RELEVANCE
        hits = tuple(
            self._hit(texts[pk], float(scores[position]) if scored else None, words, names)
            for pk, position in zip(ids, page.tolist(), strict=True)
            if pk in texts
        )
        return SearchResult(total=total, hits=hits, facets=facets, next_cursor=next_cursor, engine=self.name)

    def _text_matches(self, text: _TextQuery, columns: Columns, *, scored: bool) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of every record with all the words."""
        key = (
            connection.alias,
            connection.settings_dict.get("NAME"),
            columns.text_generation,
            columns.text_written_at,
            tuple(text.folded),
            tuple(text.accented),
        )
        with self._matches_lock:
            # Scored matches serve an unscored request too (page 3 sorted by title after
            # page 1 by relevance).
            for candidate in [(*key, True)] if scored else [(*key, False), (*key, True)]:
                found = self._matches.get(candidate)
                if found is not None:
                    self._matches.move_to_end(candidate)
                    return found
        key = (*key, scored)
        ids, scores = np.empty(0, dtype=np.int64), None
        with connection.cursor() as cursor:
            for points, sql, params in text.statements(scored=scored):
                cursor.execute(sql, params)
                found_ids, points_each = cursor.fetchone()
                if points is None:  # the match
                    ids = _numbers(found_ids)
                    scores = _numbers(points_each) if points_each else np.zeros(len(ids), dtype=np.int64)
                else:  # a tier: the ids earning its points
                    scores[np.isin(ids, _numbers(found_ids))] += points
        if self._cache_entries > 0:
            with self._matches_lock:
                self._matches[key] = (ids, scores)
                while len(self._matches) > self._cache_entries:
                    self._matches.popitem(last=False)
        return ids, scores

    @staticmethod
    def _position(request, sort, state, page_size) -> tuple[int, tuple | None]:
        """(offset, the keyset cursor's (value, id)) of the page asked for: a page number,
        an offset cursor (relevance) or a keyset cursor (title, year, newest)."""
        if state is None:
            return (max(1, request.page) - 1) * page_size, None
        if sort == Sort.RELEVANCE:
            offset = state.get("o")
            if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
                raise InvalidCursor(_("The paging cursor is not valid."))
            return offset, None
        key = state.get("k")
        value_type = str if sort == Sort.TITLE else int
        if not (isinstance(key, list) and len(key) == 2 and type(key[0]) is value_type and type(key[1]) is int):
            raise InvalidCursor(_("The paging cursor is not valid."))
        return 0, (key[0], key[1])

    @staticmethod
    def _after(columns: Columns, sort: Sort, after: tuple, candidates: np.ndarray) -> np.ndarray:
        """Which candidates come after the keyset cursor's (value, id)."""
        value, record_id = after
        ids = columns.ids[candidates]
        if sort == Sort.TITLE:
            return columns.title_rank[candidates] >= columns.title_rank_after(value, record_id)
        if sort == Sort.YEAR:  # newest year first, then id
            years = columns.year_sort[candidates]
            return (years < value) | ((years == value) & (ids > record_id))
        created = columns.created[candidates]  # last catalogued first
        return (created < value) | ((created == value) & (ids < record_id))

    @staticmethod
    def _next_cursor(columns: Columns, sort: Sort, last: int, next_offset: int) -> str:
        if sort == Sort.RELEVANCE:
            return encode_cursor({"s": sort.value, "o": next_offset})
        value = {
            Sort.TITLE: lambda: columns.title_sort[last],
            Sort.YEAR: lambda: int(columns.year_sort[last]),
            Sort.NEWEST: lambda: int(columns.created[last]),
        }[sort]()
        return encode_cursor({"s": sort.value, "k": [value, int(columns.ids[last])]})

    def _hit(self, text: SearchText, score, words: set[str], names: dict[int, str]) -> Hit:
        document = text.document
        contributors = _json(text.contributors)
        highlights: dict[str, tuple[str, ...]] = {}
        if words:
            title = highlight(text.title, words)
            if "<mark>" in title:
                highlights["title"] = (title,)
            marked = tuple(m for m in (highlight(name, words) for name in contributors) if "<mark>" in m)
            if marked:
                highlights["contributors"] = marked
            fragment = snippet(text.summary, words)
            if fragment:
                highlights["summary"] = (fragment,)
        return Hit(
            id=document.record_id,
            title=text.title,
            contributors=tuple(contributors),
            kind=document.kind,
            year=document.year,
            highlight=highlights,
            availability=tuple(
                Availability(h["library_id"], names.get(h["library_id"], h["library_name"]), h["available"], h["total"])
                for h in _json(text.holdings)
            ),
            has_digital=document.has_digital,
            cover_id=document.cover_id,
            score=score,
        )

    # -- autocomplete ----------------------------------------------------------------

    def autocomplete(
        self, query: str, *, library_scope: int | None = None, limit: int = 8, access: Access = Access.PUBLIC
    ) -> list[str]:
        """Titles, then contributors, whose folded words start with what was typed; titles
        that begin with it first. Only records ``access`` may see (public ones unless it
        says more), so a staff-only title never leaks."""
        words = _words(fold(normalise_query(query)))
        if not words or limit <= 0:
            return []
        condition, params = _in("d.access_level", ACCESS_LEVELS[Access(access)])
        conditions = [condition]
        if library_scope:
            conditions.append(
                f"EXISTS (SELECT 1 FROM {FACET_VALUES} v WHERE v.document_id = d.record_id "
                "AND v.facet = 'library' AND v.value = %s)"
            )
            params.append(str(library_scope))
        with connection.cursor() as cursor:
            # Titles beginning with the typed words: a range on the folded-title index.
            start = " ".join(words)
            cursor.execute(
                f"SELECT t.title, t.contributors FROM {DOCUMENTS} d "
                f"JOIN {TEXTS} t ON t.document_id = d.record_id "
                f"WHERE d.title_sort >= %s AND d.title_sort < %s AND {' AND '.join(conditions)} "
                f"ORDER BY d.title_sort, d.record_id LIMIT %s",
                [start, start + "\uffff", *params, limit],
            )
            rows = cursor.fetchall()
            if len(rows) < limit:
                # Then any title or contributor with words starting so (a full-text prefix query).
                if connection.vendor == "sqlite":
                    terms = " AND ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*'])
                    source = (
                        f"search_fts JOIN {DOCUMENTS} d ON d.record_id = search_fts.rowid "
                        f"JOIN {TEXTS} t ON t.document_id = d.record_id"
                    )
                    match, match_params = "search_fts MATCH %s", [f"{{title_folded contributors_folded}}: ({terms})"]
                else:
                    terms = " & ".join([*(f"{w}:AB" for w in words[:-1]), f"{words[-1]}:*AB"])
                    source = f"{DOCUMENTS} d JOIN {TEXTS} t ON t.document_id = d.record_id"
                    match, match_params = "t.search_folded @@ to_tsquery('simple', %s)", [terms]
                cursor.execute(
                    f"SELECT t.title, t.contributors FROM {source} WHERE {match} AND {' AND '.join(conditions)} "
                    "LIMIT %s",
                    match_params + params + [limit * 4],
                )
                rows += cursor.fetchall()
        return suggestions(((title, _json(contributors)) for title, contributors in rows), words, limit)
