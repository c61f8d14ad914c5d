"""Signal receivers of the catalog (connected in ``CatalogConfig.ready``)."""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from catalog.models import Copy, Record, RecordContributor
from catalog.services.records import record_prepare
from catalog.text import nfc


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
