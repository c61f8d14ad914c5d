"""The one search interface: what views, the JSON API and other apps ask (``SearchRequest``)
and what every engine answers (``SearchResult``). Engines live in ``search.engines``; call
them through ``search.selectors`` (``catalog_search``, ``catalog_autocomplete``)."""

import datetime
from dataclasses import dataclass, field
from enum import StrEnum


class Sort(StrEnum):
    RELEVANCE = "relevance"
    TITLE = "title"
    YEAR = "year"  # newest publication year first
    NEWEST = "newest"  # most recently catalogued first


class Access(StrEnum):
    """What the person searching may see: records of a higher access level are not found."""

    PUBLIC = "public"  # anonymous visitors
    READERS = "readers"  # signed-in readers
    STAFF = "staff"  # library staff see everything, withdrawn records excepted


# Facet names, in the order the online catalog shows them.
FACETS = ("kind", "subject", "grade", "language", "library", "availability", "year")


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    # Filters: each a tuple of accepted values (OR within a facet, AND across facets).
    kinds: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()  # Subject.code
    grades: tuple[str, ...] = ()  # Grade.code
    languages: tuple[str, ...] = ()
    libraries: tuple[int, ...] = ()  # records held (a copy, or owned) by these libraries
    available_only: bool = False  # a copy available now in scope, or a digital file
    digital_only: bool = False
    year_from: int | None = None
    year_to: int | None = None
    # Scope: "this library" (its records and records it holds copies of) or all libraries.
    library_scope: int | None = None
    access: Access = Access.PUBLIC
    sort: Sort = Sort.RELEVANCE
    page: int = 1  # 1-based
    page_size: int = 20
    # Deep paging: the opaque cursor of the previous page's last hit (search_after).
    cursor: str | None = None
    with_facets: bool = True

    @property
    def filters(self) -> dict[str, tuple]:
        """The filters per facet (``FACETS`` order), each as the values it selects, empty
        when the facet does not filter: availability as ``"available"``/``"digital"``,
        the year as the (``year_from``, ``year_to``) range."""
        return {
            "kind": self.kinds,
            "subject": self.subjects,
            "grade": self.grades,
            "language": self.languages,
            "library": self.libraries,
            "availability": tuple(
                name for name, chosen in (("available", self.available_only), ("digital", self.digital_only)) if chosen
            ),
            "year": (self.year_from, self.year_to) if self.year_from is not None or self.year_to is not None else (),
        }

    @property
    def is_filtered(self) -> bool:
        """Whether any filter narrows the results (the query and the library scope aside)."""
        return any(self.filters.values())

    @property
    def shelf_scope(self) -> tuple[int, ...]:
        """The libraries whose shelves "available now" looks at: the chosen libraries, else
        this library (``library_scope``); empty means any library."""
        if self.libraries:
            return self.libraries
        return (self.library_scope,) if self.library_scope is not None else ()


@dataclass(frozen=True)
class Availability:
    library_id: int
    library_name: str
    available: int
    total: int


@dataclass(frozen=True)
class Hit:
    id: int  # Record.pk
    title: str
    contributors: tuple[str, ...]
    kind: str
    year: int | None
    # Highlighted fragments: HTML-escaped text with <mark>…</mark> around matches.
    highlight: dict[str, tuple[str, ...]]
    availability: tuple[Availability, ...]
    has_digital: bool
    cover_id: int | None
    score: float | None = None


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    # "Did you mean": the query as Vietnamese when it was typed in Telex/VNI with the input
    # method off ("truyeenj kieeuf" → "truyện kiều"), or a spelling suggestion.
    suggestion: str | None = None
    next_cursor: str | None = None
    engine: str = ""
    took_ms: float | None = None


@dataclass(frozen=True)
class IndexStatus:
    engine: str
    index_name: str
    documents: int
    records_in_database: int
    pending_updates: int
    last_rebuild: datetime.datetime | None = None
    detail: str = ""
