"""Removes a user's two-step sign-in devices from the command line: for the last city
administrator who lost both phone and backup codes (no one left to reset it in the
admin). Recorded in Wagtail's log like a reset in the admin."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from library_site.accounts.services import two_factor_disable


class Command(BaseCommand):
    help = "Reset a user's two-step sign-in (authenticator and backup codes), e.g. after a lost phone."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as error:
            raise CommandError(f"No user named {username!r}.") from error
        removed = two_factor_disable(user=user, by=None)
        self.stdout.write(f"Removed {removed} two-step sign-in device(s) of {username}.")
