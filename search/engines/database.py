"""The embedded search engine: the catalog index kept in the application's own database,
so a school without an Elasticsearch cluster serves the same search interface.

Storage (``search.models``): per record a narrow ``SearchDocument`` (filter and sort
columns: facet counts read many of them per query), its ``SearchText`` (display fields,
the holdings summary as JSON, every searched field lower-cased with diacritics and folded
without them) and ``SearchFacetValue`` rows for multi-valued facets. The full-text index
is the database's own:

- SQLite: an FTS5 table ``search_fts`` with external content over ``search_searchtext``
  (``unicode61`` tokenizer, diacritics kept: we fold in Python, where đ → d is right),
  kept in step by triggers, with prefix indexes for autocomplete;
- PostgreSQL: two generated ``tsvector`` columns (folded and accented text, 'simple'
  configuration, weights A title, B contributors, C subjects, D summary) with GIN indexes.

Wagtail's database search backend is not used for the catalog: it indexes one text per
model field through its own ``IndexEntry`` table, with no control over folding (đ), no
second accented field to rank exact matches first and no facets over holdings. It still
serves Wagtail's own page search (``WAGTAILSEARCH_BACKENDS``).

Relevance is deliberately simple and the same on both databases, so the contract tests
hold everywhere: a record matches when every folded query word occurs in one of its
fields; it then scores tiers — all words in the title (100), in contributors (40), in
subjects (15), the accented words as typed (60), the words as a phrase in the title (30)
— and ties go to the shorter title. Each tier is one
indexed full-text lookup per query, not work per matching row (bm25/ts_rank per row cost
more than everything else together on 100,000 records). There is no typo tolerance.
"""

