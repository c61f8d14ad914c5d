"""Per-library permissions for catalog objects.

Every library's staff read the whole shared catalog, but change only what their own
library owns: the records it catalogued and the copies on its shelves. Model permissions
(add/change/view) come from the library's staff group as usual; this policy adds the
per-object rule on top."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model, QuerySet

from wagtail.permission_policies import ModelPermissionPolicy

from library_site.libraries.selectors import library_ids_for_user

READ_ACTIONS = {"view"}


class LibraryOwnedPermissionPolicy(ModelPermissionPolicy):
    """``read_scoped=False``: everyone with the model permission reads every object (the
    shared catalog). ``read_scoped=True``: reading is limited to the user's libraries too
    (personal data, see ``lending.permissions``)."""

    def __init__(self, model, *, library_field: str = "library", read_scoped: bool = False):
        super().__init__(model)
        self.library_field = library_field
        self.read_scoped = read_scoped

    def _unscoped(self, user, action) -> bool:
        return user.is_superuser or (action in READ_ACTIONS and not self.read_scoped)

    def _works_for(self, user: AbstractBaseUser, instance: Model) -> bool:
        return getattr(instance, f"{self.library_field}_id") in library_ids_for_user(user=user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return self._unscoped(user, action) or self._works_for(user, instance)

    def instances_user_has_permission_for(self, user, action) -> QuerySet:
        instances = super().instances_user_has_permission_for(user, action)
        if self._unscoped(user, action):
            return instances
        return instances.filter(**{f"{self.library_field}__in": library_ids_for_user(user=user)}).distinct()


# Model permissions a library's staff group receives for the catalog (delete is left
# out on purpose: records and copies are withdrawn, never deleted, so loans keep history).
STAFF_PERMISSIONS = [
    ("catalog", "add_record"),
    ("catalog", "change_record"),
    ("catalog", "view_record"),
    ("catalog", "add_copy"),
    ("catalog", "change_copy"),
    ("catalog", "view_copy"),
    ("catalog", "view_lessonunit"),
]
