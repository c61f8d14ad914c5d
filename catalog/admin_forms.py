"""Admin forms for records and copies: the owning library is limited to the libraries
the signed-in librarian works for (superusers choose any)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm

from catalog.isbn import isbn_normalise
from library_site.libraries.forms import library_field_for_user


class LibraryOwnedAdminForm(WagtailAdminModelForm):
    library_field = "library"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.library_field)
        if field is not None and self.for_user is not None:
            library_field_for_user(field, user=self.for_user)


class RecordAdminForm(LibraryOwnedAdminForm):
    # Wider than the stored 13 digits: librarians type ISBN-10s and hyphens.
    isbn = forms.CharField(
        label=_("ISBN"),
        required=False,
        max_length=24,
        help_text=_("ISBN-10 or ISBN-13, with or without hyphens; stored as ISBN-13."),
    )

    def clean_isbn(self):
        value = self.cleaned_data.get("isbn", "").strip()
        return isbn_normalise(value) if value else ""
