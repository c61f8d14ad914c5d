"""Admin screens of the programme reports."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .views import coverage as coverage_views


class CoverageMenuItem(MenuItem):
    def is_shown(self, request):
        return coverage_views.user_may_see_coverage(request.user)


@hooks.register("register_admin_urls")
def coverage_admin_urls():
    return [path("reports/coverage/", coverage_views.coverage_view, name="reports_coverage")]


@hooks.register("register_admin_menu_item")
def coverage_menu_item():
    return CoverageMenuItem(_("Digital material coverage"), reverse("reports_coverage"), icon_name="table", order=150)
