"""`python manage.py import_roster --library CODE [--dry-run] FILE` — sync a school roster."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lending.services.roster import roster_sync
from library_site.libraries.models import Library


class Command(BaseCommand):
    help = "Sync readers of a library with a roster (CSV or XLSX) exported from the sector database."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--library", required=True, help="Library code, e.g. thcs-cau-kieu.")
        parser.add_argument("--dry-run", action="store_true", help="Check and show the changes; write nothing.")
        parser.add_argument("--school-year", default="", help="E.g. 2026-2027 (default: the current one).")
        parser.add_argument("--local-ids", action="store_true", help="IDs are the school's own numbers, not national.")

    def handle(self, *args, file: Path, library: str, dry_run: bool, school_year: str, local_ids: bool, **options):
        try:
            library_obj = Library.objects.get(code=library)
        except Library.DoesNotExist as exc:
            raise CommandError(f"No library has the code {library!r}.") from exc
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        report = roster_sync(
            library=library_obj, data=file.read_bytes(), school_year=school_year, dry_run=dry_run, local_ids=local_ids
        )
        self.stdout.write(
            f"{report.total} rows: {report.new} new, {report.changed} changed, {report.rejoined} back, "
            f"{report.left} left, {report.unchanged} unchanged, {len(report.errors)} errors."
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
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS("Roster synced."))
