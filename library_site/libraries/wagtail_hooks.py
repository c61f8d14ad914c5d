from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Library


class LibraryViewSet(SnippetViewSet):
    """Libraries (schools, centres) in the admin; city administrators add them, and the
    portal, media collection and staff group are provisioned with them."""

    model = Library
    icon = "home"
    menu_label = _("Libraries")
    menu_order = 150
    add_to_admin_menu = True
    list_display = ["name", "code", "kind", "district", "ward"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "short_name", "code", "district", "ward"]
    search_backend_name = None  # plain database filtering; libraries are few
    ordering = ["name"]


register_snippet(LibraryViewSet)
