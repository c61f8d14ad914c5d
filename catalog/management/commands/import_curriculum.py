"""``manage.py import_curriculum [--dry-run] FILE``: load the lessons of the curriculum
outline (``LessonUnit``) from CSV or XLSX; see ``catalog.importing.curriculum``.
Idempotent and all or nothing; exit status 1 when the file had errors."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importing import curriculum_import


class Command(BaseCommand):
    help = "Import curriculum lesson units (subject, grade, number, title, record codes) from CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, but write nothing.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        report = curriculum_import(data=data, dry_run=options["dry_run"])
        self.stdout.write(
            f"{path.name}: {report.total} lessons read, {report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged"
            + (" (dry run, nothing written)" if report.dry_run else "" if report.committed else " (NOT written)")
        )
        if report.errors:
            self.stdout.write(self.style.ERROR(f"{len(report.errors)} error(s); nothing was written:"))
            for error in report.errors:
                where = "file" if error.row == 0 else f"row {error.row}"
                column = f" [{error.field}]" if error.field else ""
                self.stdout.write(f"  {where}{column}: {error.message}")
            raise CommandError(f"{len(report.errors)} error(s) in {path.name}; nothing was written.", returncode=1)
