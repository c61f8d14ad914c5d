"""Libraries provisioned before an app added a staff permission receive it after the next
`migrate` (post_migrate), for every app that grants staff permissions."""

from django.core.management.sql import emit_post_migrate_signal

import pytest

pytestmark = pytest.mark.django_db

NEWER_PERMISSIONS = ["add_closedday", "view_loan", "add_record", "view_practicesession"]


def test_migrate_grants_permissions_added_after_a_library_was_provisioned(library):
    group = library.staff_group
    group.permissions.remove(*group.permissions.filter(codename__in=NEWER_PERMISSIONS))

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    granted = set(group.permissions.values_list("codename", flat=True))
    assert set(NEWER_PERMISSIONS) <= granted
