"""Record codes ("every item gets a code") and generated copy barcodes.

Numbers come from a ``CodeSequence`` row locked with SELECT … FOR UPDATE while a block
is reserved, so concurrent imports and admin saves never hand out the same number."""

from django.db import transaction

from catalog.models import CodeSequence

RECORD_CODE_PREFIX = "HL"  # học liệu
COPY_BARCODE_PREFIX = "TV"  # thư viện


@transaction.atomic
def code_block_reserve(*, name: str, count: int) -> int:
    """Reserve ``count`` consecutive numbers of sequence ``name``; returns the first."""
    if count < 1:
        raise ValueError("count must be at least 1")
    sequence, _created = CodeSequence.objects.get_or_create(name=name)
    sequence = CodeSequence.objects.select_for_update().get(pk=sequence.pk)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return first


def record_codes_reserve(*, count: int) -> list[str]:
    first = code_block_reserve(name="record", count=count)
    return [f"{RECORD_CODE_PREFIX}{n:08d}" for n in range(first, first + count)]


def copy_barcodes_reserve(*, count: int) -> list[str]:
    first = code_block_reserve(name="copy", count=count)
    return [f"{COPY_BARCODE_PREFIX}{n:08d}" for n in range(first, first + count)]
