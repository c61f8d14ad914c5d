"""Admin forms of the catalog.

``DigitalFileForm`` checks a digital file (through ``catalog.uploads``). Digital files are
only edited inline in the Record editor, and Wagtail uses a model's ``base_form_class``
only for top-level edit forms, not for the forms of an ``InlinePanel``: the Record editor
uses ``DigitalFileInlinePanel("digital_files", ...)`` so each row is a ``DigitalFileForm``.
"""

import os

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import InlinePanel
from wagtail.admin.panels.base import get_form_for_model

from catalog.models import DigitalFormat
from catalog.uploads import FileFacts, digital_file_inspect


class DigitalFileForm(WagtailAdminModelForm):
    """A file for every format but ``link``, which needs a URL instead. A new file (or an
    existing file under a new format) goes through ``digital_file_inspect``; its size,
    SHA-256, MIME type, page count and duration are stored on the instance."""

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("DELETE"):
            return cleaned_data
        declared_format = cleaned_data.get("format") if "format" in self.fields else self.instance.format
        if not declared_format:
            return cleaned_data  # the format field has its own error
        if declared_format == DigitalFormat.LINK:
            self._clean_link(cleaned_data)
        else:
            self._clean_file(cleaned_data, declared_format)
        return cleaned_data

    def _clean_link(self, cleaned_data) -> None:
        url = cleaned_data.get("url") if "url" in self.fields else self.instance.url
        if not url and "url" not in self.errors:
            self._error("url", _("Enter the address of the external resource."))
        upload = cleaned_data.get("file") if "file" in self.fields else None
        if isinstance(upload, UploadedFile):
            self._error("file", _("A link has no file: remove the file, or choose the format of the file."))
            return
        if upload:  # an earlier file, now replaced by a link
            cleaned_data["file"] = False
        for field, empty in (("size_bytes", None), ("sha256", ""), ("mime_type", "")):
            setattr(self.instance, field, empty)

    def _clean_file(self, cleaned_data, declared_format: str) -> None:
        if "file" in self.errors:
            return
        upload = cleaned_data.get("file") if "file" in self.fields else self.instance.file
        if not upload:
            self._error("file", _("Upload the file for this format."))
            return
        is_new = isinstance(upload, UploadedFile)
        format_changed = "format" in self.changed_data
        if not (is_new or format_changed or not self.instance.sha256):
            return  # the same file as before: its facts are stored already
        try:
            if is_new:
                facts = digital_file_inspect(upload, declared_format=declared_format, name=upload.name)
            else:
                with upload.open("rb") as stored:
                    facts = digital_file_inspect(
                        stored, declared_format=declared_format, name=os.path.basename(upload.name)
                    )
        except ValidationError as error:
            self._error("file", error)
            return
        except FileNotFoundError:
            self._error("file", _("The stored file is missing; upload it again."))
            return
        self._store_facts(facts, cleaned_data)

    def _store_facts(self, facts: FileFacts, cleaned_data) -> None:
        self.instance.size_bytes = facts.size_bytes
        self.instance.sha256 = facts.sha256
        self.instance.mime_type = facts.mime_type
        for field in ("page_count", "duration_seconds"):
            value = getattr(facts, field)
            if field not in self.fields:
                setattr(self.instance, field, value)
            elif value is not None:
                # Measured beats typed; an unmeasured value (MP3 duration) keeps what was typed.
                cleaned_data[field] = value

    def _error(self, field: str, error) -> None:
        self.add_error(field if field in self.fields else None, error)


class DigitalFileInlinePanel(InlinePanel):
    """An ``InlinePanel`` whose rows are ``DigitalFileForm`` instead of a plain
    ``WagtailAdminModelForm``."""

    def get_form_options(self):
        options = super().get_form_options()
        model = self.db_field.related_model
        defer_required_on_fields = self.child_edit_handler.get_form_options().get("defer_required_on_fields")
        formset_options = options["formsets"][self.relation_name]
        if defer_required_on_fields:
            formset_options["form"] = get_form_for_model(
                model, form_class=DigitalFileForm, defer_required_on_fields=defer_required_on_fields
            )
        else:
            formset_options["form"] = DigitalFileForm
        return options
