"""The configured search engine: Elasticsearch when ``ELASTICSEARCH_URL`` is set, else
the embedded database engine."""

from functools import cache

from django.conf import settings

from search.engines.base import EngineUnavailable, SearchEngine

__all__ = ["EngineUnavailable", "SearchEngine", "search_engine", "search_engine_reset"]


@cache
def search_engine() -> SearchEngine:
    # Imported on first use: only the configured engine is loaded (the Elasticsearch client is
    # not needed by a database-only installation).
    if getattr(settings, "ELASTICSEARCH_URL", ""):
        from search.engines.elasticsearch import ElasticsearchEngine

        return ElasticsearchEngine()
    from search.engines.database import DatabaseEngine

    return DatabaseEngine()


def search_engine_reset() -> None:
    """Forget the engine (tests switch settings between engines)."""
    search_engine.cache_clear()
