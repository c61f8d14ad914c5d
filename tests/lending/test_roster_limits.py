"""A roster workbook that claims or holds cells far beyond the import limits (a small
"dimension bomb") is refused by the roster sync and its admin page, and nothing is
written."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

import pytest

from catalog.importing import FILE_LEVEL
from lending.models import Membership, Reader
from lending.services.roster import roster_sync
from tests.workbooks import BOMBS, roster_bomb

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAMED = {
    "dimension": "A1:XFD1048576",
    "far_row": "1,000,000",
    "far_column": "XFD",
    "claimed_corner": "A1:XFD1048576",
}


@pytest.mark.parametrize("kind", BOMBS)
def test_roster_sync_refuses_a_dimension_bomb_and_writes_nothing(library, kind):
    with translation.override("en"):
        report = roster_sync(library=library, data=roster_bomb(kind), school_year="2026-2027")

    [error] = report.errors
    assert error.row == FILE_LEVEL
    assert NAMED[kind] in error.message
    assert not Reader.objects.exists()
    assert not Membership.objects.exists()


@pytest.mark.parametrize("kind", ["claimed_corner", "far_row", "far_column"])
def test_roster_upload_page_shows_the_refusal(client, library, librarian, kind):
    client.force_login(librarian)

    response = client.post(
        "/admin/readers/roster/",
        {"library": library.pk, "file": SimpleUploadedFile("lop.xlsx", roster_bomb(kind), content_type=XLSX)},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    # The upload is read by the task worker (run at once in tests); its page shows why.
    assert response.status_code == 302
    response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    [error] = response.context["report"].errors
    assert NAMED[kind] in error.message
    assert NAMED[kind].replace(",", ".") in response.content.decode() or NAMED[kind] in response.content.decode()
    assert not Reader.objects.exists()
