"""The Elasticsearch 8 engine, through ``elasticsearch.dsl`` (shipped inside the 8.x client).

Index layout: records live in a versioned index ``{prefix}-records-v{timestamp}`` reached
through the alias ``{prefix}-records``. A rebuild fills a new versioned index (while the old
one keeps answering), then moves the alias in one atomic ``update_aliases`` call and deletes
the old index. While a rebuild runs, the new index also carries the alias
``{prefix}-records-next`` so incremental updates reach both indexes.

Vietnamese: documents and queries are NFC first. Every text field is indexed twice: as
typed (``vi_accented``: standard tokenizer + lowercase) and folded (``vi_folded``: đ→d by a
mapping char filter, then lowercase + asciifolding) in a separate ``.folded`` sub-field. A
query must match the folded text (accents optional), and matches on the accented fields
add to the score, so "Tắt đèn" ranks above "Tất đến" for the query "Tắt đèn". Every
searchable value is also sent in ``all_folded`` so that a query's words may come from
different fields ("đất rừng Đoàn Giỏi") without relying on ``cross_fields``. Title order
uses ``title_sort``, the folded title computed in Python (``library_site.text.fold``).

Typo tolerance: when the exact (accent-folded) query finds nothing, it runs again with
``fuzziness=AUTO`` on the folded fields. Totals therefore stay honest for queries that match,
and a misspelt query still finds something.

Autocomplete: ``.autocomplete`` sub-fields of title and contributors hold edge n-grams of the
folded text (index-time analyzer), searched with the folded analyzer (no n-grams at search
time). Prefix and wildcard queries would skip the analyzer, so none are used."""

import base64
import binascii
import datetime
import json
import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Index,
    InnerDoc,
    Integer,
    Keyword,
    Long,
    MetaField,
    Object,
    Q,
    Query,
    Search,
    Short,
    Text,
    analyzer,
    char_filter,
    token_filter,
)

