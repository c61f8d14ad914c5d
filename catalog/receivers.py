"""Signal receivers of the catalog (connected in ``CatalogConfig.ready``)."""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from catalog.models import Copy, Record, RecordContributor
from catalog.permissions import STAFF_PERMISSIONS
from catalog.services.records import record_prepare
from library_site.libraries.services import staff_group_grant, staff_group_grant_everywhere
from library_site.libraries.signals import library_provisioned
from library_site.text import nfc


@receiver(pre_save, sender=Record)
def record_normalise(sender, instance: Record, raw=False, **kwargs):
    if not raw:
        record_prepare(instance)


@receiver(pre_save, sender=Copy)
def copy_normalise(sender, instance: Copy, raw=False, **kwargs):
    if not raw:
        instance.barcode = (instance.barcode or "").strip().upper()
        instance.call_number = nfc(instance.call_number)
        instance.shelf_location = nfc(instance.shelf_location)


@receiver(pre_save, sender=RecordContributor)
def contributor_normalise(sender, instance: RecordContributor, raw=False, **kwargs):
    if not raw:
        instance.name = nfc(instance.name)


@receiver(library_provisioned)
def grant_catalog_permissions(sender, library, **kwargs):
    """Library staff catalogue records and copies of their own library."""
    staff_group_grant(library=library, permissions=STAFF_PERMISSIONS)


def grant_permissions_to_every_library(sender, **kwargs):
    """After migrations: libraries provisioned before a permission joined
    ``STAFF_PERMISSIONS`` receive it too (connected in the app's ``ready``)."""
    staff_group_grant_everywhere(permissions=STAFF_PERMISSIONS)
