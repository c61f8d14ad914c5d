from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Library, Officer


class LibraryViewSet(SnippetViewSet):
    """Libraries (schools, centres) in the admin; city administrators add them, and the
    portal, media collection and staff group are provisioned with them."""

    model = Library
    icon = "home"
    menu_label = _("Libraries")
    list_display = ["name", "code", "kind", "district", "ward"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "short_name", "code", "district", "ward"]
    search_backend_name = None  # plain database filtering; libraries are few
    ordering = ["name"]


class OfficerViewSet(SnippetViewSet):
    """Education officers (district, city): city administrators appoint them; an officer
    reads the statistics of their area and changes nothing."""

    model = Officer
    icon = "user"
    menu_label = _("Officers")
    list_display = ["user", "level", "district", "wards"]
    list_filter = ["level"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "district", "wards"]
    search_backend_name = None
    ordering = ["level", "district"]


class LibrariesViewSetGroup(SnippetViewSetGroup):
    items = (LibraryViewSet, OfficerViewSet)
    menu_icon = "home"
    menu_label = _("Libraries")
    menu_order = 150


register_snippet(LibrariesViewSetGroup)
