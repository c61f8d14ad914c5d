from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Catalog search")

    def ready(self):
        # Imported here, not at the top: connecting the receivers loads models (app registry).
        from . import receivers  # noqa: F401
