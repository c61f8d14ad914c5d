from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CommunityCoursesConfig(AppConfig):
    name = "community_courses"
    verbose_name = _("Community courses")

    def ready(self):
        # Imported here, not at the top: these modules load models, which need the app registry.
        from wagtail.permissions import register_permission_policy

        from . import receivers
        from .models import PracticeSession, SurveyTemplate
        from .permissions import practice_session_policy, survey_template_policy

        register_permission_policy(SurveyTemplate, survey_template_policy(SurveyTemplate))
        register_permission_policy(PracticeSession, practice_session_policy(PracticeSession))
        post_migrate.connect(receivers.grant_permissions_to_every_library, sender=self)