import base64
import binascii
import datetime
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
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from catalog.models import Grade, Language, MaterialKind, Record, Subject
from catalog.text import fold, nfc
from library_site.libraries.models import Library
from search.documents import RecordDocument, record_documents
from search.engines.base import InvalidCursor, Progress, SearchEngine
from search.models import PendingIndexUpdate, SearchDocument, SearchFacetValue, SearchIndexState, SearchText
from search.types import (
    FACETS,
    Access,
    Availability,
    FacetValue,
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
FACET_LIMITS = {"subject": 40, "grade": 20, "library": 60, "year": 30, "kind": 20, "language": 20}
ACCESS_LEVELS = {
    Access.PUBLIC: ("public",),
    Access.READERS: ("public", "readers"),
    Access.STAFF: ("public", "readers", "staff"),
}
SUMMARY_STORED_CHARS = 2000
# Answers kept per process: the total, facets and the first CACHED_ROWS ranked ids of a
# request (every page-number page within them is served without counting again).
CACHE_ENTRIES = 512
CACHED_ROWS = 200
SNIPPET_CHARS = 180

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


# --- Queries ----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)[:MAX_QUERY_WORDS]


def _fts_words(words: list[str]) -> str:
    return " AND ".join(f'"{word}"' for word in words)


class _TextQuery:
    """The query words, and the SQL that matches and scores them on this database."""

    def __init__(self, query: str, vendor: str):
        self.vendor = vendor
        self.folded = _words(fold(query))
        accented = _words(query.lower())
        # Accented words are worth a bonus only when the reader typed diacritics.
        self.accented = accented if any(not word.isascii() for word in accented) else []

    def __bool__(self):
        return bool(self.folded)

    # The FROM/WHERE part every query (hits, total, facets) shares.
    def source(self) -> tuple[str, list, list]:
        """(FROM clause, WHERE conditions, params)."""
        if not self:
            return f"{DOCUMENTS} d", [], []
        if self.vendor == "sqlite":
            # No column filter: folded words occur in the folded columns, and a match in
            # an accented column implies one in its folded twin.
            return (
                f"search_fts JOIN {DOCUMENTS} d ON d.record_id = search_fts.rowid",
                ["search_fts MATCH %s"],
                [_fts_words(self.folded)],
            )
        return (
            f"{DOCUMENTS} d JOIN {TEXTS} t ON t.document_id = d.record_id",
            ["t.search_folded @@ to_tsquery('simple', %s)"],
            [" & ".join(self.folded)],
        )

    def score(self) -> tuple[str, list]:
        """A score expression (higher is better) and its params."""
        if not self:
            return "0", []
        parts, params = [], []
        if self.vendor == "sqlite":
            for points, expression in self._sqlite_tiers():
                parts.append(f"{points} * (d.record_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s))")
                params.append(expression)
        else:
            for points, vector, query in self._postgres_tiers():
                parts.append(f"{points} * (t.{vector} @@ to_tsquery('simple', %s))::int")
                params.append(query)
        return " + ".join(parts), params

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


def _in(column: str, values: Iterable) -> tuple[str, list]:
    values = list(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _facet_subquery(facet: str, values: Iterable, *, probe: bool = False) -> tuple[str, list]:
    """Documents with one of ``values`` for a multi-valued facet. ``probe``: look each
    candidate up in the (document, facet, value) index — cheap when a text match already
    narrowed the candidates; otherwise one pass over the facet's rows."""
    condition, params = _in("value", [str(v) for v in values])
    if probe:
        return (
            f"EXISTS (SELECT 1 FROM {FACET_VALUES} v2 WHERE v2.document_id = d.record_id "
            f"AND v2.facet = %s AND v2.{condition})",
            [facet, *params],
        )
    return (
        f"d.record_id IN (SELECT document_id FROM {FACET_VALUES} WHERE facet = %s AND {condition})",
        [facet, *params],
    )


def _scope_libraries(request: SearchRequest) -> list[int]:
    """Libraries whose shelves count for "available now"."""
    if request.libraries:
        return list(request.libraries)
    if request.library_scope:
        return [request.library_scope]
    return []


def _available_condition(request: SearchRequest, *, probe: bool = False) -> tuple[str, list]:
    libraries = _scope_libraries(request)
    if not libraries:
        return "(d.has_digital OR d.available_anywhere)", []
    subquery, params = _facet_subquery("available", libraries, probe=True)
    return f"(d.has_digital OR (d.available_anywhere AND {subquery}))", params


def _filters(request: SearchRequest, *, skip: str | None = None, probe: bool = False) -> tuple[list[str], list]:
    """WHERE conditions of the request's filters, leaving out facet ``skip`` (a facet's
    own selection must not hide its other values)."""
    conditions: list[str] = []
    params: list = []

    def add(condition, values=()):
        conditions.append(condition)
        params.extend(values)

    add(*_in("d.access_level", ACCESS_LEVELS[Access(request.access)]))
    if request.library_scope:
        add(*_facet_subquery("library", [request.library_scope], probe=probe))
    if request.kinds and skip != "kind":
        add(*_in("d.kind", request.kinds))
    if request.languages and skip != "language":
        add(*_in("d.language", request.languages))
    if request.subjects and skip != "subject":
        add(*_facet_subquery("subject", request.subjects, probe=probe))
    if request.grades and skip != "grade":
        add(*_facet_subquery("grade", request.grades, probe=probe))
    if request.libraries and skip != "library":
        add(*_facet_subquery("library", request.libraries, probe=probe))
    if skip != "year":
        if request.year_from is not None:
            add("d.year >= %s", [request.year_from])
        if request.year_to is not None:
            add("d.year <= %s", [request.year_to])
    if skip != "availability":
        if request.available_only:
            add(*_available_condition(request))
        if request.digital_only:
            add("d.has_digital")
    return conditions, params


# --- Cursors ----------------------------------------------------------------------------

_KEYSET = {
    # sort: (ORDER BY, keyset condition given the previous last row's (value, id))
    Sort.TITLE: (
        "d.title_sort ASC, d.record_id ASC",
        "(d.title_sort > %s OR (d.title_sort = %s AND d.record_id > %s))",
    ),
    Sort.YEAR: ("d.year_sort DESC, d.record_id ASC", "(d.year_sort < %s OR (d.year_sort = %s AND d.record_id > %s))"),
    Sort.NEWEST: (
        "d.created_at DESC, d.record_id DESC",
        "(d.created_at < %s OR (d.created_at = %s AND d.record_id < %s))",
    ),
}


RELEVANCE_ORDER = ("score DESC, length(d.title_sort) ASC, d.record_id ASC", "")  # paged by offset


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

    def create(self) -> None:
        full_text_install(connection)

    def __init__(self, *, cache_entries: int | None = None):
        self._cache: OrderedDict = OrderedDict()
        if cache_entries is None:
            cache_entries = getattr(settings, "SEARCH_DATABASE_CACHE_ENTRIES", CACHE_ENTRIES)
        self._cache_entries = cache_entries
        self._cache_lock = threading.Lock()

    def drop(self) -> None:
        with transaction.atomic():
            for model in (SearchFacetValue, SearchText, SearchDocument):
                model.objects.all()._raw_delete(model.objects.db)
            self._bump_generation()

    @staticmethod
    def _bump_generation() -> None:
        """Called inside the writing transaction: the new number becomes visible with the
        new rows, never before."""
        if not SearchIndexState.objects.filter(pk=1).update(generation=F("generation") + 1, updated_at=timezone.now()):
            SearchIndexState.objects.get_or_create(pk=1, defaults={"generation": 1})

    @staticmethod
    def _generation() -> tuple:
        """The index's generation, with the time it was reached (a rolled-back write can
        bring a number back, never the same time with it)."""
        return SearchIndexState.objects.filter(pk=1).values_list("generation", "updated_at").first() or (0, None)

    def update(self, record_ids: Iterable[int]) -> None:
        ids = sorted({int(pk) for pk in record_ids})
        if not ids:
            return
        with transaction.atomic():
            documents = list(record_documents(ids))
            SearchFacetValue.objects.filter(document_id__in=ids)._raw_delete(SearchFacetValue.objects.db)
            SearchText.objects.filter(document_id__in=ids)._raw_delete(SearchText.objects.db)
            SearchDocument.objects.filter(record_id__in=ids)._raw_delete(SearchDocument.objects.db)
            self._write(documents)
            self._bump_generation()

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Everything again, in one transaction: searches keep seeing the old index until
        the new one commits (SQLite WAL and PostgreSQL MVCC readers are not blocked)."""
        total = Record.objects.filter(withdrawn_at__isnull=True).count()
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

    def _write(self, documents: list[RecordDocument]) -> None:
        if not documents:
            return
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
                facet_rows.extend(
                    SearchFacetValue(document_id=doc.id, facet=facet, value=str(value)) for value in values
                )
        SearchDocument.objects.bulk_create(rows, batch_size=500)
        SearchText.objects.bulk_create(texts, batch_size=500)
        SearchFacetValue.objects.bulk_create(facet_rows, batch_size=2000)

    @staticmethod
    def _document_rows(doc: RecordDocument, now) -> tuple[SearchDocument, SearchText]:
        subjects = " ; ".join([*doc.subject_names, *doc.keywords])
        summary = nfc(" ".join(filter(None, [doc.summary, doc.publisher, doc.isbn])))
        contributors = " ; ".join(doc.contributors)
        title_folded = fold(doc.title)
        document = SearchDocument(
            record_id=doc.id,
            access_level=doc.access_level,
            kind=doc.kind,
            language=doc.language,
            year=doc.year,
            year_sort=doc.year or 0,
            has_digital=doc.has_digital,
            available_anywhere=bool(doc.available_library_ids),
            owner_library_id=doc.owner_library_id,
            cover_id=doc.cover_id,
            created_at=parse_datetime(doc.created_at_iso) or now,
            title_sort=title_folded[:120],
            indexed_at=now,
        )
        text = SearchText(
            document_id=doc.id,
            title=doc.title,
            contributors=list(doc.contributors),
            summary=doc.summary[:SUMMARY_STORED_CHARS],
            holdings=[
                {"library_id": h.library_id, "library_name": h.library_name, "available": h.available, "total": h.total}
                for h in doc.holdings
            ],
            title_text=doc.title.lower(),
            title_folded=title_folded,
            contributors_text=contributors.lower(),
            contributors_folded=fold(contributors),
            subjects_text=subjects.lower(),
            subjects_folded=fold(subjects),
            summary_text=summary.lower(),
            summary_folded=fold(summary),
        )
        return document, text

    def status(self) -> IndexStatus:
        documents = SearchDocument.objects.count()
        last = SearchDocument.objects.order_by("-indexed_at").values_list("indexed_at", flat=True).first()
        detail = "SQLite FTS5" if connection.vendor == "sqlite" else "PostgreSQL full-text search"
        return IndexStatus(
            engine=self.name,
            index_name=DOCUMENTS,
            documents=documents,
            records_in_database=Record.objects.filter(withdrawn_at__isnull=True).count(),
            pending_updates=PendingIndexUpdate.objects.count(),
            last_rebuild=last,
            detail=detail,
        )

    # -- searching -------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        query = normalise_query(request.query)
        suggestion = input_method_decode(query) if query else None
        result = self._search(request, query)
        if suggestion and not result.total and fold(suggestion) != fold(query):
            # Typed in Telex/VNI with the input method off: search the Vietnamese instead.
            result = self._search(request, suggestion)
        return SearchResult(
            total=result.total,
            hits=result.hits,
            facets=result.facets,
            suggestion=suggestion,
            next_cursor=result.next_cursor,
            engine=self.name,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def _search(self, request: SearchRequest, query: str) -> SearchResult:
        text = _TextQuery(query, connection.vendor)
        source, text_conditions, text_params = text.source()
        conditions, params = _filters(request, probe=bool(text))
        where_sql = " AND ".join(text_conditions + conditions) or "1=1"
        where_params = text_params + params

        page_size = max(1, min(int(request.page_size), 100))
        sort = Sort(request.sort)
        if sort == Sort.RELEVANCE and not text:
            sort = Sort.NEWEST  # nothing to rank by: newest catalogued first
        state = decode_cursor(request.cursor) if request.cursor else None
        if state is not None and state.get("s") != sort.value:
            raise InvalidCursor(_("The paging cursor belongs to another sort order."))
        offset, keyset = self._position(request, sort, state, page_size)

        # Totals and facets do not depend on the sort or the page; ranked rows do.
        counts_key = self._cache_key(request, text)
        ranked_key = counts_key and (*counts_key, "ranked", sort.value)
        counts = self._cache_get(counts_key)
        with connection.cursor() as cursor:
            if counts is None:
                if request.with_facets:
                    counts = self._facets(cursor, request, text)
                else:
                    cursor.execute(f"SELECT COUNT(*) FROM {source} WHERE {where_sql}", where_params)
                    counts = (cursor.fetchone()[0], {})
                self._cache_put(counts_key, counts)
            total, facets = counts
            if not total:
                rows = []
            elif keyset is None and offset + page_size + 1 <= CACHED_ROWS:
                # The first pages: rank once, keep the first CACHED_ROWS rows.
                ranked = self._cache_get(ranked_key)
                if ranked is None:
                    ranked = self._ranked(cursor, text, sort, source, where_sql, where_params, None, 0, CACHED_ROWS)
                    self._cache_put(ranked_key, ranked)
                rows = ranked[offset : offset + page_size + 1]
            else:
                rows = self._ranked(cursor, text, sort, source, where_sql, where_params, keyset, offset, page_size + 1)

        more = len(rows) > page_size
        rows = rows[:page_size]
        next_cursor = self._next_cursor(sort, rows[-1], offset + page_size) if more and rows else None
        texts = SearchText.objects.select_related("document").in_bulk([row[0] for row in rows])
        words = set(text.folded)
        scored = bool(text) and sort == Sort.RELEVANCE
        hits = tuple(
            self._hit(texts[row[0]], float(row[1]) if scored else None, words) for row in rows if row[0] in texts
        )
        return SearchResult(total=total, hits=hits, facets=facets, next_cursor=next_cursor, engine=self.name)

    @staticmethod
    def _position(request, sort, state, page_size) -> tuple[int, list | None]:
        """(offset, keyset params) of the page asked for: a page number, an offset cursor
        (relevance) or a keyset cursor (title, year, newest)."""
        if state is None:
            return (max(1, request.page) - 1) * page_size, None
        if sort not in _KEYSET:
            offset = state.get("o")
            if not isinstance(offset, int) or offset < 0:
                raise InvalidCursor(_("The paging cursor is not valid."))
            return offset, None
        key = state.get("k")
        if not (isinstance(key, list) and len(key) == 2 and isinstance(key[1], int)):
            raise InvalidCursor(_("The paging cursor is not valid."))
        value = key[0]
        if sort == Sort.NEWEST:
            moment = parse_datetime(str(value))
            if moment is None:
                raise InvalidCursor(_("The paging cursor is not valid."))
            value = connection.ops.adapt_datetimefield_value(moment)
        elif not isinstance(value, str | int):
            raise InvalidCursor(_("The paging cursor is not valid."))
        return 0, [value, value, key[1]]

    @staticmethod
    def _ranked(cursor, text, sort, source, where_sql, where_params, keyset, offset, limit) -> list[tuple]:
        """Rows (id, score, title_sort, year_sort, created_at) in the sort's order."""
        score_sql, score_params = text.score() if sort == Sort.RELEVANCE else ("0", [])
        order_sql, keyset_condition = _KEYSET.get(sort, RELEVANCE_ORDER)
        keyset_sql = f" AND {keyset_condition}" if keyset else ""
        cursor.execute(
            f"SELECT d.record_id, {score_sql} AS score, d.title_sort, d.year_sort, d.created_at "
            f"FROM {source} WHERE {where_sql}{keyset_sql} ORDER BY {order_sql} LIMIT %s OFFSET %s",
            score_params + where_params + (keyset or []) + [limit, offset],
        )
        return [tuple(row) for row in cursor.fetchall()]

    @staticmethod
    def _next_cursor(sort: Sort, last: tuple, next_offset: int) -> str:
        if sort not in _KEYSET:
            return encode_cursor({"s": sort.value, "o": next_offset})
        value = {Sort.TITLE: last[2], Sort.YEAR: last[3]}.get(sort)
        if sort == Sort.NEWEST:
            created = last[4]
            if isinstance(created, str):
                created = parse_datetime(created)
            if timezone.is_naive(created):
                created = timezone.make_aware(created, datetime.UTC)
            value = created.isoformat()
        return encode_cursor({"s": sort.value, "k": [value, last[0]]})

    # -- the answer cache --------------------------------------------------------------

    def _cache_key(self, request: SearchRequest, text: _TextQuery) -> tuple | None:
        if not self._cache_entries:
            return None
        return (
            connection.alias,
            connection.settings_dict.get("NAME"),
            self._generation(),
            tuple(text.folded),
            tuple(text.accented),
            tuple(sorted(request.kinds)),
            tuple(sorted(request.subjects)),
            tuple(sorted(request.grades)),
            tuple(sorted(request.languages)),
            tuple(sorted(request.libraries)),
            request.available_only,
            request.digital_only,
            request.year_from,
            request.year_to,
            request.library_scope,
            Access(request.access).value,
            request.with_facets,
        )

    def _cache_get(self, key):
        if key is None:
            return None
        with self._cache_lock:
            entry = self._cache.get(key)
            if entry is not None:
                self._cache.move_to_end(key)
            return entry

    def _cache_put(self, key, entry) -> None:
        if key is None:
            return
        with self._cache_lock:
            self._cache[key] = entry
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)

    def _hit(self, text: SearchText, score, words: set[str]) -> Hit:
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
                Availability(h["library_id"], h["library_name"], h["available"], h["total"])
                for h in _json(text.holdings)
            ),
            has_digital=document.has_digital,
            cover_id=document.cover_id,
            score=score,
        )

    # -- facets ----------------------------------------------------------------------

    def _facets(self, cursor, request: SearchRequest, text: _TextQuery):
        """The total and every facet's counts. Facets whose own filter is not in use share
        one pass over the matching documents (one for the document columns, one for the
        multi-valued facet rows); a facet with a selection of its own is counted without
        it, in a query of its own, so its other values stay offered."""
        source, text_conditions, text_params = text.source()

        def where(skip=None):
            conditions, params = _filters(request, skip=skip, probe=bool(text))
            return " AND ".join(text_conditions + conditions) or "1=1", text_params + params

        active = {
            "kind": bool(request.kinds),
            "language": bool(request.languages),
            "year": request.year_from is not None or request.year_to is not None,
            "availability": request.available_only or request.digital_only,
            "subject": bool(request.subjects),
            "grade": bool(request.grades),
            "library": bool(request.libraries),
        }
        available_sql, available_params = _available_condition(request)
        counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}

        def column_pass(skip, wanted):
            where_sql, params = where(skip)
            cursor.execute(
                f"SELECT d.kind, d.language, d.year, CASE WHEN d.has_digital THEN 1 ELSE 0 END, "
                f"CASE WHEN {available_sql} THEN 1 ELSE 0 END, COUNT(*) FROM {source} WHERE {where_sql} "
                f"GROUP BY 1, 2, 3, 4, 5",
                available_params + params,
            )
            total = 0
            for kind, language, year, digital, available, n in cursor.fetchall():
                total += n
                for facet, value in (("kind", kind), ("language", language), ("year", year)):
                    if facet in wanted and value is not None:
                        key = str(value)
                        counts[facet][key] = counts[facet].get(key, 0) + n
                if "availability" in wanted:
                    for key, flag in (("available", available), ("digital", digital)):
                        if flag:
                            counts["availability"][key] = counts["availability"].get(key, 0) + n
            return total

        def value_pass(skip, wanted):
            where_sql, params = where(skip)
            condition, facet_params = _in("v.facet", wanted)
            cursor.execute(
                f"SELECT v.facet, v.value, COUNT(*) FROM {source} JOIN {FACET_VALUES} v "
                f"ON v.document_id = d.record_id AND {condition} WHERE {where_sql} GROUP BY v.facet, v.value",
                facet_params + params,
            )
            for facet, value, n in cursor.fetchall():
                counts[facet][value] = n

        column_facets = ("kind", "language", "year", "availability")
        total = column_pass(None, [f for f in column_facets if not active[f]])
        for facet in column_facets:
            if active[facet]:
                column_pass(facet, [facet])
        shared = [f for f in ("subject", "grade", "library") if not active[f]]
        if shared and total:
            value_pass(None, shared)
        for facet in ("subject", "grade", "library"):
            if active[facet]:
                value_pass(facet, [facet])

        ordered: dict[str, list[tuple[str, int]]] = {}
        for facet, values in counts.items():
            if facet == "year":
                items = sorted(values.items(), key=lambda item: -int(item[0]))
            elif facet == "availability":
                items = [(key, values[key]) for key in ("available", "digital") if values.get(key)]
            else:
                items = sorted(values.items(), key=lambda item: (-item[1], item[0]))
            ordered[facet] = items[: FACET_LIMITS.get(facet, 50)]
        return total, self._label_facets(request, ordered)

    def _label_facets(self, request: SearchRequest, counts) -> dict[str, tuple[FacetValue, ...]]:
        selected = {
            "kind": set(request.kinds),
            "subject": set(request.subjects),
            "grade": set(request.grades),
            "language": set(request.languages),
            "library": {str(pk) for pk in request.libraries},
            "availability": ({"available"} if request.available_only else set())
            | ({"digital"} if request.digital_only else set()),
            "year": {str(request.year_from)}
            if request.year_from is not None and request.year_from == request.year_to
            else set(),
        }
        labels = facet_labels(
            subjects={v for v, _ in counts["subject"]} | selected["subject"],
            grades={v for v, _ in counts["grade"]} | selected["grade"],
            libraries={v for v, _ in counts["library"]} | selected["library"],
        )
        facets: dict[str, tuple[FacetValue, ...]] = {}
        for facet in FACETS:
            values = counts.get(facet, [])
            present = {value for value, _ in values}
            # A selected value the other filters leave empty stays visible, to be unselected.
            values = values + [(value, 0) for value in sorted(selected[facet] - present)]
            facets[facet] = tuple(
                FacetValue(value, labels[facet](value), n, value in selected[facet]) for value, n in values
            )
        return facets

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
        key = self._cache_entries and (
            connection.alias,
            connection.settings_dict.get("NAME"),
            self._generation(),
            "autocomplete",
            tuple(words),
            library_scope,
            Access(access).value,
            limit,
        )
        cached = self._cache_get(key or None)
        if cached is not None:
            return list(cached)
        condition, params = _in("d.access_level", ACCESS_LEVELS[Access(access)])
        conditions = [condition]
        if library_scope:
            condition, scope_params = _facet_subquery("library", [library_scope], probe=True)
            conditions.append(condition)
            params += scope_params
        with connection.cursor() as cursor:
            # Titles beginning with the typed words: a range on the folded-title index.
            start = " ".join(words)
            cursor.execute(
                f"SELECT t.title, t.title_folded, t.contributors FROM {DOCUMENTS} d "
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
                    f"SELECT t.title, t.title_folded, t.contributors FROM {source} "
                    f"WHERE {match} AND {' AND '.join(conditions)} LIMIT %s",
                    match_params + params + [limit * 4],
                )
                rows += cursor.fetchall()
        titles: list[str] = []
        names: list[str] = []
        for title, title_folded, contributors in rows:
            if _starts_with_words(title_folded, words) and title not in titles:
                titles.append(title)
            for name in _json(contributors):
                if _starts_with_words(fold(name), words) and name not in names:
                    names.append(name)
        suggestions = (titles + [n for n in names if n not in titles])[:limit]
        self._cache_put(key or None, tuple(suggestions))
        return suggestions


