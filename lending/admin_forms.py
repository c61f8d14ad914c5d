from catalog.admin_forms import LibraryOwnedAdminForm


class MembershipAdminForm(LibraryOwnedAdminForm):
    pass
