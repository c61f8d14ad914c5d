"""The JSON search API.

``GET /api/search/?q=…&kind=…&subject=…&grade=…&library=…&page=…`` →
``{"total", "results": [{"id", "title", "contributors", "kind", "year", "highlight",
"availability"}], "facets": {"kind": [{"value", "label", "count"}], …}}``, plus
``suggestion``, ``next_cursor`` and ``page``. ``GET /api/search/autocomplete/?q=…`` →
``{"suggestions": [...]}``. Bad parameters answer 400 with ``{"errors": {name: message}}``;
an unreachable engine 503. Records are filtered by what the caller may see (session)."""

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from library_site.params import parse_number
from library_site.portals.selectors import portal_library
from search.engines import EngineUnavailable
from search.selectors import MAX_QUERY_CHARS, catalog_autocomplete, catalog_search, search_request_from_params


def _error(errors: dict, status: int) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status)


@require_GET
def search_api(request):
    try:
        search_request = search_request_from_params(request.GET, user=request.user, library=portal_library(request))
    except ValidationError as error:
        return _error({name: messages[0] for name, messages in error.message_dict.items()}, 400)
    try:
        result = catalog_search(search_request)
    except EngineUnavailable:
        return _error({"engine": _("The catalog search is not available at the moment.")}, 503)
    except ValueError as error:  # e.g. a cursor this engine did not hand out
        return _error({"cursor": str(error)}, 400)
    return JsonResponse(
        {
            "total": result.total,
            "page": search_request.page,
            "results": [
                {
                    "id": hit.id,
                    "title": hit.title,
                    "contributors": list(hit.contributors),
                    "kind": hit.kind,
                    "year": hit.year,
                    "highlight": {field: list(fragments) for field, fragments in hit.highlight.items()},
                    "availability": [
                        {
                            "library_id": a.library_id,
                            "library": a.library_name,
                            "available": a.available,
                            "total": a.total,
                        }
                        for a in hit.availability
                    ],
                    "has_digital": hit.has_digital,
                    "url": reverse("lending:public_record", args=[hit.id]),
                }
                for hit in result.hits
            ],
            "facets": {
                name: [
                    {"value": value.value, "label": value.label, "count": value.count, "selected": value.selected}
                    for value in values
                ]
                for name, values in result.facets.items()
            },
            "suggestion": result.suggestion,
            "next_cursor": result.next_cursor,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def autocomplete_api(request):
    query = request.GET.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        return _error(
            {"q": _("The search text is too long (at most %(max)s characters).") % {"max": MAX_QUERY_CHARS}}, 400
        )
    limit = parse_number(request.GET.get("limit") or "8", name="limit", minimum=1, maximum=20)  # else 400
    try:
        suggestions = catalog_autocomplete(query, library=portal_library(request), user=request.user, limit=limit)
    except EngineUnavailable:
        return _error({"engine": _("The catalog search is not available at the moment.")}, 503)
    response = JsonResponse({"suggestions": suggestions}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=60"
    return response
