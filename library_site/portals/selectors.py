"""Which portal a public page belongs to, and what ``base.html`` reads to draw its header
and footer (``library``, ``portal_home``, ``landing_page``).

Every public page, Wagtail page or plain view, takes its header from a ``Portal``:

- a Wagtail page under a library's home page: ``portal_for_page(page)``
  (``PortalPage.get_context`` does it);
- a view of the catalog or of a centre: ``portal_for_request(request)`` (the library of
  ``?thu-vien=<code>`` or of the Site answering the request) or
  ``portal_for_library(library)`` when the view knows the library (a course's centre).

``context = {**portal.context(), …}`` then gives the template its portal; links that should
stay in the portal carry ``?thu-vien=<code>`` (``LIBRARY_PARAM``)."""

from dataclasses import dataclass

from wagtail.models import Site

from library_site.libraries.models import Library

from .models import CityLandingPage, LibraryHomePage, PortalPage

# The query-string parameter naming the portal's library (the header's search box sends it).
LIBRARY_PARAM = "thu-vien"


@dataclass(frozen=True)
class Portal:
    """A library's portal (``library`` and its live home page) or, without a library, the
    city site; ``landing_page`` is the city landing page the header links to."""

    library: Library | None
    home: LibraryHomePage | None
    landing_page: CityLandingPage | None

    def context(self) -> dict:
        """What ``base.html``'s header and footer read."""
        return {"library": self.library, "portal_home": self.home, "landing_page": self.landing_page}


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
    return Portal(library=library, home=home, landing_page=_landing_page())


def portal_for_request(request) -> Portal:
    """The portal a plain (non-page) view is seen in: see ``portal_library``."""
    return portal_for_library(portal_library(request))


def portal_for_page(page: PortalPage) -> Portal:
    """The portal of a page in a library's subtree: its library's home page."""
    home = page.get_portal_home()
    return Portal(library=home.library if home else None, home=home, landing_page=_landing_page())


def _landing_page() -> CityLandingPage | None:
    return CityLandingPage.objects.live().first()
