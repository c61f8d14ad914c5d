from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Officer
from .services import officer_access_sync


@receiver(post_save, sender=Officer)
@receiver(post_delete, sender=Officer)
def officer_access_follows_the_appointment(sender, instance, **kwargs):
    """An officer gets into the admin while appointed, and no longer once removed."""
    user = type(instance.user).objects.filter(pk=instance.user_id).first()  # gone with a deleted user
    if user is not None:
        officer_access_sync(user=user)
