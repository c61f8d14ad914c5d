"""Form helpers shared by the admin pages of every app."""

from django import forms

from .selectors import library_list_for_user


def library_field_for_user(field: forms.ModelChoiceField, *, user) -> None:
    """Offer only the libraries ``user`` works for; a librarian of one library finds it
    chosen already."""
    libraries = library_list_for_user(user=user)
    field.queryset = libraries
    if libraries.count() == 1:
        field.initial = libraries.first()
        field.empty_label = None
