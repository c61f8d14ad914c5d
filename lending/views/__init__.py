"""Lending's views, one module per audience: ``desk`` (the circulation desk in the
admin), ``kiosk`` (the self-service kiosk), ``reader`` (a signed-in reader's pages and a
record's public page), ``admin`` (readers' admin pages: roster, card batches, card
replacement, activation slips, erasure decisions) and ``presence`` (adding a person
another library serves). URLs: ``lending.urls`` for the public ones, the admin's in
``lending.wagtail_hooks``."""
