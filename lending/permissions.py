"""Personal data is read by library and by role: a library's staff see and change only
their own library's readers and memberships (Decree 13/2023/NĐ-CP)."""

from django.db.models import QuerySet

from catalog.permissions import LibraryOwnedPermissionPolicy
from library_site.libraries.selectors import library_list_for_user


class LibraryScopedPermissionPolicy(LibraryOwnedPermissionPolicy):
    """Like the catalog's policy, but reading is scoped to the library too."""

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser:
            return True
        return self._works_for(user, instance)

    def instances_user_has_permission_for(self, user, action) -> QuerySet:
        instances = super(LibraryOwnedPermissionPolicy, self).instances_user_has_permission_for(user, action)
        if user.is_superuser:
            return instances
        return instances.filter(**{f"{self.library_field}__in": library_list_for_user(user=user)}).distinct()


class ReaderPermissionPolicy(LibraryScopedPermissionPolicy):
    """A reader is visible to the staff of every library where they are a member."""

    def __init__(self, model):
        super().__init__(model, library_field="memberships__library")

    def _works_for(self, user, instance) -> bool:
        return instance.memberships.filter(library__in=library_list_for_user(user=user)).exists()


STAFF_PERMISSIONS = [
    ("lending", "view_reader"),
    ("lending", "change_reader"),
    ("lending", "add_membership"),
    ("lending", "change_membership"),
    ("lending", "view_membership"),
    ("lending", "view_card"),
]
