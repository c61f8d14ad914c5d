"""`python manage.py anonymise_loans` — forget who borrowed what once loans, holds and
digital loans ended more than LOAN_HISTORY_RETENTION_DAYS ago (statistics keep the
counts). Safe to run daily."""

from django.core.management.base import BaseCommand

from lending.services.history import loan_history_anonymise


class Command(BaseCommand):
    help = "Detach loan history older than the retention period from the readers."

    def handle(self, *args, **options):
        counts = loan_history_anonymise()
        self.stdout.write(
            self.style.SUCCESS(
                f"Anonymised {counts.loans} loans, {counts.holds} holds, {counts.digital_loans} digital loans, "
                f"{counts.digital_holds} digital holds; deleted {counts.notices} sent-notice records."
            )
        )
