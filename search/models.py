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
