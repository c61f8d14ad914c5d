"""Reads of the catalog index. Views, the JSON API and other apps search through these,
never through an engine: ``catalog_search`` and ``catalog_autocomplete`` go to the
configured engine (``search.engines.search_engine``), and ``search_request_from_params``
turns the query string of the online catalog or the API into a ``SearchRequest``."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalog.models import Grade, Language, MaterialKind, Subject
from library_site.libraries.models import Library
from library_site.libraries.selectors import user_is_library_staff
from library_site.params import id_or_none, looks_like_number, parse_number
from search.engines import search_engine
from search.types import Access, SearchRequest, SearchResult, Sort
from search.vietnamese import normalise_query

MAX_QUERY_CHARS = 200
MAX_PAGE = 500  # deeper than this, use the cursor
MAX_VALUES_PER_FILTER = 20
PAGE_SIZES = range(1, 101)

# Query-string names: the API's English names, with the online catalog's Vietnamese ones
# accepted too (the OPAC's links use the English names; both are stable).
PARAMS = {
    "q": ("q",),
    "kind": ("kind",),
    "subject": ("subject",),
    "grade": ("grade",),
    "language": ("language",),
    "library": ("library",),
    "available": ("available",),
    "digital": ("digital",),
    "year_from": ("year_from",),
    "year_to": ("year_to",),
    "scope": ("scope",),
    "sort": ("sort",),
    "page": ("page", "trang"),
    "page_size": ("page_size",),
    "cursor": ("cursor",),
}
SCOPE_HERE, SCOPE_ALL = "here", "all"
TRUE_VALUES = {"1", "true", "on", "yes"}


def search_access_for(user) -> Access:
    """Anonymous visitors see public records, signed-in readers also readers-only ones,
    library staff everything (withdrawn records are never indexed)."""
    if user is None or not user.is_authenticated:
        return Access.PUBLIC
    if user_is_library_staff(user):
        return Access.STAFF
    return Access.READERS


def _get(params: Mapping, name: str) -> str:
    for key in PARAMS[name]:
        value = params.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _get_list(params: Mapping, name: str) -> list[str]:
    values: list[str] = []
    getlist = getattr(params, "getlist", None)
    for key in PARAMS[name]:
        raw = getlist(key) if getlist else ([params[key]] if key in params else [])
        for value in raw:
            # "kind=ebook,audiobook" and "kind=ebook&kind=audiobook" both work.
            values += [part.strip() for part in str(value).split(",") if part.strip()]
    unique = list(dict.fromkeys(values))
    if len(unique) > MAX_VALUES_PER_FILTER:
        raise ValidationError(_("Too many values for %(name)s.") % {"name": name}, code=name)
    return unique


def _get_int(params: Mapping, name: str, *, minimum: int, maximum: int) -> int | None:
    value = _get(params, name)
    if not value:
        return None
    return parse_number(value, name=name, minimum=minimum, maximum=maximum)  # BadParameter is a ValidationError


def _check_choices(name: str, values: list[str], allowed) -> tuple[str, ...]:
    allowed = set(allowed)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(
            _("Unknown %(name)s: %(values)s.") % {"name": name, "values": ", ".join(unknown)}, code=name
        )
    return tuple(values)


def search_request_from_params(
    params: Mapping, *, user=None, library: Library | None = None, default_page_size: int = 20
) -> SearchRequest:
    """A ``SearchRequest`` from query-string parameters; ``library`` is the portal the
    search comes from (its scope is the default: ``scope=all`` widens it). Raises
    ``ValidationError`` (one message per bad parameter) for values we cannot use."""
    errors: dict[str, str] = {}

    def attempt(name, read):
        try:
            return read()
        except ValidationError as error:
            errors[name] = error.messages[0]
            return None

    query = normalise_query(_get(params, "q"))
    if len(query) > MAX_QUERY_CHARS:
        errors["q"] = _("The search text is too long (at most %(max)s characters).") % {"max": MAX_QUERY_CHARS}

    kinds = attempt("kind", lambda: _check_choices("kind", _get_list(params, "kind"), MaterialKind.values))
    languages = attempt("language", lambda: _check_choices("language", _get_list(params, "language"), Language.values))
    subjects = attempt("subject", lambda: _known_codes("subject", _get_list(params, "subject"), Subject))
    grades = attempt("grade", lambda: _known_codes("grade", _get_list(params, "grade"), Grade))
    libraries = attempt("library", lambda: _library_ids(_get_list(params, "library")))
    year_from = attempt("year_from", lambda: _get_int(params, "year_from", minimum=1000, maximum=2100))
    year_to = attempt("year_to", lambda: _get_int(params, "year_to", minimum=1000, maximum=2100))
    if year_from and year_to and year_from > year_to:
        errors["year_to"] = _("year_to must not be before year_from.")
    page = attempt("page", lambda: _get_int(params, "page", minimum=1, maximum=MAX_PAGE)) or 1
    page_size = (
        attempt("page_size", lambda: _get_int(params, "page_size", minimum=1, maximum=PAGE_SIZES[-1]))
        or default_page_size
    )
    sort_value = _get(params, "sort") or Sort.RELEVANCE.value
    if sort_value not in Sort._value2member_map_:
        errors["sort"] = _("Unknown sort: %(value)s. Use one of %(choices)s.") % {
            "value": sort_value,
            "choices": ", ".join(Sort),
        }
    scope = _get(params, "scope") or SCOPE_HERE
    if scope not in (SCOPE_HERE, SCOPE_ALL):
        errors["scope"] = _("scope is either “here” or “all”.")
    cursor = _get(params, "cursor") or None
    if cursor and len(cursor) > 500:
        errors["cursor"] = _("The paging cursor is not valid.")

    if errors:
        raise ValidationError(errors)
    return SearchRequest(
        query=query,
        kinds=kinds,
        subjects=subjects,
        grades=grades,
        languages=languages,
        libraries=libraries,
        available_only=_get(params, "available").lower() in TRUE_VALUES,
        digital_only=_get(params, "digital").lower() in TRUE_VALUES,
        year_from=year_from,
        year_to=year_to,
        library_scope=library.pk if library is not None and scope == SCOPE_HERE else None,
        access=search_access_for(user),
        sort=Sort(sort_value),
        page=page,
        page_size=page_size,
        cursor=cursor,
    )


def _known_codes(name: str, values: list[str], model) -> tuple[str, ...]:
    if not values:
        return ()
    return _check_choices(name, values, model.objects.filter(code__in=values).values_list("code", flat=True))


def _library_ids(values: list[str]) -> tuple[int, ...]:
    """Libraries by id or by code (``library=thcs-cau-kieu``). A value written in digits
    is an id; one that is no valid id (``²``, 20 digits) is an unknown library."""
    if not values:
        return ()
    keys = {value: id_or_none(value) if looks_like_number(value) else value for value in values}
    ids = [key for key in keys.values() if isinstance(key, int)]
    codes = [key for key in keys.values() if isinstance(key, str)]
    found: dict[int | str, int] = dict(Library.objects.filter(pk__in=ids).values_list("pk", "pk"))
    found |= dict(Library.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = [value if len(value) <= 40 else value[:40] + "…" for value, key in keys.items() if key not in found]
    if unknown:
        raise ValidationError(_("Unknown library: %(values)s.") % {"values": ", ".join(unknown)}, code="library")
    return tuple(dict.fromkeys(found[keys[value]] for value in values))


def catalog_search(request: SearchRequest) -> SearchResult:
    """Search the catalog with the configured engine. Raises ``ValueError`` (e.g.
    ``InvalidCursor``) for a request the engine cannot answer, and
    ``EngineUnavailable`` when the engine cannot be reached."""
    return search_engine().search(request)


def catalog_autocomplete(query: str, *, library: Library | None = None, user=None, limit: int = 8) -> list[str]:
    """Titles and contributors starting with ``query`` (accents optional) among the
    records ``user`` may see, at most ``limit``; nothing for fewer than two characters."""
    query = normalise_query(query)[:MAX_QUERY_CHARS]
    if len(query) < 2:
        return []
    return search_engine().autocomplete(
        query, library_scope=library.pk if library else None, limit=limit, access=search_access_for(user)
    )
