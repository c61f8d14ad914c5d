"""Catalog screens in the Wagtail admin (menu: Catalog → Records, Copies, Lesson units,
Import, Labels). Listings show the whole shared catalog; editing follows
``catalog.permissions.LibraryOwnedPermissionPolicy``."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from library_site.libraries.viewsets import InstancePermissionEditView, InstancePermissionIndexView

from . import admin_views
from .admin_forms import LibraryOwnedAdminForm, RecordAdminForm
from .forms import DigitalFileInlinePanel
from .models import Copy, DigitalFormat, LessonUnit, Record
from .services.records import record_refresh_match_key
from .thumbnails import record_cover_from_pdf


class RecordViewSet(SnippetViewSet):
    model = Record
    icon = "doc-full"
    menu_label = _("Records")
    index_view_class = InstancePermissionIndexView
    edit_view_class = InstancePermissionEditView
    inspect_view_enabled = True
    list_display = [
        "title",
        "code",
        Column("first_author", label=_("Author")),
        "kind",
        "year",
        "library",
        Column("withdrawn_at", label=_("Withdrawn")),
    ]
    list_filter = ["kind", "access_level", "library", "subjects", "grades", "language"]
    list_export = ["code", "title", "kind", "year", "isbn", "library"]
    search_fields = ["title", "subtitle", "code", "isbn", "publisher"]
    search_backend_name = None  # catalogue search proper lives in the search app
    ordering = ["title"]
    list_per_page = 50

    def get_queryset(self, request):
        # The author and library columns would otherwise cost two queries a row.
        return Record.objects.select_related("library").prefetch_related("contributors")

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("title"),
                    FieldPanel("subtitle"),
                    InlinePanel("contributors", label=_("Contributors"), min_num=0),
                    MultiFieldPanel(
                        [
                            FieldRowPanel([FieldPanel("publisher"), FieldPanel("year"), FieldPanel("edition")]),
                            FieldRowPanel([FieldPanel("isbn"), FieldPanel("language"), FieldPanel("ddc")]),
                        ],
                        heading=_("Publication"),
                    ),
                    FieldRowPanel([FieldPanel("kind"), FieldPanel("access_level"), FieldPanel("library")]),
                    FieldPanel("summary"),
                    FieldPanel("cover"),
                ],
                heading=_("Record"),
            ),
            ObjectList(
                [FieldPanel("subjects"), FieldPanel("grades"), FieldPanel("lesson_units"), FieldPanel("keywords")],
                heading=_("Curriculum and keywords"),
            ),
            ObjectList(
                [
                    FieldPanel("licence_note"),
                    DigitalFileInlinePanel("digital_files", label=_("Digital files and links")),
                ],
                heading=_("Digital files"),
            ),
        ],
        base_form_class=RecordAdminForm,
    )


class CopyViewSet(SnippetViewSet):
    model = Copy
    icon = "tag"
    menu_label = _("Copies")
    index_view_class = InstancePermissionIndexView
    edit_view_class = InstancePermissionEditView
    inspect_view_enabled = True
    list_display = ["barcode", "record", "library", "call_number", "status"]
    list_filter = ["status", "library"]
    search_fields = ["barcode", "call_number", "record__title"]
    search_backend_name = None
    list_per_page = 100

    def get_queryset(self, request):
        return Copy.objects.select_related("record", "library")

    edit_handler = ObjectList(
        [
            FieldPanel("record"),
            FieldRowPanel([FieldPanel("barcode"), FieldPanel("library")]),
            FieldRowPanel([FieldPanel("call_number"), FieldPanel("shelf_location")]),
            FieldRowPanel([FieldPanel("status"), FieldPanel("acquired_on")]),
            FieldPanel("note"),
        ],
        base_form_class=LibraryOwnedAdminForm,
    )


class LessonUnitViewSet(SnippetViewSet):
    model = LessonUnit
    icon = "list-ol"
    menu_label = _("Lesson units")
    list_display = ["title", "subject", "grade", "number", Column("code", label=_("Code for the catalog import"))]
    list_filter = ["subject", "grade"]
    search_fields = ["title"]
    search_backend_name = None

    def get_queryset(self, request):
        return LessonUnit.objects.select_related("subject", "grade")

    panels = [
        FieldRowPanel([FieldPanel("subject"), FieldPanel("grade"), FieldPanel("number")]),
        FieldPanel("title"),
        FieldPanel("records"),
    ]


class CatalogViewSetGroup(SnippetViewSetGroup):
    items = (RecordViewSet, CopyViewSet, LessonUnitViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Catalog")
    menu_name = "catalog"
    menu_order = 120


register_snippet(CatalogViewSetGroup)


def _cover_from_first_pdf(record: Record) -> None:
    """A record without a cover gets one from the first page of its first PDF."""
    if record.cover_id:
        return
    pdf = record.digital_files.filter(format=DigitalFormat.PDF).exclude(file="").first()
    if pdf is not None:
        record_cover_from_pdf(record=record, digital_file=pdf)


@hooks.register("after_create_snippet")
def record_after_create(request, instance):
    """Stamp who catalogued the record and compute its duplicate-detection key."""
    if isinstance(instance, Record):
        Record.objects.filter(pk=instance.pk).update(created_by=request.user, updated_by=request.user)
        record_refresh_match_key(record=instance)
        _cover_from_first_pdf(instance)


@hooks.register("after_edit_snippet")
def record_after_edit(request, instance):
    if isinstance(instance, Record):
        Record.objects.filter(pk=instance.pk).update(updated_by=request.user)
        record_refresh_match_key(record=instance)
        _cover_from_first_pdf(instance)


@hooks.register("register_admin_urls")
def catalog_admin_urls():
    return [
        path("catalog/records/<int:pk>/withdraw/", admin_views.record_withdraw_view, name="catalog_record_withdraw"),
        path("catalog/labels/", admin_views.labels_view, name="catalog_labels"),
        path("catalog/import/", admin_views.import_start_view, name="catalog_import"),
        path("catalog/import/template.<str:format>", admin_views.import_template_view, name="catalog_import_template"),
        path("catalog/import/<int:pk>/", admin_views.import_job_view, name="catalog_import_job"),
        path("catalog/export/", admin_views.export_view, name="catalog_export"),
    ]


@hooks.register("register_admin_menu_item")
def catalog_tools_menu_item():
    return MenuItem(_("Catalog tools"), reverse("catalog_import"), icon_name="upload", order=125)


@hooks.register("register_snippet_listing_buttons")
def record_withdraw_button(snippet, user, next_url=None):
    if (
        isinstance(snippet, Record)
        and snippet.withdrawn_at is None
        and policy_registry.get_by_type(Record).user_has_permission_for_instance(user, "change", snippet)
    ):
        yield Button(
            _("Withdraw"), reverse("catalog_record_withdraw", args=[snippet.pk]), icon_name="cross", priority=50
        )