def _starts_with_words(folded: str, words: list[str]) -> bool:
    """Every typed word is a word of ``folded``, the last one as a prefix."""
    own = _WORDS.findall(folded)
    return all(w in own for w in words[:-1]) and any(o.startswith(words[-1]) for o in own)


def facet_labels(*, subjects=(), grades=(), libraries=()):
    """Label functions per facet, loading the names the facet values need in one query each."""
    subject_names = (
        dict(Subject.objects.filter(code__in=list(subjects)).values_list("code", "name")) if subjects else {}
    )
    grade_names = dict(Grade.objects.filter(code__in=list(grades)).values_list("code", "name")) if grades else {}
    library_ids = [int(v) for v in libraries if str(v).isdigit()]
    library_names = {
        str(pk): short or name
        for pk, short, name in Library.objects.filter(pk__in=library_ids).values_list("pk", "short_name", "name")
    }
    kinds = dict(MaterialKind.choices)
    languages = dict(Language.choices)
    availability = {"available": _("Available now"), "digital": _("Digital")}
    return {
        "kind": lambda v: str(kinds.get(v, v)),
        "subject": lambda v: subject_names.get(v, v),
        "grade": lambda v: grade_names.get(v, v),
        "language": lambda v: str(languages.get(v, v)),
        "library": lambda v: library_names.get(v, v),
        "availability": lambda v: str(availability.get(v, v)),
        "year": lambda v: v,
    }
