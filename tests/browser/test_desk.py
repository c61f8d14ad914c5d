import re

import pytest
from playwright.sync_api import expect

from catalog.models import CopyStatus
from lending.card_codes import card_payload
from tests.factories.catalog import CopyFactory
from tests.fixtures.libraries import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _scan(page, code: str) -> None:
    """What a scanner does: type the code into the focused field and press Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_desk_scans_a_card_lends_two_copies_and_takes_one_back(live_server, page, librarian, reader_card, record):
    second = CopyFactory(record=record, library=record.library, barcode="CK000002")
    payload = card_payload(reader_card)
    page.goto(live_server.url + "/admin/login/")
    page.locator("#id_username").fill("thuthu.caukieu")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(live_server.url + "/admin/desk/")
    expect(page.locator("#desk-code")).to_be_focused()
    page.evaluate("window.sameDeskPage = true")  # gone if a scan reloads the page
    _scan(page, payload)
    expect(page.get_by_role("heading", name=re.compile("Trần Minh Anh"))).to_be_visible()
    _scan(page, "CK000001")
    expect(page.locator(".desk-result--ok")).to_contain_text("CK000001")
    _scan(page, "CK000002")
    expect(page.locator(".desk-result--ok")).to_contain_text("CK000002")
    expect(page.locator("table.listing tbody tr")).to_have_count(2)
    expect(page.locator("#desk-code")).to_be_focused()
    expect(page.locator("#desk-code")).to_have_value("")
    assert page.evaluate("window.sameDeskPage") is True  # the script answered in place

    page.get_by_role("button", name="Trả sách").click()
    page.wait_for_load_state()
    _scan(page, "CK000001")
    expect(page.locator(".desk-result--ok")).to_contain_text("Trần Minh Anh")

    second.refresh_from_db()
    assert second.status == CopyStatus.ON_LOAN
    assert record.copies.get(barcode="CK000001").status == CopyStatus.AVAILABLE
