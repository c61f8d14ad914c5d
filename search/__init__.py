"""The catalog search interface and its two engines: Elasticsearch 8 (through
``elasticsearch.dsl``) when ``ELASTICSEARCH_URL`` is set, else the embedded engine on the
database. Views and other apps call this app's selectors only. Filled by the search issue."""
