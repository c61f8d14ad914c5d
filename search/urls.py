"""The online catalog (``search``) and the JSON API (``search_api``), included by
library_site/urls.py before Wagtail's catch-all."""

from django.urls import include, path

from search import api, views

opac_patterns = (
    [
        path("", views.search_view, name="results"),
    ],
    "search",
)
api_patterns = (
    [
        path("", api.search_api, name="search"),
        path("autocomplete/", api.autocomplete_api, name="autocomplete"),
    ],
    "search_api",
)

urlpatterns = [
    path("tim-kiem/", include(opac_patterns)),
    path("api/search/", include(api_patterns)),
]
