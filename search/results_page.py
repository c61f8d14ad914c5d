"""The online catalog's results page: from the query string to what
``search/search_results.html`` reads (the portal's header aside) — the hits with covers and
availability (the portal's library first), the facets as checkboxes and links, the paging,
sorting, scope and "clear all filters" links, and the errors with their HTTP status."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from wagtail.images import get_image_model

from library_site.libraries.models import Library
from library_site.portals.selectors import LIBRARY_PARAM
from search.engines import EngineUnavailable
from search.selectors import MAX_PAGE, SCOPE_ALL, SCOPE_HERE, catalog_search, search_request_from_params
from search.types import FACETS, SearchRequest, SearchResult, Sort

# Facet → the query-string parameter that selects its values.
FACET_PARAMS = {"kind": "kind", "subject": "subject", "grade": "grade", "language": "language", "library": "library"}


def results_page(params, *, user, library: Library | None) -> tuple[dict, int]:
    """The results page's context and HTTP status for the query string ``params``, searched
    by ``user`` on ``library``'s portal (None: the city site): 400 for parameters the
    catalog cannot use, 503 when the engine is unreachable."""
    errors: dict[str, str] = {}
    status = 200
    result = None
    search_request = None
    try:
        search_request = search_request_from_params(params, user=user, library=library)
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
    context = {
        "query": search_request.query if search_request else params.get("q", ""),
        "search_request": search_request,
        "result": result,
        "hits": _hits(result, library),
        "errors": errors,
        "facet_groups": _facet_groups(params, result) if result else [],
        "scope": (params.get("scope") or SCOPE_HERE) if library else SCOPE_ALL,
        "scope_here": SCOPE_HERE,
        "scope_all": SCOPE_ALL,
        "sorts": [
            (Sort.RELEVANCE, _("Relevance")),
            (Sort.TITLE, _("Title")),
            (Sort.YEAR, _("Year")),
            (Sort.NEWEST, _("Newest")),
        ],
        "current_sort": search_request.sort if search_request else Sort.RELEVANCE,
        **_paging(params, search_request, result),
        "suggestion_url": _query_string(params, q=result.suggestion) if result and result.suggestion else None,
        "library_param": LIBRARY_PARAM,
        "autocomplete_url": reverse("search_api:autocomplete"),
        "filtered": bool(search_request and search_request.is_filtered),
        "clear_filters_url": _clear_filters_query(params),
    }
    return context, status


def _hits(result: SearchResult | None, library: Library | None) -> list[dict]:
    """The page's hits with their covers, availability (the portal's library first) and
    links that stay in the portal."""
    if result is None:
        return []
    covers = get_image_model().objects.in_bulk([hit.cover_id for hit in result.hits if hit.cover_id])
    portal_query = f"?{urlencode({LIBRARY_PARAM: library.code})}" if library else ""
    return [
        {
            "hit": hit,
            "cover": covers.get(hit.cover_id),
            "availability": sorted(
                hit.availability, key=lambda a: (library is None or a.library_id != library.pk, a.library_name)
            ),
            "url": reverse("lending:public_record", args=[hit.id]) + portal_query,
        }
        for hit in result.hits
    ]


def _paging(params, search_request: SearchRequest | None, result: SearchResult | None) -> dict:
    """Page number, first result's number and links. Numbered pages stop at MAX_PAGE
    (deeper paging takes the API's cursor): no link leads to a page the catalog would
    refuse."""
    page = search_request.page if search_request else 1
    page_size = search_request.page_size if search_request else 20
    total_pages = min((result.total + page_size - 1) // page_size, MAX_PAGE) if result else 0
    return {
        "page": page,
        "first_number": (page - 1) * page_size + 1,
        "total_pages": total_pages,
        "previous_url": _query_string(params, page=page - 1) if page > 1 else None,
        "next_url": _query_string(params, page=page + 1) if result and page < total_pages else None,
    }


def _clear_filters_query(params) -> str:
    """The query string without filters: the words, the scope and the portal stay."""
    kept = {"q": params.get("q", ""), "scope": params.get("scope", ""), LIBRARY_PARAM: params.get(LIBRARY_PARAM, "")}
    return "?" + urlencode({key: value for key, value in kept.items() if value})


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


def _facet_groups(params, result: SearchResult) -> list[dict]:
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
