"""Admin screens and hooks of the programme reports."""

from django.urls import path

from wagtail import hooks

from .home import librarian_home_panels
from .views import home as home_views


@hooks.register("construct_homepage_panels")
def librarian_home(request, panels):
    panels.extend(librarian_home_panels(request.user))


@hooks.register("register_admin_urls")
def reports_admin_urls():
    return [
        path("reports/overdue/", home_views.overdue_report_view, name="reports_overdue"),
    ]
