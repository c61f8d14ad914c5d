"""`python manage.py purge_personal_data_log [--days N]` — delete the entries of the
personal-data log (staff reading and changing readers' data, ``lending.PersonalDataLogEntry``)
older than PERSONAL_DATA_LOG_KEEP_DAYS (default 365). Run by `circulation_daily`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lending.services.personal_data import personal_data_log_purge


class Command(BaseCommand):
    help = "Delete personal-data log entries older than PERSONAL_DATA_LOG_KEEP_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Keep this many days instead of the setting.")

    def handle(self, *args, days: int | None = None, **options):
        keep = settings.PERSONAL_DATA_LOG_KEEP_DAYS if days is None else days
        if keep < 1:
            raise CommandError("--days must be at least 1.")
        deleted = personal_data_log_purge(keep_days=keep)
        self.stdout.write(f"Personal-data log entries older than {keep} days deleted: {deleted}")
