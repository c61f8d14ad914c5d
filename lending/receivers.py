from django.dispatch import receiver

from lending.permissions import STAFF_PERMISSIONS
from library_site.libraries.services import staff_group_grant
from library_site.libraries.signals import library_provisioned


@receiver(library_provisioned)
def grant_lending_permissions(sender, library, **kwargs):
    """Library staff manage the readers and memberships of their own library."""
    staff_group_grant(library=library, permissions=STAFF_PERMISSIONS)
