"""Admin screens and hooks of the programme reports."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .home import librarian_home_panels
from .officer_home import officer_home_panels
from .views import coverage as coverage_views
from .views import figures as figures_views
from .views import home as home_views
from .views import officer as officer_views


def _may_see_figures(request) -> bool:
    """Whether the user reads any library's figures, asked once per request (both menu
    items below are shown to the same people: ``library_list_for_figures``)."""
    if not hasattr(request, "_reports_may_see_figures"):
        request._reports_may_see_figures = coverage_views.user_may_see_coverage(request.user)
    return request._reports_may_see_figures


class FiguresMenuItem(MenuItem):
    def is_shown(self, request):
        return _may_see_figures(request)


class CoverageMenuItem(MenuItem):
    def is_shown(self, request):
        return _may_see_figures(request)


@hooks.register("construct_homepage_panels")
def librarian_home(request, panels):
    panels.extend(librarian_home_panels(request.user))
    panels.extend(officer_home_panels(request.user))


@hooks.register("register_admin_urls")
def reports_admin_urls():
    return [
        path("reports/coverage/", coverage_views.coverage_view, name="reports_coverage"),
        path("reports/overdue/", home_views.overdue_report_view, name="reports_overdue"),
        path("reports/figures/", figures_views.figures_view, name="reports_figures"),
        path("reports/libraries/", officer_views.overview_view, name="reports_libraries"),
    ]


@hooks.register("register_admin_menu_item")
def coverage_menu_item():
    return CoverageMenuItem(_("Digital material coverage"), reverse("reports_coverage"), icon_name="table", order=150)


@hooks.register("register_admin_menu_item")
def figures_menu_item():
    return FiguresMenuItem(_("Library figures"), reverse("reports_figures"), icon_name="table", order=151)


class OverviewMenuItem(MenuItem):
    def is_shown(self, request):
        return officer_views.user_may_see_overview(request.user)


@hooks.register("register_admin_menu_item")
def overview_menu_item():
    return OverviewMenuItem(_("Libraries' figures"), reverse("reports_libraries"), icon_name="table", order=152)
