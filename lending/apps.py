from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending")

    def ready(self):
        # Imported here, not at the top: these modules load models, which need the app registry.
        from wagtail.permissions import register_permission_policy

        from catalog.permissions import LibraryOwnedPermissionPolicy

        from . import receivers
        from .models import Card, ClosedDay, ErasureRequest, Hold, Loan, LoanRule, Membership, Reader
        from .permissions import (
            CardPermissionPolicy,
            CirculationRecordPolicy,
            ErasureRequestPermissionPolicy,
            ReaderPermissionPolicy,
        )

        register_permission_policy(Membership, LibraryOwnedPermissionPolicy(Membership, read_scoped=True))
        register_permission_policy(Reader, ReaderPermissionPolicy(Reader))
        register_permission_policy(Card, CardPermissionPolicy(Card))
        for model in (LoanRule, ClosedDay):
            register_permission_policy(model, LibraryOwnedPermissionPolicy(model, read_scoped=True))
        register_permission_policy(Loan, CirculationRecordPolicy(Loan, read_scoped=True))
        register_permission_policy(
            Hold, CirculationRecordPolicy(Hold, library_field="pickup_library", read_scoped=True)
        )
        register_permission_policy(ErasureRequest, ErasureRequestPermissionPolicy(ErasureRequest))
        post_migrate.connect(receivers.grant_permissions_to_every_library, sender=self)
