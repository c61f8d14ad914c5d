"""Lending's own signals: how a service tells the wiring above it (``receivers.py``) that
something happened, so services never import the task worker's entry points."""

from django.dispatch import Signal

# Sent once the transaction that put a copy on the hold shelf has committed (``hold``).
hold_ready = Signal()
