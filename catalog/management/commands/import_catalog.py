"""``manage.py import_catalog --library CODE [--dry-run] FILE``: import a catalog file
(CSV, XLSX, MARC21 or MARCXML) into a library. Progress goes to stderr, the summary and
every error to stdout; the exit status is 1 when the file had errors (nothing is written
then) and 0 otherwise."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.importing import catalog_import
from library_site.libraries.models import Library

PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = "Import a catalog file (CSV, XLSX, MARC21 or MARCXML) into a library. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import; its format is recognised by its content.")
        parser.add_argument("--library", required=True, help="Code of the importing library, e.g. thcs-cau-kieu.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, but write nothing.")
        parser.add_argument("--user", help="Username recorded as the records' creator.")

    def handle(self, *args, **options):
        try:
            library = Library.objects.get(code=options["library"])
        except Library.DoesNotExist as exc:
            raise CommandError(f"No library has the code {options['library']!r}.") from exc
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user has the username {options['user']!r}.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc

        last_shown = [0]

        def progress(done: int, total: int) -> None:
            if done > last_shown[0] and (done - last_shown[0] >= PROGRESS_EVERY or done == total):
                last_shown[0] = done
                self.stderr.write(f"{done:,} / {total:,}")

        report = catalog_import(
            library=library, filename=path.name, data=data, dry_run=options["dry_run"], user=user, progress=progress
        )
        self._summary(report)
        if report.errors:
            raise CommandError(f"{len(report.errors)} error(s) in {path.name}; nothing was written.", returncode=1)

    def _summary(self, report):
        out = self.stdout
        state = "dry run, nothing written" if report.dry_run else ("written" if report.committed else "NOT written")
        out.write(f"{report.filename}: {report.format.upper() or '?'} ({state})")
        out.write(f"  rows/records read:  {report.total}")
        out.write(f"  new records:        {report.created}")
        out.write(f"  duplicates merged:  {report.matched}")
        out.write(f"  copies added:       {report.copies_created}")
        out.write(f"  links added:        {report.links_created}")
        if report.ignored_columns:
            out.write(f"  ignored columns:    {', '.join(report.ignored_columns)}")
        for duplicate in report.duplicates:
            out.write(f"  duplicate {duplicate.row}: {duplicate.reason} → {duplicate.record_code or duplicate.match}")
        unit = "record" if report.format in {"marc", "marcxml"} else "row"
        for warning in report.warnings:
            out.write(f"  warning, {unit} {warning.row}: {warning.message}")
        if report.errors:
            out.write(self.style.ERROR(f"{len(report.errors)} error(s); nothing was written:"))
            for error in report.errors:
                where = "file" if error.is_file_level else f"{unit} {error.row}"
                column = f" [{error.field}]" if error.field else ""
                out.write(f"  {where}{column}: {error.message}")
        elif report.committed:
            out.write(self.style.SUCCESS("Imported."))
