"""`python manage.py import_roster --library CODE [--dry-run] [--full [--confirm-leaves N]] FILE`
— sync a school roster; `python manage.py import_roster --undo ID` — undo the leaves of
an applied sync.

Without ``--full`` the roster only adds and updates readers. With ``--full`` members of
its categories missing from the file are marked as left; when more than
``ROSTER_MAX_LEAVE_SHARE`` of them would leave, the command refuses (writing nothing)
unless ``--confirm-leaves`` gives that number."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lending.models import RosterSync
from lending.services.roster import roster_leave_warning, roster_sync
from lending.services.roster_history import roster_sync_undo
from library_site.libraries.models import Library


class Command(BaseCommand):
    help = "Sync readers of a library with a roster (CSV or XLSX) exported from the sector database."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, nargs="?")
        parser.add_argument("--library", help="Library code, e.g. thcs-cau-kieu.")
        parser.add_argument("--dry-run", action="store_true", help="Check and show the changes; write nothing.")
        parser.add_argument("--school-year", default="", help="E.g. 2026-2027 (default: the current one).")
        parser.add_argument("--local-ids", action="store_true", help="IDs are the school's own numbers, not national.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="The file is the whole school year's roster: members missing from it are marked as left. "
            "Without it, the roster only adds and updates.",
        )
        parser.add_argument(
            "--confirm-leaves",
            type=int,
            metavar="N",
            help="With --full: the number of members to mark as left, required when it exceeds "
            "ROSTER_MAX_LEAVE_SHARE of the members.",
        )
        parser.add_argument("--undo", type=int, metavar="ID", help="Undo the leaves of the roster sync with this id.")

    def handle(self, *args, file: Path | None, library: str | None, undo: int | None, **options):
        if undo is not None:
            return self._undo(undo, library)
        if file is None or not library:
            raise CommandError("Give the roster file and --library (or --undo ID).")
        try:
            library_obj = Library.objects.get(code=library)
        except Library.DoesNotExist as exc:
            raise CommandError(f"No library has the code {library!r}.") from exc
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        if options["confirm_leaves"] is not None and not options["full"]:
            raise CommandError("--confirm-leaves goes with --full: without it nobody is marked as left.")
        try:
            report = roster_sync(
                library=library_obj,
                data=file.read_bytes(),
                school_year=options["school_year"],
                dry_run=options["dry_run"],
                local_ids=options["local_ids"],
                full=options["full"],
                confirm_leaves=options["confirm_leaves"],
            )
        except ValidationError as refused:
            raise CommandError(
                " ".join(refused.messages) + " Nothing was written: run again with --confirm-leaves N."
            ) from refused
        self.stdout.write(
            f"{report.total} rows: {report.new} new, {report.changed} changed, {report.rejoined} back, "
            f"{report.left} left, {report.unchanged} unchanged, {len(report.errors)} errors."
        )
        if not report.full and report.absent:
            self.stdout.write(
                f"{report.absent} members are not in the file and stay as they are "
                "(add and update only; use --full for the whole school year's roster)."
            )
        for change in report.changes:
            where = f"row {change.row}" if change.row else "not on the roster"
            self.stdout.write(
                f"  {change.change:<8} {change.id_number:<14} {change.full_name} ({where}) {change.details}"
            )
        for error in report.errors:
            where = f"row {error.row}" if error.row else "file"
            self.stderr.write(f"  error, {where}{', ' + error.field if error.field else ''}: {error.message}")
        if report.errors:
            raise CommandError("Nothing was written: correct the errors and run again.")
        if options["dry_run"]:
            warning = roster_leave_warning(report)
            if warning:
                self.stdout.write(self.style.WARNING(warning))
            self.stdout.write("Dry run: nothing was written.")
        elif report.sync_id is None:
            self.stdout.write(self.style.SUCCESS("Roster synced: nothing had changed."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Roster synced (sync {report.sync_id}"
                    + (f"; undo its leaves with --undo {report.sync_id})." if report.left else ").")
                )
            )

    def _undo(self, sync_id: int, library: str | None) -> None:
        syncs = RosterSync.objects.select_related("library")
        if library:
            syncs = syncs.filter(library__code=library)
        try:
            sync = syncs.get(pk=sync_id)
        except RosterSync.DoesNotExist as exc:
            raise CommandError(f"No roster sync {sync_id}{' at ' + library if library else ''}.") from exc
        try:
            restored = roster_sync_undo(sync=sync)
        except ValidationError as refused:
            raise CommandError(" ".join(refused.messages)) from refused
        self.stdout.write(self.style.SUCCESS(f"Leaves of roster sync {sync_id} undone: {restored} members restored."))
