"""Signal receivers of the courses app (connected in ``CommunityCoursesConfig.ready``)."""

from django.dispatch import receiver

from library_site.libraries.services import staff_group_grant, staff_group_grant_everywhere
from library_site.libraries.signals import library_provisioned

from .permissions import STAFF_PERMISSIONS


@receiver(library_provisioned)
def grant_course_permissions(sender, library, **kwargs):
    """A library's staff manage its survey templates and practice sessions and read its
    course reports."""
    staff_group_grant(library=library, permissions=STAFF_PERMISSIONS)


def grant_permissions_to_every_library(sender, **kwargs):
    """After migrations: libraries provisioned before a permission joined
    ``STAFF_PERMISSIONS`` receive it too (connected in the app's ``ready``)."""
    staff_group_grant_everywhere(permissions=STAFF_PERMISSIONS)
