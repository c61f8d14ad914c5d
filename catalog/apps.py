from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        # Imported here, not at the top: these modules load models, which need the app registry.
        from wagtail.permissions import register_permission_policy

        from . import receivers
        from .models import Copy, Record
        from .permissions import LibraryOwnedPermissionPolicy

        register_permission_policy(Record, LibraryOwnedPermissionPolicy(Record))
        register_permission_policy(Copy, LibraryOwnedPermissionPolicy(Copy))
        post_migrate.connect(receivers.grant_permissions_to_every_library, sender=self)