from catalog.models import Copy, Record
from library_site.text import fold, nfc
from search.documents import RecordDocument, indexable_records, record_documents
from search.engines.base import EngineUnavailable, InvalidCursor, Progress, SearchEngine
from search.models import PendingIndexUpdate
from search.results import folded_words, labelled_facets, library_names, suggestions
from search.types import (
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

logger = logging.getLogger(__name__)

# --- Analysis ---------------------------------------------------------------------------

# Lucene's asciifolding already maps đ to d, but we do not rely on it: the mapping is what
# the folding means to us, and it is applied before tokenising, as in ``library_site.text.fold``.
vi_dstroke = char_filter("vi_dstroke", "mapping", mappings=["đ => d", "Đ => D"])
vi_edge_ngram = token_filter("vi_edge_ngram", "edge_ngram", min_gram=1, max_gram=20)

vi_accented = analyzer("vi_accented", tokenizer="standard", filter=["lowercase"])
vi_folded = analyzer("vi_folded", tokenizer="standard", char_filter=[vi_dstroke], filter=["lowercase", "asciifolding"])
vi_autocomplete = analyzer(
    "vi_autocomplete",
    tokenizer="standard",
    char_filter=[vi_dstroke],
    filter=["lowercase", "asciifolding", vi_edge_ngram],
)


def vi_text(*, multi: bool = False, autocomplete: bool = False) -> Text:
    """A text field indexed as typed, with a ``.folded`` (and optionally ``.autocomplete``)
    sub-field."""
    fields = {"folded": Text(analyzer=vi_folded)}
    if autocomplete:
        fields["autocomplete"] = Text(analyzer=vi_autocomplete, search_analyzer=vi_folded)
    return Text(analyzer=vi_accented, fields=fields, multi=multi)


class HoldingDocument(InnerDoc):
    library_id = Integer()
    library_name = Keyword(index=False)
    available = Short()
    total = Short()


class RecordIndexDocument(Document):
    """One catalog record (``search.documents.RecordDocument``) in the index; ``_id`` is
    the record's primary key, ``record_id`` the same number as a sortable field (the
    tie-breaker of every sort, which deep paging with search_after needs)."""

    record_id = Long()
    title = vi_text(autocomplete=True)
    # Sorting by title: the folded title (``library_site.text.fold``) as one keyword, so "Đất…"
    # sorts with "D" and accents never split the order.
    title_sort = Keyword(ignore_above=512)
    contributors = vi_text(multi=True, autocomplete=True)
    subject_names = vi_text(multi=True)
    keywords = vi_text(multi=True)
    publisher = vi_text()
    summary = vi_text()
    # Every searchable value in one folded field, so that a query's words may come from
    # different fields ("đất rừng Đoàn Giỏi"): every word must match here. Filled from
    # Python rather than with copy_to, and left out of the stored _source.
    all_folded = Text(analyzer=vi_folded, multi=True)
    isbn = Keyword()
    kind = Keyword()
    language = Keyword()
    access_level = Keyword()
    subjects = Keyword(multi=True)
    grades = Keyword(multi=True)
    year = Short()
    created_at = Date()
    owner_library_id = Integer()
    library_ids = Integer(multi=True)
    available_library_ids = Integer(multi=True)
    has_digital = Boolean()
    cover_id = Integer(index=False)
    holdings = Object(HoldingDocument, multi=True)

    class Meta:
        dynamic = MetaField("strict")
        source = MetaField(excludes=["all_folded"])

    @staticmethod
    def source(document: RecordDocument) -> dict:
        """The indexed fields of a record, as the plain dict the bulk API sends (building a
        ``Document`` per record and serialising it costs more than the indexing itself on
        a 100,000-record rebuild; the strict mapping still checks every field name)."""
        title = nfc(document.title)
        contributors = [nfc(name) for name in document.contributors]
        subject_names = [nfc(name) for name in document.subject_names]
        keywords = [nfc(keyword) for keyword in document.keywords]
        publisher, summary = nfc(document.publisher), nfc(document.summary)
        searchable = [value for value in [title, *contributors, *subject_names, *keywords, publisher, summary] if value]
        return {
            "record_id": document.id,
            "title": title,
            "title_sort": fold(title)[:512],
            "contributors": contributors,
            "subject_names": subject_names,
            "keywords": keywords,
            "publisher": publisher,
            "summary": summary,
            "all_folded": searchable + ([document.isbn] if document.isbn else []),
            "isbn": document.isbn or None,
            "kind": document.kind,
            "language": document.language,
            "access_level": document.access_level,
            "subjects": list(document.subjects),
            "grades": list(document.grades),
            "year": document.year,
            "created_at": document.created_at_iso,
            "owner_library_id": document.owner_library_id,
            "library_ids": list(document.library_ids),
            "available_library_ids": list(document.available_library_ids),
            "has_digital": document.has_digital,
            "cover_id": document.cover_id,
            "holdings": [
                {"library_id": h.library_id, "library_name": h.library_name, "available": h.available, "total": h.total}
                for h in document.holdings
            ],
        }


# --- Query building ---------------------------------------------------------------------

# Field boosts: title above contributors above subjects and keywords above the rest.
FIELD_BOOSTS = {"title": 10, "contributors": 6, "subject_names": 3, "keywords": 3, "publisher": 1.5, "summary": 1}
PHRASE_FIELDS = {"title": 4, "contributors": 2}
# An exact accented match counts this much more than the same words matched only folded.
ACCENTED_BOOST = 2.0
PHRASE_BOOST = 2.0
HIGHLIGHT_FIELDS = ("title", "contributors", "summary")
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
ACCESS_LEVELS = {
    Access.PUBLIC: ["public"],
    Access.READERS: ["public", "readers"],
    Access.STAFF: None,  # everything
}
FACET_SIZE = 50
YEAR_FACET_SIZE = 30


def _fields(suffix: str = "", boosts: dict | None = None) -> list[str]:
    return [f"{name}{suffix}^{boost}" for name, boost in (boosts or FIELD_BOOSTS).items()]


def text_query(query: str, *, fuzzy: bool = False) -> Query:
    """Every word must match the folded text of the record (accents optional, words may
    come from different fields); exact accented words and phrases add to the score."""
    if fuzzy:
        required = Q("match", all_folded={"query": query, "operator": "and", "fuzziness": "AUTO", "prefix_length": 1})
        scoring = [
            Q(
                "multi_match",
                query=query,
                type="best_fields",
                fields=_fields(".folded"),
                fuzziness="AUTO",
                prefix_length=1,
                tie_breaker=0.3,
            )
        ]
    else:
        required = Q("match", all_folded={"query": query, "operator": "and"})
        scoring = [
            Q("multi_match", query=query, type="best_fields", fields=_fields(".folded"), tie_breaker=0.3),
            Q(
                "multi_match",
                query=query,
                type="best_fields",
                fields=_fields(),
                tie_breaker=0.3,
                boost=ACCENTED_BOOST,
            ),
            Q("multi_match", query=query, type="phrase", fields=_fields("", PHRASE_FIELDS), boost=PHRASE_BOOST),
            Q("multi_match", query=query, type="phrase", fields=_fields(".folded", PHRASE_FIELDS), boost=1.0),
        ]
    return Q("bool", must=[required], should=scoring)


def encode_cursor(sort: Sort, sort_values: list) -> str:
    """The opaque cursor: the sort order and the last hit's sort values, as URL-safe base64
    of JSON (what ``search_after`` takes back)."""
    raw = json.dumps({"s": sort.value, "a": sort_values}, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidCursor(_("The paging cursor is not valid.")) from error
    if not isinstance(state, dict) or not isinstance(state.get("a"), list):
        raise InvalidCursor(_("The paging cursor is not valid."))
    if state.get("s") != sort.value:
        raise InvalidCursor(_("The paging cursor belongs to another sort order."))
    values = state["a"]
    if len(values) != len(_sort_clauses(sort)) or not all(isinstance(v, str | int | float) for v in values):
        raise InvalidCursor(_("The paging cursor is not valid."))
    return values


def _effective_sort(request: SearchRequest, has_query: bool) -> Sort:
    """Relevance without words has nothing to rank by: newest catalogued first."""
    sort = Sort(request.sort)
    return Sort.NEWEST if sort == Sort.RELEVANCE and not has_query else sort


def _sort_clauses(sort: Sort) -> list:
    tie_breaker = {"record_id": {"order": "asc"}}
    if sort == Sort.TITLE:
        return [{"title_sort": {"order": "asc", "missing": "_last"}}, tie_breaker]
    if sort == Sort.YEAR:
        return [{"year": {"order": "desc", "missing": "_last"}}, tie_breaker]
    if sort == Sort.NEWEST:
        return [{"created_at": {"order": "desc"}}, {"record_id": {"order": "desc"}}]
    return [{"_score": {"order": "desc"}}, tie_breaker]


# --- Facets -----------------------------------------------------------------------------


class _Filters:
    """The request's filters, as Elasticsearch queries: ``base`` (access, scope, withdrawn)
    applies to everything; ``facets`` (one per facet with a selection) go into the
    post_filter, and each facet's aggregation applies every facet filter but its own, so a
    facet's selection never hides its other values."""

    def __init__(self, request: SearchRequest):
        self.request = request
        self.base: list[Query] = []
        levels = ACCESS_LEVELS[Access(request.access)]
        if levels is not None:
            self.base.append(Q("terms", access_level=levels))
        if request.library_scope is not None:
            self.base.append(Q("term", library_ids=request.library_scope))
        self.facets: dict[str, Query] = {}
        if request.kinds:
            self.facets["kind"] = Q("terms", kind=list(request.kinds))
        if request.subjects:
            self.facets["subject"] = Q("terms", subjects=list(request.subjects))
        if request.grades:
            self.facets["grade"] = Q("terms", grades=list(request.grades))
        if request.languages:
            self.facets["language"] = Q("terms", language=list(request.languages))
        if request.libraries:
            self.facets["library"] = Q("terms", library_ids=[int(i) for i in request.libraries])
        availability = []
        if request.available_only:
            availability.append(self.available_query())
        if request.digital_only:
            availability.append(Q("term", has_digital=True))
        if availability:
            self.facets["availability"] = Q("bool", filter=availability)
        if request.year_from is not None or request.year_to is not None:
            bounds = {}
            if request.year_from is not None:
                bounds["gte"] = request.year_from
            if request.year_to is not None:
                bounds["lte"] = request.year_to
            self.facets["year"] = Q("range", year=bounds)

    def available_query(self) -> Query:
        """A copy on the shelf in scope (the chosen libraries, else this library, else
        anywhere), or a digital file."""
        ids = [int(i) for i in self.request.shelf_scope]
        shelf = Q("terms", available_library_ids=ids) if ids else Q("exists", field="available_library_ids")
        return Q("bool", should=[shelf, Q("term", has_digital=True)], minimum_should_match=1)

    def except_facet(self, name: str) -> Query:
        others = [query for facet, query in self.facets.items() if facet != name]
        return Q("bool", filter=others) if others else Q("match_all")

    def post_filter(self) -> Query | None:
        return Q("bool", filter=list(self.facets.values())) if self.facets else None


def _facet_aggregations(search: Search, filters: _Filters) -> Search:
    terms = {
        "kind": "kind",
        "subject": "subjects",
        "grade": "grades",
        "language": "language",
        "library": "library_ids",
    }
    for name, field in terms.items():
        search.aggs.bucket(name, "filter", filter=filters.except_facet(name)).bucket(
            "values", "terms", field=field, size=FACET_SIZE
        )
    availability = search.aggs.bucket("availability", "filter", filter=filters.except_facet("availability"))
    availability.bucket(
        "values",
        "filters",
        filters={"available": filters.available_query(), "digital": Q("term", has_digital=True)},
    )
    # The most recent years that have records, newest first (a year is chosen as
    # year_from = year_to).
    search.aggs.bucket("year", "filter", filter=filters.except_facet("year")).bucket(
        "values", "terms", field="year", size=YEAR_FACET_SIZE, order={"_key": "desc"}
    )
    return search


# --- The engine -------------------------------------------------------------------------


def client_options(config: dict) -> dict:
    """Keyword arguments of ``Elasticsearch()`` from ``settings.ELASTICSEARCH``: the URL,
    an API key or user and password, the CA bundle and certificate checking, timeouts and
    retries."""
    options = {
        "hosts": [host.strip() for host in config["URL"].split(",") if host.strip()],
        "request_timeout": float(config.get("TIMEOUT", 10)),
        "max_retries": int(config.get("MAX_RETRIES", 2)),
        "retry_on_timeout": True,
    }
    if config.get("API_KEY"):
        options["api_key"] = config["API_KEY"]
    elif config.get("USERNAME"):
        # Encoded here as UTF-8 (what Elasticsearch expects): the client would encode a
        # (user, password) pair as ASCII and fail on a password with diacritics.
        credentials = f"{config['USERNAME']}:{config.get('PASSWORD') or ''}".encode()
        options["basic_auth"] = base64.b64encode(credentials).decode("ascii")
    if config.get("CA_CERTS"):
        options["ca_certs"] = config["CA_CERTS"]
    if not config.get("VERIFY_CERTS", True):
        options["verify_certs"] = False
        options["ssl_show_warn"] = False
    return options


def _unavailable(exc: Exception) -> EngineUnavailable:
    return EngineUnavailable(f"Elasticsearch: {exc}")


def _is_outage(exc: Exception) -> bool:
    """Errors after which a retry may succeed: no connection, a timeout, an overloaded or
    unavailable cluster (429, 5xx). A 4xx answer means a bug in the request, not an outage."""
    if isinstance(exc, TransportError):
        return True
    return isinstance(exc, ApiError) and (exc.meta.status == 429 or exc.meta.status >= 500)


class ElasticsearchEngine(SearchEngine):
    name = "elasticsearch"
    supports_typo_tolerance = True

    # Incremental updates run while a librarian or the circulation desk waits: they give up
    # quickly (the ids are queued then) rather than hold the request.
    UPDATE_TIMEOUT = 5.0
    BULK_CHUNK = 1000
    BULK_IN_FLIGHT = 2
    BULK_TIMEOUT = 120.0

    def __init__(self, config: dict | None = None):
        self.config = dict(config or settings.ELASTICSEARCH)
        prefix = self.config.get("INDEX_PREFIX") or "library"
        self.alias = f"{prefix}-records"
        self.next_alias = f"{prefix}-records-next"
        self.index_pattern = f"{prefix}-records-v*"
        # Visible to searches as soon as update() returns (django-elasticsearch-dsl's
        # AUTO_REFRESH): a librarian who saves a record finds it at once.
        self.refresh_on_update = bool(self.config.get("AUTO_REFRESH", True))
        self.replicas = int(self.config.get("REPLICAS", 1))
        self.shards = int(self.config.get("SHARDS", 1))

    @cached_property
    def client(self) -> Elasticsearch:
        return Elasticsearch(**client_options(self.config))

    # -- index lifecycle -----------------------------------------------------------------

    def _index(self, name: str, *, building: bool = False) -> Index:
        index = Index(name, using=self.client)
        index.document(RecordIndexDocument)
        index.settings(
            number_of_shards=self.shards,
            number_of_replicas=0 if building else self.replicas,
            refresh_interval="-1" if building else "1s",
            max_ngram_diff=20,
        )
        return index

    def _new_index_name(self) -> str:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S%f")
        return f"{self.alias}-v{stamp}"

    def _aliased_indexes(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias))
        except NotFoundError:
            return []

    def _write_targets(self) -> list[str]:
        """Indexes an update must reach: behind the alias, and a rebuild's new index."""
        try:
            aliases = self.client.indices.get_alias(index=f"{self.alias}*")
        except NotFoundError:
            return []
        return sorted(
            index for index, info in aliases.items() if {self.alias, self.next_alias} & set(info.get("aliases", {}))
        )

    def create(self) -> None:
        try:
            if self.client.indices.exists_alias(name=self.alias):
                return
            if self.client.indices.exists(index=self.alias):  # a concrete index under the alias's name
                return
            name = self._new_index_name()
            self._index(name).create()
            self.client.indices.put_alias(index=name, name=self.alias)
        except Exception as exc:
            if _is_outage(exc):
                raise _unavailable(exc) from exc
            raise

    def drop(self) -> None:
        try:
            names = set(self.client.indices.get(index=self.index_pattern, expand_wildcards="all"))
            names.update(self._aliased_indexes(self.alias))
            if self.client.indices.exists(index=self.alias) and not self.client.indices.exists_alias(name=self.alias):
                names.add(self.alias)
            for name in sorted(names):
                self.client.indices.delete(index=name, ignore_unavailable=True)
        except Exception as exc:
            if _is_outage(exc):
                raise _unavailable(exc) from exc
            raise

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Fill a new versioned index with every record, then swap the alias atomically.
        Searches keep answering from the old index until the swap; updates made during
        the build reach both indexes (the ``-next`` alias), and records changed while
        their batch was in flight are indexed once more after the swap."""
        started = timezone.now()
        name = self._new_index_name()
        try:
            self._index(name, building=True).create()
            self.client.indices.put_alias(index=name, name=self.next_alias)
            total = indexable_records().count()
            if progress:
                progress(0, total)
            done = 0
            bulk = self.client.options(request_timeout=self.BULK_TIMEOUT, max_retries=3, retry_on_timeout=True)
            # Bulk requests in flight while the next chunk is read from the database and built
            # here (database access stays in this thread and its transaction).
            with ThreadPoolExecutor(max_workers=self.BULK_IN_FLIGHT) as sender:
                sending: deque = deque()
                actions = self._index_actions(record_documents(batch_size=self.BULK_CHUNK), index=name)
                for chunk in _chunked(actions, self.BULK_CHUNK):
                    sending.append(sender.submit(self._bulk_chunk, bulk, chunk))
                    if len(sending) > self.BULK_IN_FLIGHT:
                        done += sending.popleft().result()
                        if progress:
                            progress(done, total)
                while sending:
                    done += sending.popleft().result()
            self.client.indices.put_settings(
                index=name, settings={"index": {"refresh_interval": "1s", "number_of_replicas": self.replicas}}
            )
            self.client.indices.refresh(index=name)
            old = self._aliased_indexes(self.alias)
            actions = [{"add": {"index": name, "alias": self.alias}}]
            actions += [{"remove": {"index": index, "alias": self.alias}} for index in old]
            if not old and self.client.indices.exists(index=self.alias):
                actions.append({"remove_index": {"index": self.alias}})  # a concrete index in the way
            actions.append({"remove": {"index": name, "alias": self.next_alias}})
            self.client.indices.update_aliases(actions=actions)
            for index in old:
                if index != name:
                    self.client.indices.delete(index=index, ignore_unavailable=True)
        except Exception as exc:
            try:  # the half-built index goes; the alias still points at the old one
                self.client.options(ignore_status=404, max_retries=0).indices.delete(index=name)
            except Exception:
                logger.warning("Could not delete the half-built index %s", name)
            if _is_outage(exc):
                raise _unavailable(exc) from exc
            raise
        if progress:
            progress(done, total)
        self._index_changed_since(started)
        return done

    @staticmethod
    def _bulk_chunk(client: Elasticsearch, actions: list[dict]) -> int:
        indexed, _errors = helpers.bulk(client, actions, chunk_size=len(actions), max_chunk_bytes=50 * 1024 * 1024)
        return indexed  # raises BulkIndexError when a document is refused

    def _index_changed_since(self, since: datetime.datetime) -> None:
        ids = set(Record.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
        ids.update(Copy.objects.filter(updated_at__gte=since).values_list("record_id", flat=True))
        if ids:
            self.update(ids)

    def _index_actions(self, documents: Iterable[RecordDocument], *, index: str) -> Iterator[dict]:
        for document in documents:
            yield {"_index": index, "_id": document.id, "_source": RecordIndexDocument.source(document)}

    def update(self, record_ids: Iterable[int]) -> None:
        ids = sorted({int(record_id) for record_id in record_ids})
        if not ids:
            return
        client = self.client.options(request_timeout=self.UPDATE_TIMEOUT, max_retries=1)
        try:
            targets = self._write_targets()
            if not targets:
                self.create()
                targets = self._write_targets()
            documents = list(record_documents(ids))
            found = {document.id for document in documents}
            actions = []
            for target in targets:
                actions.extend(self._index_actions(documents, index=target))
                actions.extend(
                    {"_op_type": "delete", "_index": target, "_id": record_id}
                    for record_id in ids
                    if record_id not in found
                )
            _ok, errors = helpers.bulk(
                client,
                actions,
                chunk_size=self.BULK_CHUNK,
                raise_on_error=False,
                refresh=self.refresh_on_update,
            )
        except Exception as exc:
            if _is_outage(exc):
                raise _unavailable(exc) from exc
            raise
        # A delete of a record that was never indexed answers 404: that is fine.
        failures = [e for e in errors if not ("delete" in e and e["delete"].get("status") == 404)]
        if failures:
            raise EngineUnavailable(f"Elasticsearch refused {len(failures)} document(s): {failures[0]}")

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias)

    def status(self) -> IndexStatus:
        records = indexable_records().count()
        pending = PendingIndexUpdate.objects.count()
        try:
            indexes = self._aliased_indexes(self.alias)
            documents = self.client.count(index=self.alias)["count"] if indexes else 0
            last_rebuild = None
            detail = ""
            if indexes:
                created = self.client.indices.get_settings(index=indexes[0], name="index.creation_date")
                millis = created[indexes[0]]["settings"]["index"]["creation_date"]
                last_rebuild = datetime.datetime.fromtimestamp(int(millis) / 1000, tz=datetime.UTC)
                building = [i for i in self._aliased_indexes(self.next_alias) if i not in indexes]
                if building:
                    detail = f"rebuild in progress into {building[0]}"
            else:
                detail = "no index yet: run `manage.py search_index --create` or `--rebuild`"
        except Exception as exc:
            if not _is_outage(exc):
                raise
            return IndexStatus(
                engine=self.name,
                index_name=self.alias,
                documents=0,
                records_in_database=records,
                pending_updates=pending,
                detail=f"Elasticsearch unreachable at {self.config['URL']}: {exc}",
            )
        return IndexStatus(
            engine=self.name,
            index_name=f"{self.alias} → {', '.join(indexes)}" if indexes else self.alias,
            documents=documents,
            records_in_database=records,
            pending_updates=pending,
            last_rebuild=last_rebuild,
            detail=detail,
        )

    # -- searching -----------------------------------------------------------------------

    def _search(self) -> Search:
        return Search(using=self.client, index=self.alias)

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        query = normalise_query(request.query)
        suggestion = input_method_decode(query) if query else None
        if suggestion == query:
            suggestion = None
        try:
            response = self._execute(request, query, suggestion, fuzzy=False)
            # Typo tolerance only when the words match nothing at all (before the facet
            # filters): exact matches are never diluted by fuzzy neighbours.
            if query and response.aggregations.matched.doc_count == 0:
                response = self._execute(request, query, suggestion, fuzzy=True)
        except Exception as exc:
            if _is_outage(exc):
                raise _unavailable(exc) from exc
            raise
        return self._result(request, _effective_sort(request, bool(query)), response, suggestion, started)

    def _execute(self, request: SearchRequest, query: str, suggestion: str | None, *, fuzzy: bool):
        filters = _Filters(request)
        search = self._search().extra(track_total_hits=True)
        if query:
            text = text_query(query, fuzzy=fuzzy)
            if suggestion:  # Telex/VNI typed with the input method off: search both readings
                text = Q("bool", should=[text, text_query(suggestion, fuzzy=fuzzy)], minimum_should_match=1)
            search = search.query(Q("bool", must=[text], filter=filters.base))
        else:
            search = search.query(Q("bool", filter=filters.base) if filters.base else Q("match_all"))
        post_filter = filters.post_filter()
        if post_filter is not None:
            search = search.post_filter(post_filter)
        sort = _effective_sort(request, bool(query))
        search = search.sort(*_sort_clauses(sort))
        page_size = _page_size(request)
        after = decode_cursor(request.cursor, sort) if request.cursor else None
        if after is not None:
            search = search.extra(search_after=after, size=page_size + 1)
        else:
            start = (max(1, int(request.page)) - 1) * page_size
            start = max(0, min(start, MAX_RESULT_WINDOW - page_size - 1))  # deeper pages need the cursor
            search = search.extra(from_=start, size=page_size + 1)
        if query:
            search = search.highlight_options(
                encoder="html", pre_tags=["<mark>"], post_tags=["</mark>"], number_of_fragments=0
            )
            for field in HIGHLIGHT_FIELDS:
                options = {"fragment_size": 160, "number_of_fragments": 2} if field == "summary" else {}
                search = search.highlight(field, f"{field}.folded", **options)
        search.aggs.bucket("matched", "filter", filter=Q("match_all"))  # before the post_filter
        if request.with_facets:
            search = _facet_aggregations(search, filters)
        search = search.source(
            ["record_id", "title", "contributors", "kind", "year", "holdings", "has_digital", "cover_id"]
        )
        return search.execute()

    def _result(
        self, request: SearchRequest, sort: Sort, response, suggestion: str | None, started: float
    ) -> SearchResult:
        page_size = _page_size(request)
        rows = list(response.hits)
        more = len(rows) > page_size  # one hit beyond the page was asked for, to know
        rows = rows[:page_size]
        library_ids = {h["library_id"] for row in rows for h in row.to_dict().get("holdings", [])}
        if request.with_facets:
            library_ids |= {b.key for b in response.aggregations.library["values"].buckets} | set(request.libraries)
        names = library_names(library_ids)  # once, for the availability lines and the library facet
        return SearchResult(
            total=response.hits.total.value,
            hits=tuple(self._hit(row, names, request.library_scope) for row in rows),
            facets=self._facets(request, response, names) if request.with_facets else {},
            suggestion=suggestion,
            next_cursor=encode_cursor(sort, list(rows[-1].meta.sort)) if more else None,
            engine=self.name,
            took_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    @staticmethod
    def _hit(row, names: dict[int, str], scope: int | None) -> Hit:
        source = row.to_dict()
        highlight: dict[str, tuple[str, ...]] = {}
        found = row.meta.to_dict().get("highlight", {})
        for field in HIGHLIGHT_FIELDS:
            # The folded field also marks what matched without diacritics ("dat rung" →
            # <mark>Đất</mark> <mark>rừng</mark>): show whichever marks more (accented on a tie).
            fragments = max(
                (found.get(field, []), found.get(f"{field}.folded", [])),
                key=lambda fragments: sum(fragment.count("<mark>") for fragment in fragments),
            )
            if fragments:
                highlight[field] = tuple(fragments)
        holdings = sorted(source.get("holdings", []), key=lambda h: (h["library_id"] != scope, h["library_id"]))
        return Hit(
            id=int(source["record_id"]),
            title=source["title"],
            contributors=tuple(source.get("contributors", ())),
            kind=source["kind"],
            year=source.get("year"),
            highlight=highlight,
            availability=tuple(
                Availability(
                    library_id=h["library_id"],
                    library_name=names.get(h["library_id"], h["library_name"]),
                    available=h["available"],
                    total=h["total"],
                )
                for h in holdings
            ),
            has_digital=bool(source.get("has_digital")),
            cover_id=source.get("cover_id"),
            score=row.meta.score,
        )

    @staticmethod
    def _facets(request: SearchRequest, response, names: dict[int, str]) -> dict[str, tuple[FacetValue, ...]]:
        aggs = response.aggregations
        counts = {
            name: {str(b.key): b.doc_count for b in aggs[name]["values"].buckets}
            for name in ("kind", "subject", "grade", "language", "library", "year")
        }
        buckets = aggs.availability["values"].buckets
        counts["availability"] = {key: buckets[key].doc_count for key in ("available", "digital")}
        return labelled_facets(request, counts, names)

    def autocomplete(
        self, query: str, *, library_scope: int | None = None, limit: int = 8, access: Access = Access.PUBLIC
    ) -> list[str]:
        """Titles and contributors whose words start with what was typed, accents optional
        ("dat ru" → "Đất rừng phương Nam"). Only records the person may see are used
        (public ones unless ``access`` says more), so a staff-only title never leaks."""
        query = normalise_query(query)
        if not folded_words(query) or limit <= 0:
            return []
        filters = _Filters(SearchRequest(access=access, library_scope=library_scope)).base
        matches = [
            Q("match", **{"title.autocomplete": {"query": query, "operator": "and", "boost": 2}}),
            Q("match", **{"contributors.autocomplete": {"query": query, "operator": "and"}}),
        ]
        search = (
            self._search()
            .query(Q("bool", should=matches, minimum_should_match=1, filter=filters))
            .source(["title", "contributors"])
            .extra(size=limit * 3)
        )
        try:
            response = search.execute()
        except Exception as exc:
            if _is_outage(exc):
                raise _unavailable(exc) from exc
            raise
        return suggestions(
            ((hit.title, list(getattr(hit, "contributors", []))) for hit in response.hits), folded_words(query), limit
        )


def _chunked(actions: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for action in actions:
        chunk.append(action)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _page_size(request: SearchRequest) -> int:
    return max(1, min(int(request.page_size), MAX_PAGE_SIZE))
