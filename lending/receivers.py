from django.db.models.signals import post_save
from django.dispatch import receiver

from lending.models import CardRevocation, Membership
from lending.permissions import STAFF_PERMISSIONS
from lending.services.cards import cards_revoke
from lending.signals import hold_ready
from lending.tasks import hold_ready_notices_send
from library_site.libraries.services import staff_group_grant, staff_group_grant_everywhere
from library_site.libraries.signals import library_provisioned


@receiver(library_provisioned)
def grant_lending_permissions(sender, library, **kwargs):
    """Library staff manage the readers and memberships of their own library."""
    staff_group_grant(library=library, permissions=STAFF_PERMISSIONS)


def grant_permissions_to_every_library(sender, **kwargs):
    """After migrations: libraries provisioned before a permission joined
    ``STAFF_PERMISSIONS`` receive it too (connected in the app's ``ready``)."""
    staff_group_grant_everywhere(permissions=STAFF_PERMISSIONS)


@receiver(post_save, sender=Membership)
def revoke_cards_of_a_member_who_left(sender, instance, **kwargs):
    """A member marked as left, by whatever path (admin form, roster), can no longer use
    their card: it is revoked as the roster does."""
    if getattr(instance, "_left_just_now", False):
        cards_revoke(cards=instance.cards.all(), reason=CardRevocation.LEFT)


@receiver(hold_ready)
def send_hold_ready_notices(sender, hold, **kwargs):
    """Email the hold-ready notice now, in the task worker, rather than at the next
    ``circulation_daily``."""
    hold_ready_notices_send.enqueue()
