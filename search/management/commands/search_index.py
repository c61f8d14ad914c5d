"""``manage.py search_index``: create, rebuild and inspect the catalog's search index, and
catch up on updates that could not reach the engine. Works with whichever engine is
configured (Elasticsearch when ``ELASTICSEARCH_URL`` is set, else the database engine).

    search_index --create     create the index (and alias) if missing; idempotent
    search_index --rebuild    index every record again (Elasticsearch: into a new index,
                              then the alias moves atomically: searches never stop)
    search_index --status     documents in the index vs records in the database, queue
    search_index --catch-up   index the records queued while the engine was unreachable
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from search.engines import EngineUnavailable, search_engine
from search.indexing import pending_catch_up


class Command(BaseCommand):
    help = "Create, rebuild or inspect the catalog search index, or catch up on queued updates."

    def add_arguments(self, parser):
        actions = parser.add_argument_group("actions (one or more, run in this order)")
        actions.add_argument("--create", action="store_true", help="Create the index if it is missing.")
        actions.add_argument("--rebuild", action="store_true", help="Index every record again, without downtime.")
        actions.add_argument("--catch-up", action="store_true", help="Index the records queued while unreachable.")
        actions.add_argument("--status", action="store_true", help="Show documents, records and queued updates.")

    def handle(self, *args, **options):
        if not any(options[name] for name in ("create", "rebuild", "catch_up", "status")):
            raise CommandError("Say what to do: --create, --rebuild, --catch-up or --status.")
        engine = search_engine()
        try:
            if options["create"]:
                engine.create()
                self.stdout.write(f"Index ready ({engine.name}).")
            if options["rebuild"]:
                self._rebuild(engine)
            if options["catch_up"]:
                done = pending_catch_up(progress=self._progress("Catching up", time.monotonic()))
                self.stdout.write(self.style.SUCCESS(f"Caught up: {done:,} queued record(s) indexed."))
        except EngineUnavailable as exc:
            raise CommandError(f"The search engine cannot be reached: {exc}") from exc
        if options["status"]:
            self._status(engine)

    def _rebuild(self, engine) -> None:
        started = time.monotonic()
        self.stdout.write(f"Rebuilding the {engine.name} index…")
        count = engine.rebuild(progress=self._progress("Indexed", started))
        seconds = time.monotonic() - started
        rate = count / seconds if seconds else 0
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt: {count:,} record(s) in {seconds:.1f} s ({rate:,.0f} records/s).")
        )

    def _progress(self, label: str, started: float):
        last = [-1.0]

        def show(done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - last[0] < 1.0:  # at most once a second, and at the end
                return
            last[0] = now
            seconds = now - started
            rate = done / seconds if seconds > 0 else 0
            share = f" ({done / total:.0%})" if total else ""
            self.stderr.write(f"{label} {done:,} / {total:,}{share}, {rate:,.0f} records/s")

        return show

    def _status(self, engine) -> None:
        status = engine.status()
        out = self.stdout
        out.write(f"engine:               {status.engine}")
        out.write(f"index:                {status.index_name}")
        out.write(f"documents:            {status.documents:,}")
        out.write(f"records in database:  {status.records_in_database:,}")
        out.write(f"queued updates:       {status.pending_updates:,}")
        if status.last_rebuild:
            out.write(f"last rebuilt:         {timezone.localtime(status.last_rebuild):%Y-%m-%d %H:%M:%S %Z}")
        if status.detail:
            out.write(f"note:                 {status.detail}")
        if status.documents != status.records_in_database:
            out.write(self.style.WARNING("The index and the database differ: run --catch-up or --rebuild."))
