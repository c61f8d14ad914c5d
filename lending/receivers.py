from django.dispatch import receiver

from lending.permissions import STAFF_PERMISSIONS
from library_site.libraries.services import staff_group_grant
from library_site.libraries.signals import library_provisioned


@receiver(library_provisioned)
def grant_lending_permissions(sender, library, **kwargs):
    """Library staff manage the readers and memberships of their own library."""
    staff_group_grant(library=library, permissions=STAFF_PERMISSIONS)


def grant_lending_permissions_to_every_library(sender, **kwargs):
    """After migrations, staff groups of libraries provisioned before a permission was
    added to ``STAFF_PERMISSIONS`` receive it too (adding permissions is idempotent)."""
    from library_site.libraries.models import Library

    for library in Library.objects.exclude(staff_group=None).select_related("staff_group"):
        staff_group_grant(library=library, permissions=STAFF_PERMISSIONS)
