"""Keeping the search index in step with the database, whatever the engine.

Timing: a changed record is indexed only after its transaction commits
(``transaction.on_commit``). Indexing earlier would show readers a record that a rollback
then removes, and — for a record saved through the Wagtail admin — would read it before its
contributors, subjects and keywords are written (modelcluster saves them after the record
row). All the ids changed in one transaction are indexed together in one ``update`` call,
so a bulk operation costs one request to the engine, not one per row.

Failure: when the engine cannot be reached the database write has already committed and
stands. The ids go into ``PendingIndexUpdate``; the next successful update drains the queue,
and ``manage.py search_index --catch-up`` drains it on demand."""

import logging
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F
from django.utils import timezone

from search.engines import search_engine
from search.models import PendingIndexUpdate

logger = logging.getLogger(__name__)

# Queued ids retried by every successful update, at most this many at a time; ids that
# failed this often are left to ``search_index --catch-up`` (a record the engine keeps
# refusing must not slow down every save).
DRAIN_BATCH = 500
DRAIN_MAX_ATTEMPTS = 5
CATCH_UP_BATCH = 1000


class _Update:
    """An on_commit callback carrying the ids one call noted. The first to run takes the
    ids of every other one still waiting on the connection (the rest of the transaction's
    changes), so a transaction costs one engine update however many rows it changed. A
    callback per call — rather than one per transaction — lets Django drop exactly the
    ids noted inside a rolled-back savepoint."""

    def __init__(self, ids: set[int], using: str):
        self.ids = ids
        self.using = using
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        waiting = [
            entry[1]
            for entry in transaction.get_connection(self.using).run_on_commit
            if isinstance(entry[1], _Update) and not entry[1].done and entry[1] is not self
        ]
        ids = set(self.ids)
        for update in [self, *waiting]:
            ids |= update.ids
            update.done = True
        records_index(ids)


def record_changed(record_id: int | None, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Index this record again once the current transaction commits."""
    if record_id is not None:
        records_changed([record_id], using=using)


def records_changed(record_ids: Iterable[int | None], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Index these records again once the current transaction commits (at once outside a
    transaction), together with every other record changed in the same transaction."""
    ids = {int(record_id) for record_id in record_ids if record_id is not None}
    if ids:
        transaction.on_commit(_Update(ids, using), using=using)


def records_index(record_ids: Iterable[int]) -> bool:
    """Index these records now; on failure queue them. Returns whether the engine took
    them. Never raises: the database write that led here has committed and stands."""
    ids = sorted(set(record_ids))
    if not ids:
        return True
    try:
        search_engine().update(ids)
    except Exception as exc:  # EngineUnavailable, or anything else: the write must stand
        logger.warning("Search index update of %d record(s) failed, queued: %s", len(ids), exc, exc_info=True)
        pending_queue(ids, error=str(exc))
        return False
    _drain(exclude=set(ids))
    return True


def pending_queue(record_ids: Iterable[int], *, error: str = "") -> None:
    """Put these ids in the queue (or count one more attempt for those already there)."""
    ids = set(record_ids)
    error = error[:500]
    with transaction.atomic():
        queued = set(
            PendingIndexUpdate.objects.select_for_update().filter(record_id__in=ids).values_list("record_id", flat=True)
        )
        if queued:
            PendingIndexUpdate.objects.filter(record_id__in=queued).update(
                attempts=F("attempts") + 1, last_error=error, queued_at=timezone.now()
            )
        PendingIndexUpdate.objects.bulk_create(
            [PendingIndexUpdate(record_id=record_id, last_error=error) for record_id in sorted(ids - queued)],
            ignore_conflicts=True,  # queued meanwhile by another process: already waiting
        )


def _take(rows: list[PendingIndexUpdate]) -> bool:
    """Index the queued rows; remove them from the queue when that worked. A row queued
    again meanwhile (a newer change that failed) stays."""
    ids = [row.record_id for row in rows]
    try:
        search_engine().update(ids)
    except Exception as exc:
        PendingIndexUpdate.objects.filter(pk__in=[row.pk for row in rows]).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:500]
        )
        logger.warning("Catching up %d queued search update(s) failed: %s", len(ids), exc)
        return False
    newest = max(row.queued_at for row in rows)
    PendingIndexUpdate.objects.filter(record_id__in=ids, queued_at__lte=newest).delete()
    return True


def _drain(*, exclude: set[int]) -> None:
    rows = list(
        PendingIndexUpdate.objects.filter(attempts__lt=DRAIN_MAX_ATTEMPTS)
        .exclude(record_id__in=exclude)
        .order_by("queued_at", "pk")[:DRAIN_BATCH]
    )
    if rows:
        _take(rows)


def pending_catch_up(*, progress=None) -> int:
    """Index every queued record (``search_index --catch-up``), batch by batch. Returns how
    many were indexed; raises ``EngineUnavailable`` when the engine still cannot be reached
    (the queue then stays as it was)."""
    total = PendingIndexUpdate.objects.count()
    done = 0
    last_pk = 0
    while True:
        rows = list(PendingIndexUpdate.objects.filter(pk__gt=last_pk).order_by("pk")[:CATCH_UP_BATCH])
        if not rows:
            return done
        last_pk = rows[-1].pk
        search_engine().update([row.record_id for row in rows])  # raises: the queue stays
        newest = max(row.queued_at for row in rows)
        PendingIndexUpdate.objects.filter(pk__in=[row.pk for row in rows], queued_at__lte=newest).delete()
        done += len(rows)
        if progress:
            progress(done, total)
