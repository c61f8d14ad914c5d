"""`python manage.py purge_roster_uploads` — delete roster files uploaded in the admin and
never applied nor cancelled, once older than ``ROSTER_UPLOAD_KEEP_HOURS`` (the sync is
marked abandoned), and drop the preview's list of names of every sync that old.
``circulation_daily`` runs it; safe to run again."""

from django.core.management.base import BaseCommand

from lending.services.roster_history import roster_uploads_purge


class Command(BaseCommand):
    help = "Delete abandoned roster uploads (older than ROSTER_UPLOAD_KEEP_HOURS)."

    def handle(self, *args, **options):
        deleted = roster_uploads_purge()
        self.stdout.write(f"Roster uploads deleted: {deleted}")
