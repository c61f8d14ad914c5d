"""Personal data is read by library and by role: a library's staff see and change only
their own library's readers and memberships (Decree 13/2023/NĐ-CP)."""

from catalog.permissions import LibraryOwnedPermissionPolicy
from library_site.libraries.selectors import library_ids_for_user


class ReaderPermissionPolicy(LibraryOwnedPermissionPolicy):
    """A reader is visible to the staff of every library where they are a member."""

    def __init__(self, model):
        super().__init__(model, library_field="memberships__library", read_scoped=True)

    def _works_for(self, user, instance) -> bool:
        return instance.memberships.filter(library__in=library_ids_for_user(user=user)).exists()


STAFF_PERMISSIONS = [
    ("lending", "view_reader"),
    ("lending", "change_reader"),
    ("lending", "add_membership"),
    ("lending", "change_membership"),
    ("lending", "view_membership"),
    ("lending", "view_card"),
]
