from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending")

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from catalog.permissions import LibraryOwnedPermissionPolicy

        from . import receivers  # noqa: F401
        from .models import Membership, Reader
        from .permissions import ReaderPermissionPolicy

        register_permission_policy(Membership, LibraryOwnedPermissionPolicy(Membership, read_scoped=True))
        register_permission_policy(Reader, ReaderPermissionPolicy(Reader))
