"""`python manage.py circulation_daily [--date YYYY-MM-DD]` — the circulation's daily run:
expire uncollected holds (their copies pass to the next reader), update the digital
queues, then email due-soon, overdue and hold-ready notices, delete the files of card
batches printed more than CARD_BATCH_KEEP_DAYS ago, abandoned roster uploads
(``purge_roster_uploads``) and personal-data log entries older than
PERSONAL_DATA_LOG_KEEP_DAYS (``purge_personal_data_log``). Safe to run again: nothing
is expired or sent twice. Run it from cron once a day (or every hour, to tell readers
sooner that a hold is ready)."""

import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lending.services.cards import card_batches_purge
from lending.services.digital import digital_holds_refresh
from lending.services.holds import holds_expire
from lending.services.notices import notices_send


class Command(BaseCommand):
    help = (
        "Expire uncollected holds, update digital queues, send reader notices and delete old card batch files "
        "(idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD); default today.")

    def handle(self, *args, date: str | None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from error
        expired = holds_expire(today=today)
        ready, lapsed = digital_holds_refresh()
        sent = notices_send(today=today)
        now = timezone.make_aware(datetime.datetime.combine(today, timezone.localtime().time())) if today else None
        purged = card_batches_purge(now=now)
        self.stdout.write(f"Holds expired: {expired}")
        self.stdout.write(f"Digital queue: {ready} readers may borrow now, {lapsed} holds lapsed")
        for kind in ("due_soon", "overdue", "hold_ready", "digital_ready"):
            self.stdout.write(f"Notices sent ({kind}): {sent.get(kind, 0)}")
        if sent.get("no_email"):
            self.stdout.write(f"Readers without an email address: {sent['no_email']}")
        self.stdout.write(f"Card batch files deleted: {purged}")
        call_command("purge_roster_uploads", stdout=self.stdout)
        call_command("purge_personal_data_log", stdout=self.stdout)
