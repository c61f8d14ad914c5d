"""Personal data is read by library and by role: a library's staff see and change only
their own library's readers and memberships (Decree 13/2023/NĐ-CP)."""

from catalog.permissions import READ_ACTIONS, LibraryOwnedPermissionPolicy
from library_site.libraries.selectors import library_ids_for_user


class ReaderPermissionPolicy(LibraryOwnedPermissionPolicy):
    """A reader is visible to the staff of every library where they are a member."""

    def __init__(self, model):
        super().__init__(model, library_field="memberships__library", read_scoped=True)

    def _works_for(self, user, instance) -> bool:
        return instance.memberships.filter(library__in=library_ids_for_user(user=user)).exists()


class CardPermissionPolicy(LibraryOwnedPermissionPolicy):
    def __init__(self, model):
        super().__init__(model, library_field="membership__library", read_scoped=True)

    def _works_for(self, user, instance) -> bool:
        return instance.membership.library_id in library_ids_for_user(user=user)


STAFF_PERMISSIONS = [
    ("lending", "view_reader"),
    ("lending", "change_reader"),
    ("lending", "add_membership"),
    ("lending", "change_membership"),
    ("lending", "view_membership"),
    ("lending", "view_card"),
    # Circulation: each library sets its own loan rules and closed days, and sees its loans
    # and holds (changed only through the desk's services).
    *[
        ("lending", f"{action}_{model}")
        for model in ("loanrule", "closedday")
        for action in ("add", "change", "delete", "view")
    ],
    ("lending", "view_loan"),
    ("lending", "view_hold"),
    # Readers' erasure requests: read in the admin, decided through the decision screen.
    ("lending", "view_erasurerequest"),
]


class CirculationRecordPolicy(LibraryOwnedPermissionPolicy):
    """Loans and holds are made, changed and ended only through the circulation services
    (the desk, the kiosk, the reader's pages), which keep copies, queues and counts right:
    in the admin they are read-only, for superusers too."""

    def user_has_permission(self, user, action):
        return action in READ_ACTIONS and super().user_has_permission(user, action)


class ErasureRequestPermissionPolicy(LibraryOwnedPermissionPolicy):
    """An erasure request is seen by the staff of every library where its reader is a
    member, and only there. In the admin it is read-only: it is decided through
    ``lending.views.admin.erasure_request_decide_view`` (the services), never edited."""

    def __init__(self, model):
        super().__init__(model, library_field="reader__memberships__library", read_scoped=True)

    def _works_for(self, user, instance) -> bool:
        return instance.reader.memberships.filter(library__in=library_ids_for_user(user=user)).exists()

    def user_has_permission(self, user, action):
        return action in READ_ACTIONS and super().user_has_permission(user, action)
