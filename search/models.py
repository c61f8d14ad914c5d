"""What the search app stores in the database.

``PendingIndexUpdate`` — records whose index update could not reach the engine (e.g.
Elasticsearch down): the database write stood, the id waits here, and the next successful
update (or ``search_index --catch-up``) indexes it. The embedded engine's own tables are
defined with it (``search.engines.database``)."""

from django.db import models


class PendingIndexUpdate(models.Model):
    record_id = models.PositiveBigIntegerField(unique=True)
    queued_at = models.DateTimeField(auto_now=True)
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["queued_at", "pk"]

    def __str__(self):
        return f"record {self.record_id}"


class SearchDocument(models.Model):
    """One catalog record as the embedded database engine (``search.engines.database``)
    filters, counts and sorts it; written only by ``DatabaseEngine.update``/``rebuild``
    from ``search.documents.RecordDocument``. Deliberately narrow (no text): facet counts
    and filters read many of these rows per query, and wide rows made every scan slow.
    Its text is in ``SearchText``; multi-valued facets in ``SearchFacetValue``."""

    record = models.OneToOneField(
        "catalog.Record", primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    access_level = models.CharField(max_length=10)
    kind = models.CharField(max_length=24)
    language = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    year_sort = models.PositiveSmallIntegerField(default=0)  # 0 when unknown: last when newest first
    has_digital = models.BooleanField(default=False)
    available_anywhere = models.BooleanField(default=False)  # a copy on a shelf somewhere now
    owner_library_id = models.PositiveBigIntegerField()
    cover_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    title_sort = models.CharField(max_length=120)  # folded title, for sorting by title
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["title_sort", "record"], name="search_doc_title_sort"),
            models.Index(fields=["year_sort", "record"], name="search_doc_year_sort"),
            models.Index(fields=["created_at", "record"], name="search_doc_created"),
            # Covers the facet pass over every document when there is no query text.
            models.Index(
                fields=["access_level", "kind", "language", "year", "has_digital", "available_anywhere"],
                name="search_doc_facets",
            ),
        ]

    def __str__(self):
        return f"record {self.record_id}"


class SearchText(models.Model):
    """The text of one ``SearchDocument``: what results show (title, contributors,
    summary, holdings) and what is searched. Every searched field exists twice:
    ``*_text`` is the NFC text lower-cased with its diacritics, ``*_folded`` the same
    without them (đ → d). The full-text index over these is the database's own, outside
    this model:

    - SQLite: the FTS5 table ``search_fts`` (external content over this table, kept in
      step by triggers), created by migration 0002 and again, idempotently, by
      ``DatabaseEngine.create``;
    - PostgreSQL: generated ``tsvector`` columns ``search_folded`` and ``search_accented``
      (title weight A, contributors B, subjects C, summary D; 'simple' configuration) with
      GIN indexes."""

    document = models.OneToOneField(SearchDocument, primary_key=True, on_delete=models.CASCADE, related_name="text")
    title = models.TextField()
    contributors = models.JSONField(default=list)
    summary = models.TextField(blank=True)
    holdings = models.JSONField(default=list)  # [{"library_id", "library_name", "available", "total"}]
    title_text = models.TextField()
    title_folded = models.TextField()
    contributors_text = models.TextField(blank=True)
    contributors_folded = models.TextField(blank=True)
    subjects_text = models.TextField(blank=True)
    subjects_folded = models.TextField(blank=True)
    summary_text = models.TextField(blank=True)
    summary_folded = models.TextField(blank=True)

    def __str__(self):
        return self.title


class SearchFacetValue(models.Model):
    """A value of a multi-valued facet of one document: ``subject`` (code), ``grade``
    (code), ``library`` (id of a library holding the record, its owner included) and
    ``available`` (id of a library with a copy on the shelf now)."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="facet_values", db_index=False)
    facet = models.CharField(max_length=16)
    value = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["facet", "value", "document"], name="search_facet_lookup"),
            models.Index(fields=["document", "facet", "value"], name="search_facet_document"),
        ]

    def __str__(self):
        return f"{self.facet}={self.value}"


class SearchIndexState(models.Model):
    """One row: the number of the embedded index's latest write. Every write (``update``,
    ``rebuild``, ``drop``) raises it in its own transaction; the row lock that takes
    serialises the writers, so the numbers follow the commit order."""

    generation = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"generation {self.generation}"


class SearchIndexChange(models.Model):
    """What one write to the embedded index changed: the records it re-indexed or removed,
    or ``rebuilt`` when it replaced everything. Each process keeps the index's filter,
    facet and sort columns in memory (``search.engines.columns``) and brings them up to
    date by reading the changes after the generation it holds, instead of reloading
    100,000 rows after every loan. ``written_at`` tells a generation from a rolled-back
    one that reused its number. Old rows are pruned; a process that fell further behind
    loads everything again."""

    generation = models.PositiveBigIntegerField(primary_key=True)
    written_at = models.DateTimeField()
    rebuilt = models.BooleanField(default=False)
    # Whether any searched text changed (a loan changes only the holdings): the words'
    # matches each process keeps stay valid across writes that did not.
    text_changed = models.BooleanField(default=True)
    record_ids = models.JSONField(default=list)

    def __str__(self):
        return f"generation {self.generation}"
