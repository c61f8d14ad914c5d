"""What both engines share in turning their raw answers into the search interface's:
facet values ordered, cut and labelled (``labelled_facets``), current library names
(``library_names``) and the choice of autocomplete suggestions (``suggestions``)."""

import re
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from catalog.models import Grade, Language, MaterialKind, Subject
from library_site.libraries.models import Library
from library_site.params import id_or_none
from library_site.text import fold
from search.types import FACETS, FacetValue, SearchRequest

# Values shown per facet, the most frequent first (years: the most recent).
FACET_LIMITS = {"subject": 40, "grade": 20, "library": 60, "year": 30, "kind": 20, "language": 20}
AVAILABILITY_LABELS = {"available": _("Available now"), "digital": _("Digital")}

_WORDS = re.compile(r"[^\W_]+")


def library_names(ids: Iterable) -> dict[int, str]:
    """Libraries' current short names (read at query time, so a renamed library needs no
    reindex)."""
    ids = {pk for pk in map(id_or_none, map(str, ids)) if pk is not None}
    if not ids:
        return {}
    return {
        pk: short or name
        for pk, name, short in Library.objects.filter(pk__in=ids).values_list("pk", "name", "short_name")
    }


def selected_values(request: SearchRequest) -> dict[str, set[str]]:
    """The values the request selects, per facet (a year is chosen as year_from = year_to)."""
    selected = {facet: {str(value) for value in values} for facet, values in request.filters.items()}
    year_chosen = request.year_from is not None and request.year_from == request.year_to
    selected["year"] = {str(request.year_from)} if year_chosen else set()
    return selected


def labelled_facets(
    request: SearchRequest, counts: dict[str, dict[str, int]], names: dict[int, str] | None = None
) -> dict[str, tuple[FacetValue, ...]]:
    """Every facet's values with their counts (``counts``: facet → value → count), the most
    frequent first (years newest first), cut to ``FACET_LIMITS``, labelled in the reader's
    language; a selected value the other filters leave empty stays, to be unselected.
    ``names``: library names the caller already read (the rest are read here)."""
    selected = selected_values(request)
    ordered: dict[str, list[tuple[str, int]]] = {}
    for facet in FACETS:
        values = {str(value): n for value, n in counts.get(facet, {}).items() if n}
        if facet == "year":
            items = sorted(values.items(), key=lambda item: -int(item[0]))
        elif facet == "availability":
            items = [(key, values[key]) for key in AVAILABILITY_LABELS if key in values]
        else:
            items = sorted(values.items(), key=lambda item: (-item[1], item[0]))
        items = items[: FACET_LIMITS.get(facet, 50)]
        present = {value for value, _n in items}
        ordered[facet] = items + [(value, 0) for value in sorted(selected[facet] - present)]
    labels = _labels(
        subjects={value for value, _n in ordered["subject"]},
        grades={value for value, _n in ordered["grade"]},
        libraries={value for value, _n in ordered["library"]},
        names=names or {},
    )
    return {
        facet: tuple(FacetValue(value, labels[facet](value), n, value in selected[facet]) for value, n in values)
        for facet, values in ordered.items()
    }


def _labels(*, subjects: set[str], grades: set[str], libraries: set[str], names: dict[int, str]) -> dict:
    """Label functions per facet, reading the names the values need in one query each."""
    subject_names = dict(Subject.objects.filter(code__in=subjects).values_list("code", "name")) if subjects else {}
    grade_names = dict(Grade.objects.filter(code__in=grades).values_list("code", "name")) if grades else {}
    missing = {value for value in libraries if id_or_none(value) not in names}
    names = {str(pk): name for pk, name in {**names, **library_names(missing)}.items()}
    kinds, languages = dict(MaterialKind.choices), dict(Language.choices)
    return {
        "kind": lambda v: str(kinds.get(v, v)),
        "subject": lambda v: subject_names.get(v, v),
        "grade": lambda v: grade_names.get(v, v),
        "language": lambda v: str(languages.get(v, v)),
        "library": lambda v: names.get(v, v),
        "availability": lambda v: str(AVAILABILITY_LABELS.get(v, v)),
        "year": lambda v: v,
    }


def folded_words(text: str) -> list[str]:
    return _WORDS.findall(fold(text))


def suggestions(candidates: Iterable[tuple[str, Iterable[str]]], typed: list[str], limit: int) -> list[str]:
    """Autocomplete suggestions from (title, contributors) candidates in the engine's
    order: titles, then contributor names, that have every typed (folded) word, the last
    one — still being typed — as a prefix. The engines' prefix matching finds records
    where the words are spread over several fields; this keeps the suggestions tight."""

    def starts(value: str) -> bool:
        own = folded_words(value)
        return all(word in own for word in typed[:-1]) and any(word.startswith(typed[-1]) for word in own)

    titles: list[str] = []
    names: list[str] = []
    for title, contributors in candidates:
        if title not in titles and starts(title):
            titles.append(title)
        for name in contributors:
            if name not in names and starts(name):
                names.append(name)
    return (titles + [name for name in names if name not in titles])[:limit]
