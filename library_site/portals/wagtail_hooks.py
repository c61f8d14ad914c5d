from wagtail import hooks

from library_site.libraries.models import Library

from .services import library_portal_provision


@hooks.register("after_create_snippet")
def provision_portal_for_new_library(request, instance):
    """A library created in the admin gets its portal, collection and staff group at once."""
    if isinstance(instance, Library):
        library_portal_provision(library=instance)
