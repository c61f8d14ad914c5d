"""The online catalog (OPAC) on every portal: the results page. It works without
JavaScript (plain GET forms and links); ``search.js`` adds autocomplete and applies
facets in place, announcing the new count to screen readers. Each hit links to the
record's public page, ``/tim-kiem/tai-lieu/<pk>/`` (``lending:public_record``: it shows
availability, which lending knows, and search imports nothing from lending).

The portal's library comes from ``?thu-vien=<code>`` (the header's search box on a portal
sends it; portals are also served by path on the city host) or from the Site answering
the request (a library's own host name). On a library's portal the search is scoped to
that library unless the reader picks "all libraries" (``scope=all``)."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from wagtail.images import get_image_model
from wagtail.models import Site

from catalog.models import AccessLevel
from library_site.libraries.models import Library
from search.engines import EngineUnavailable
from search.selectors import (
    MAX_PAGE,
    SCOPE_ALL,
    SCOPE_HERE,
    catalog_search,
    search_request_from_params,
)
from search.types import FACETS, Access, Sort

LIBRARY_PARAM = "thu-vien"
VISIBLE_LEVELS = {
    Access.PUBLIC: {AccessLevel.PUBLIC},
    Access.READERS: {AccessLevel.PUBLIC, AccessLevel.READERS},
    Access.STAFF: {AccessLevel.PUBLIC, AccessLevel.READERS, AccessLevel.STAFF},
}
# Facet → the query-string parameter that selects its values.
FACET_PARAMS = {"kind": "kind", "subject": "subject", "grade": "grade", "language": "language", "library": "library"}


def portal_library(request) -> Library | None:
    """The library whose portal the request comes from, if any."""
    code = request.GET.get(LIBRARY_PARAM, "").strip()
    if code:
        return Library.objects.filter(code=code, is_active=True).select_related("home_page").first()
    site = Site.find_for_request(request)
    if site is None:
        return None
    return Library.objects.filter(site=site, is_active=True).select_related("home_page").first()


def portal_context(library: Library | None) -> dict:
    """What base.html's header needs to show the portal's branding and navigation."""
    from library_site.portals.models import CityLandingPage, LibraryHomePage

    home = LibraryHomePage.objects.filter(library=library).live().first() if library else None
    return {"library": library, "portal_home": home, "landing_page": CityLandingPage.objects.live().first()}


def _query_string(params, **changes) -> str:
    """The current query string with ``changes`` applied (None removes a parameter);
    paging restarts at page 1 unless a page is given."""
    data = params.copy()
    for key in ("page", "trang", "cursor"):
        data.pop(key, None)
    for key, value in changes.items():
        data.pop(key, None)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data.setlist(key, [str(v) for v in value])
        else:
            data[key] = str(value)
    return "?" + data.urlencode() if data else "?"


def _facet_groups(params, result) -> list[dict]:
    """Facets as the template shows them: checkboxes (kind, subject, grade, language,
    library, availability) and links (year)."""
    labels = {
        "kind": _("Material kind"),
        "subject": _("Subject"),
        "grade": _("Grade"),
        "language": _("Language"),
        "library": _("Library"),
        "availability": _("Availability"),
        "year": _("Year"),
    }
    groups = []
    for facet in FACETS:
        values = result.facets.get(facet, ())
        if not values:
            continue
        items = []
        for value in values:
            if facet == "availability":
                name, input_value = ("available" if value.value == "available" else "digital"), "1"
            elif facet == "year":
                name, input_value = "year", value.value
            else:
                name, input_value = FACET_PARAMS[facet], value.value
            item = {"value": value, "name": name, "input_value": input_value, "id": f"facet-{facet}-{value.value}"}
            if facet == "year":
                item["url"] = _query_string(
                    params,
                    year_from=None if value.selected else value.value,
                    year_to=None if value.selected else value.value,
                )
            items.append(item)
        groups.append({"name": facet, "label": labels[facet], "items": items, "is_links": facet == "year"})
    return groups


def _attach_covers(hits) -> list[dict]:
    covers = get_image_model().objects.in_bulk([hit.cover_id for hit in hits if hit.cover_id])
    return [{"hit": hit, "cover": covers.get(hit.cover_id)} for hit in hits]


def search_view(request):
    """/tim-kiem/?q=…: results with highlights, covers, availability per library and
    facets; the portal's library first in availability lines."""
    library = portal_library(request)
    context = portal_context(library)
    params = request.GET
    status = 200
    errors = {}
    result = None
    search_request = None
    try:
        search_request = search_request_from_params(params, user=request.user, library=library)
    except ValidationError as error:
        errors = {name: messages[0] for name, messages in error.message_dict.items()}
        status = 400
    if search_request is not None:
        try:
            result = catalog_search(search_request)
        except EngineUnavailable:
            errors = {"engine": _("The catalog search is not available at the moment. Please try again shortly.")}
            status = 503
        except ValueError as error:  # a paging cursor we did not hand out
            errors = {"cursor": str(error)}
            status = 400

    page = search_request.page if search_request else 1
    page_size = search_request.page_size if search_request else 20
    # Numbered pages stop at MAX_PAGE (deeper paging takes the API's cursor): no link
    # leads to a page the catalog would refuse.
    total_pages = min((result.total + page_size - 1) // page_size, MAX_PAGE) if result else 0
    hits = _attach_covers(result.hits) if result else []
    for item in hits:
        item["availability"] = sorted(
            item["hit"].availability, key=lambda a: (library is None or a.library_id != library.pk, a.library_name)
        )
        item["url"] = reverse("lending:public_record", args=[item["hit"].id]) + (
            f"?{urlencode({LIBRARY_PARAM: library.code})}" if library else ""
        )
    scope = params.get("scope") or SCOPE_HERE
    context.update(
        query=search_request.query if search_request else params.get("q", ""),
        search_request=search_request,
        result=result,
        hits=hits,
        errors=errors,
        facet_groups=_facet_groups(params, result) if result else [],
        scope=scope if library else SCOPE_ALL,
        scope_here=SCOPE_HERE,
        scope_all=SCOPE_ALL,
        sorts=[
            (Sort.RELEVANCE, _("Relevance")),
            (Sort.TITLE, _("Title")),
            (Sort.YEAR, _("Year")),
            (Sort.NEWEST, _("Newest")),
        ],
        current_sort=search_request.sort if search_request else Sort.RELEVANCE,
        page=page,
        first_number=(page - 1) * page_size + 1,
        total_pages=total_pages,
        previous_url=_query_string(params, page=page - 1) if page > 1 else None,
        next_url=_query_string(params, page=page + 1) if result and page < total_pages else None,
        suggestion_url=_query_string(params, q=result.suggestion) if result and result.suggestion else None,
        library_param=LIBRARY_PARAM,
        autocomplete_url=reverse("search_api:autocomplete"),
        filtered=bool(
            search_request
            and (
                search_request.kinds
                or search_request.subjects
                or search_request.grades
                or search_request.languages
                or search_request.libraries
                or search_request.available_only
                or search_request.digital_only
                or search_request.year_from
                or search_request.year_to
            )
        ),
        clear_filters_url="?"
        + urlencode(
            {
                k: v
                for k, v in {
                    "q": params.get("q", ""),
                    "scope": params.get("scope", ""),
                    LIBRARY_PARAM: params.get(LIBRARY_PARAM, ""),
                }.items()
                if v
            }
        ),
    )
    return TemplateResponse(request, "search/search_results.html", context, status=status)
