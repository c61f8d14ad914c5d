from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from library_site.spreadsheets import wagtail_exports_escape


class LibrariesConfig(AppConfig):
    name = "library_site.libraries"
    label = "libraries"
    verbose_name = _("Libraries")

    def ready(self):
        # Imported here, not at the top: connecting the receivers loads models (app registry).
        from . import receivers  # noqa: F401

        wagtail_exports_escape()
