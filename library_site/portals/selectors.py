"""Which portal a plain (non-page) public view is seen in. Its template extends
``base.html``, whose header and footer read ``library``, ``portal_home`` and
``landing_page``: a view builds its context as ``{**portal.context(), …}`` with the
``Portal`` (``library_site.portals.models``) of

- ``portal_for_request(request)``: the library of ``?thu-vien=<code>`` or of the Site
  answering the request (the catalog's pages and API), or
- ``portal_for_library(library)`` when the view knows the library (a course's centre).

Wagtail pages under a library's home page get theirs from ``PortalPage.get_context``.
Links that should stay in the portal carry ``?thu-vien=<code>`` (``LIBRARY_PARAM``)."""

from wagtail.models import Site

from library_site.libraries.models import Library

from .models import LibraryHomePage, Portal

# The query-string parameter naming the portal's library (the header's search box sends it).
LIBRARY_PARAM = "thu-vien"


def portal_library(request) -> Library | None:
    """The library whose portal the request comes from, if any: ``?thu-vien=<code>``, else
    the library whose Site answers the request (a library's own host name)."""
    code = request.GET.get(LIBRARY_PARAM, "").strip()
    if code:
        return Library.objects.filter(code=code, is_active=True).select_related("home_page").first()
    site = Site.find_for_request(request)
    if site is None:
        return None
    return Library.objects.filter(site=site, is_active=True).select_related("home_page").first()


def portal_for_library(library: Library | None) -> Portal:
    """The portal of ``library``; the city site's for None."""
    home = LibraryHomePage.objects.filter(library=library).live().first() if library else None
    return Portal(library=library, home=home)


def portal_for_request(request) -> Portal:
    """The portal a plain view is seen in: that of ``portal_library(request)``."""
    return portal_for_library(portal_library(request))
