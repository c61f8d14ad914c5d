"""``manage.py coverage_report --library CODE --format json|csv|xlsx [--out PATH]``: the
digital-coverage index of one library (see ``reports.selectors.coverage``). JSON and CSV go
to standard output without ``--out``; XLSX needs ``--out``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from library_site.libraries.models import Library
from reports.coverage import FORMATS, coverage_csv, coverage_json, coverage_xlsx
from reports.selectors.coverage import coverage_for_library


class Command(BaseCommand):
    help = "Write the digital-coverage report of a library as JSON, CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--library", required=True, help="Library code, e.g. thcs-cau-kieu.")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--out", type=Path, help="File to write (required for xlsx; else standard output).")

    def handle(self, *args, library: str, format: str, out: Path | None, **options):
        found = Library.objects.filter(code=library).first()
        if found is None:
            raise CommandError(f"No library with code {library!r}.")
        if format == "xlsx" and out is None:
            raise CommandError("--format xlsx writes a binary file: give --out PATH.xlsx.")
        report = coverage_for_library(library=found)
        if format == "xlsx":
            content: bytes | str = coverage_xlsx(report)
        elif format == "csv":
            content = coverage_csv(report)
        else:
            content = coverage_json(report) + "\n"
        if out is None:
            self.stdout.write(content, ending="")
            return
        try:
            if isinstance(content, bytes):
                out.write_bytes(content)
            else:
                out.write_text(content, encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror or exc}") from exc
        self.stderr.write(f"{found.code}: coverage report written to {out}")
