"""``manage.py export_catalog --library CODE|--all --format csv|marc|marcxml [--out PATH]``.

With ``--library`` the export holds the records the library owns or holds copies of,
with that library's copies; with ``--all`` every record of the shared catalog with all
its copies. Withdrawn records are left out. Without ``--out`` the file goes to stdout."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from catalog.exporting import FORMATS, catalog_export
from catalog.models import Record
from library_site.libraries.models import Library


class Command(BaseCommand):
    help = "Export catalog records as CSV, MARC21 or MARCXML."

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--library", help="Code of the library whose records and copies to export.")
        scope.add_argument("--all", action="store_true", help="Export the whole shared catalog.")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--out", help="File to write (default: standard output).")

    def handle(self, *args, **options):
        records = Record.objects.filter(withdrawn_at__isnull=True)
        library = None
        if options["library"]:
            try:
                library = Library.objects.get(code=options["library"])
            except Library.DoesNotExist as exc:
                raise CommandError(f"No library has the code {options['library']!r}.") from exc
            records = records.filter(Q(library=library) | Q(copies__library=library)).distinct()
        data = catalog_export(records=records, format=options["format"], library=library)
        if options["out"]:
            Path(options["out"]).write_bytes(data)
            self.stderr.write(f"{records.count()} records written to {options['out']}.")
        else:
            stream = getattr(self.stdout._out, "buffer", None)
            if stream is None:  # a text stream (call_command with stdout=StringIO): the bytes are UTF-8
                self.stdout.write(data.decode("utf-8"), ending="")
            else:
                stream.write(data)
                stream.flush()
