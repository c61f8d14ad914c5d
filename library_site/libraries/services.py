"""Writes about libraries that other apps share."""

from django.contrib.auth.models import Group, Permission

from .models import Library, Officer


def staff_group_grant(*, library: Library, permissions: list[tuple[str, str]]) -> None:
    """Give the library's staff group these (app label, codename) model permissions."""
    library.staff_group.permissions.add(
        *[
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in permissions
        ]
    )


def staff_group_grant_everywhere(*, permissions: list[tuple[str, str]]) -> None:
    """Give every provisioned library's staff group these permissions: run after
    migrations (``post_migrate``) so libraries provisioned before an app added a
    permission to its list receive it too. Idempotent."""
    for library in Library.objects.exclude(staff_group=None).select_related("staff_group"):
        staff_group_grant(library=library, permissions=permissions)


# The group every education officer is in: it lets them into the admin and nothing else
# (no model, page or collection permission), so what they read is what the reports show.
OFFICER_GROUP_NAME = "Cán bộ quản lý giáo dục"


def officer_group_ensure() -> Group:
    group, _created = Group.objects.get_or_create(name=OFFICER_GROUP_NAME)
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    return group


def officer_access_sync(*, user) -> None:
    """Put ``user`` in the officers' group while they are an officer, and out of it
    once they are not (called when an appointment is saved or deleted)."""
    group = officer_group_ensure()
    if Officer.objects.filter(user=user).exists():
        user.groups.add(group)
    else:
        user.groups.remove(group)
