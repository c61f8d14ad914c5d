from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityCoursesConfig(AppConfig):
    name = "community_courses"
    verbose_name = _("Community courses")
