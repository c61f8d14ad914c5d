"""Writes about libraries that other apps share."""

from django.contrib.auth.models import Permission

from .models import Library


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
