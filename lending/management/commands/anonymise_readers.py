"""`python manage.py anonymise_readers [--dry-run]` — remove the personal data of readers
who left more than READER_RETENTION_DAYS ago. Safe to run daily."""

from django.core.management.base import BaseCommand

from lending.services.readers import reader_anonymise, readers_due_for_anonymisation


class Command(BaseCommand):
    help = "Anonymise readers whose memberships all ended longer ago than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, dry_run: bool, **options):
        due = list(readers_due_for_anonymisation())
        if dry_run:
            self.stdout.write(f"{len(due)} readers are due for anonymisation.")
            return
        for reader in due:
            reader_anonymise(reader=reader)
        self.stdout.write(self.style.SUCCESS(f"{len(due)} readers anonymised."))
