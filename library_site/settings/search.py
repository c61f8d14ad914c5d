"""Which search engine serves the catalog.

``ELASTICSEARCH_URL`` unset means the embedded engine on the database (SQLite FTS5 or
PostgreSQL full-text search), so a small school runs without a search cluster. When it
is set, the ``search`` app talks to Elasticsearch 8 at that address; the options below
carry what a secured cluster needs.
"""

from .env import env_bool, env_int, env_str

ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL", "") or ""
SEARCH_ENGINE = "elasticsearch" if ELASTICSEARCH_URL else "database"

ELASTICSEARCH = {
    "URL": ELASTICSEARCH_URL,
    "API_KEY": env_str("ELASTICSEARCH_API_KEY", "") or None,
    "USERNAME": env_str("ELASTICSEARCH_USERNAME", "") or None,
    "PASSWORD": env_str("ELASTICSEARCH_PASSWORD", "") or None,
    "CA_CERTS": env_str("ELASTICSEARCH_CA_CERTS", "") or None,
    "VERIFY_CERTS": env_bool("ELASTICSEARCH_VERIFY_CERTS", True),
    "INDEX_PREFIX": env_str("ELASTICSEARCH_INDEX_PREFIX", "library"),
    # Seconds a search waits for the cluster, and retries on another node after a failure.
    "TIMEOUT": env_int("ELASTICSEARCH_TIMEOUT", 10),
    "MAX_RETRIES": env_int("ELASTICSEARCH_MAX_RETRIES", 2),
    # Of each new versioned index (a rebuild builds with none, then sets these).
    "SHARDS": env_int("ELASTICSEARCH_SHARDS", 1),
    "REPLICAS": env_int("ELASTICSEARCH_REPLICAS", 1),
    # An update is searchable as soon as it returns (a refresh per update): a librarian
    # finds the record they just saved. Off, updates show within the refresh interval (1 s).
    "AUTO_REFRESH": env_bool("ELASTICSEARCH_AUTO_REFRESH", True),
}

# Wagtail's own page search (admin page search, portal news) stays on the database.
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database"},
}

# Queries whose full-text matches the embedded engine keeps in each process (valid until a
# write changes searched text; loans and returns do not); 0 turns the cache off.
SEARCH_DATABASE_CACHE_ENTRIES = env_int("SEARCH_DATABASE_CACHE_ENTRIES", 128)
