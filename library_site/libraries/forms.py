"""Form helpers shared by the admin pages of every app."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from .selectors import library_list_for_user


def library_field_for_user(field: forms.ModelChoiceField, *, user) -> None:
    """Offer only the libraries ``user`` works for; a librarian of one library finds it
    chosen already."""
    libraries = library_list_for_user(user=user)
    field.queryset = libraries
    if libraries.count() == 1:
        field.initial = libraries.first()
        field.empty_label = None


def upload_size_check(upload):
    """Refuse an uploaded file larger than ``MAX_UPLOAD_SIZE``, saying the limit."""
    if upload.size > settings.MAX_UPLOAD_SIZE:
        raise forms.ValidationError(
            _("The file is larger than %(limit)d MB.") % {"limit": settings.MAX_UPLOAD_SIZE // (1024 * 1024)}
        )
    return upload
