"""Reader screens in the Wagtail admin (menu: Readers → Members, People, Roster import,
Print cards). Staff see only the readers of their own library."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from catalog.admin_forms import LibraryOwnedAdminForm
from library_site.libraries.admin_views import InstancePermissionEditView, ScopedIndexView, ScopedInspectView

from . import admin_views, desk_views
from .models import Membership, Reader


class MembershipViewSet(SnippetViewSet):
    model = Membership
    icon = "group"
    menu_label = _("Members")
    index_view_class = ScopedIndexView
    edit_view_class = InstancePermissionEditView
    inspect_view_class = ScopedInspectView
    inspect_view_enabled = True
    list_display = [
        Column("reader", label=_("Reader")),
        Column("reader__display_id", label=_("ID"), accessor=lambda m: m.reader.display_id),
        "class_name",
        "category",
        "status",
        "library",
    ]
    list_filter = ["status", "category", "class_name", "library"]
    search_fields = ["reader__full_name", "reader__id_number", "class_name"]
    search_backend_name = None
    list_per_page = 100

    def get_queryset(self, request):
        return Membership.objects.select_related("reader", "library")

    edit_handler = ObjectList(
        [
            FieldPanel("reader"),
            FieldRowPanel([FieldPanel("library"), FieldPanel("category")]),
            FieldRowPanel([FieldPanel("class_name"), FieldPanel("school_year"), FieldPanel("status")]),
            MultiFieldPanel(
                [FieldPanel("consent_given_by"), FieldPanel("consent_version"), FieldPanel("consent_given_at")],
                heading=_("Consent (residents, Decree 13/2023/NĐ-CP)"),
            ),
        ],
        base_form_class=LibraryOwnedAdminForm,
    )


class ReaderViewSet(SnippetViewSet):
    model = Reader
    icon = "user"
    menu_label = _("People")
    index_view_class = ScopedIndexView
    edit_view_class = InstancePermissionEditView
    inspect_view_class = ScopedInspectView
    inspect_view_enabled = True
    list_display = ["full_name", Column("display_id", label=_("ID")), "date_of_birth"]
    search_fields = ["full_name", "id_number"]
    search_backend_name = None
    panels = [
        FieldPanel("full_name"),
        FieldRowPanel([FieldPanel("id_issuer"), FieldPanel("id_number")]),
        FieldPanel("date_of_birth"),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
        FieldPanel("photo"),
    ]


class ReadersViewSetGroup(SnippetViewSetGroup):
    items = (MembershipViewSet, ReaderViewSet)
    menu_icon = "group"
    menu_label = _("Readers")
    menu_name = "readers"
    menu_order = 130


register_snippet(ReadersViewSetGroup)


@hooks.register("register_admin_urls")
def lending_admin_urls():
    return [
        path("desk/", desk_views.desk_view, name="lending_desk"),
        path("readers/roster/", admin_views.roster_view, name="lending_roster"),
        path("readers/cards/", admin_views.card_batch_start_view, name="lending_card_batch"),
        path("readers/cards/<int:pk>/", admin_views.card_batch_view, name="lending_card_batch_detail"),
        path("readers/cards/<int:pk>/download/", admin_views.card_batch_download, name="lending_card_batch_download"),
        path("readers/members/<int:pk>/new-card/", admin_views.card_replace_view, name="lending_card_replace"),
    ]


@hooks.register("register_admin_menu_item")
def desk_menu_item():
    return MenuItem(_("Circulation desk"), reverse("lending_desk"), icon_name="resubmit", order=110)


@hooks.register("register_admin_menu_item")
def reader_tools_menu_item():
    return MenuItem(_("Roster and cards"), reverse("lending_roster"), icon_name="clipboard-list", order=135)


@hooks.register("register_snippet_listing_buttons")
def membership_new_card_button(snippet, user, next_url=None):
    if isinstance(snippet, Membership):
        policy = policy_registry.get_by_type(Membership)
        if policy.user_has_permission_for_instance(user, "change", snippet):
            yield Button(_("New card"), reverse("lending_card_replace", args=[snippet.pk]), icon_name="doc-full")
