"""The online catalog (OPAC) on every portal: the results page. It works without
JavaScript (plain GET forms and links); ``search.js`` adds autocomplete and applies
facets in place, announcing the new count to screen readers. Each hit links to the
record's public page, ``/tim-kiem/tai-lieu/<pk>/`` (``lending:public_record``: it shows
availability, which lending knows, and search imports nothing from lending).

The portal's library comes from ``?thu-vien=<code>`` (the header's search box on a portal
sends it; portals are also served by path on the city host) or from the Site answering
the request (a library's own host name): ``library_site.portals.selectors``. On a
library's portal the search is scoped to that library unless the reader picks "all
libraries" (``scope=all``); ``search.results_page`` builds the results page."""

from django.template.response import TemplateResponse

from library_site.portals.selectors import portal_for_request
from search.results_page import results_page


def search_view(request):
    """/tim-kiem/?q=…: results with highlights, covers, availability per library and
    facets; the portal's library first in availability lines."""
    portal = portal_for_request(request)
    context, status = results_page(request.GET, user=request.user, library=portal.library)
    return TemplateResponse(request, "search/search_results.html", {**portal.context(), **context}, status=status)
