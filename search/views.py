"""The online catalog (OPAC) on every portal: the results page and a record's public
page. Both work without JavaScript (plain GET forms and links); ``search.js`` adds
autocomplete and applies facets in place, announcing the new count to screen readers.

The portal's library comes from ``?thu-vien=<code>`` (the header's search box on a portal
sends it; portals are also served by path on the city host) or from the Site answering
the request (a library's own host name): ``library_site.portals.selectors``. On a
library's portal the search is scoped to that library unless the reader picks "all
libraries" (``scope=all``); ``search.results_page`` builds the results page."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog.models import Record
from catalog.selectors import digital_file_access, record_visible_to
from library_site.portals.selectors import LIBRARY_PARAM, portal_for_library, portal_for_request, portal_library
from search.results_page import results_page


def search_view(request):
    """/tim-kiem/?q=…: results with highlights, covers, availability per library and
    facets; the portal's library first in availability lines."""
    portal = portal_for_request(request)
    context, status = results_page(request.GET, user=request.user, library=portal.library)
    return TemplateResponse(request, "search/search_results.html", {**portal.context(), **context}, status=status)


def record_view(request, pk):
    """/tim-kiem/tai-lieu/<pk>/: a record's public page — details, copies per library,
    digital files and who may open them, and the way to hold or borrow it. Records the
    visitor may not see are not found (their titles are not shown either)."""
    from lending.selectors import record_availability

    library = portal_library(request)
    record = get_object_or_404(
        Record.objects.filter(withdrawn_at__isnull=True).select_related("library", "cover"), pk=pk
    )
    if not record_visible_to(user=request.user, record=record):
        raise Http404(_("No such record."))
    availability = sorted(
        record_availability(record=record),
        key=lambda row: (library is None or row.library_id != library.pk, row.library_name),
    )
    files = [
        {"file": digital_file, "access": digital_file_access(user=request.user, digital_file=digital_file)}
        for digital_file in record.digital_files.all()
    ]
    context = portal_for_library(library).context()
    context.update(
        record=record,
        contributors=list(record.contributors.all()),
        subjects=list(record.subjects.all()),
        grades=list(record.grades.all()),
        availability=availability,
        files=files,
        reader_url=reverse("reader:record", args=[record.pk]),
        back_url=reverse("search:results") + (f"?{urlencode({LIBRARY_PARAM: library.code})}" if library else ""),
        library_param=LIBRARY_PARAM,
        autocomplete_url=reverse("search_api:autocomplete"),
    )
    return TemplateResponse(request, "search/record_detail.html", context)
