"""Signals of the catalog for apps that depend on it.

``records_bulk_changed`` — records written without model signals (``bulk_create`` in
imports): ``record_ids`` are the records created or given new copies. Sent inside the
writing transaction; the search app indexes them once it commits."""

from django.dispatch import Signal

records_bulk_changed = Signal()
