"""What every search engine implements. The contract tests (tests/search/test_contract.py)
run the same cases against each engine."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

from search.types import Access, IndexStatus, SearchRequest, SearchResult

Progress = Callable[[int, int], None]  # (done, total)


class SearchEngine(ABC):
    name = "base"
    # Capabilities only some engines have; the contract tests skip what an engine lacks
    # and the interface degrades gracefully (e.g. no typo tolerance on the database).
    supports_typo_tolerance = False

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abstractmethod
    def autocomplete(
        self, query: str, *, library_scope: int | None = None, limit: int = 8, access: Access = Access.PUBLIC
    ) -> list[str]:
        """Titles and contributors starting with what was typed (accents optional), from
        the records ``access`` may see."""
        ...

    @abstractmethod
    def update(self, record_ids: Iterable[int]) -> None:
        """Re-index these records from the database (deleting those gone or withdrawn).
        May raise ``search.engines.EngineUnavailable``; callers queue the ids then."""
        ...

    @abstractmethod
    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Index every record again; for Elasticsearch without downtime (a new versioned
        index behind the alias, swapped atomically). Returns the number indexed."""
        ...

    @abstractmethod
    def create(self) -> None:
        """Create the index (and alias) if missing; idempotent."""
        ...

    @abstractmethod
    def drop(self) -> None:
        """Delete the index and everything in it (tests; a reset before a rebuild)."""
        ...

    @abstractmethod
    def status(self) -> IndexStatus: ...


class EngineUnavailable(Exception):
    """The engine cannot be reached; the database write stands and the update is queued."""


class InvalidCursor(ValueError):
    """A paging cursor this engine did not hand out, or one for another sort order; the
    views answer 400."""
