from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from . import receivers  # noqa: F401
        from .models import Copy, Record
        from .permissions import LibraryOwnedPermissionPolicy

        register_permission_policy(Record, LibraryOwnedPermissionPolicy(Record))
        register_permission_policy(Copy, LibraryOwnedPermissionPolicy(Copy))
