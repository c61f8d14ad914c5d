"""Admin forms for records and copies: the owning library is limited to the libraries
the signed-in librarian works for (superusers choose any)."""

from django import forms

from wagtail.admin.forms import WagtailAdminModelForm

from library_site.libraries.selectors import library_list_for_user


class LibraryOwnedAdminForm(WagtailAdminModelForm):
    library_field = "library"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.library_field)
        if field is None or self.for_user is None:
            return
        libraries = library_list_for_user(user=self.for_user)
        field.queryset = libraries
        if not self.instance.pk and libraries.count() == 1:
            field.initial = libraries.first()
            field.widget = forms.HiddenInput()


class RecordAdminForm(LibraryOwnedAdminForm):
    pass


class CopyAdminForm(LibraryOwnedAdminForm):
    pass
