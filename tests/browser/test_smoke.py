import re

import pytest
from playwright.sync_api import expect

from tests.fixtures.libraries import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_opens_a_portal_from_the_city_landing_page(live_server, page, library, storytelling_post):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thư viện số TP. Hồ Chí Minh")

    page.get_by_role("link", name="Thư viện Trường THCS Cầu Kiệu").click()

    expect(page).to_have_url(re.compile(r"/thcs-cau-kieu/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thư viện Trường THCS Cầu Kiệu")
    expect(page.get_by_role("link", name="Giờ kể chuyện: Sự tích cây vú sữa")).to_be_visible()
    expect(page.get_by_role("navigation", name="Điều hướng chính")).to_be_visible()
    # The skip link is the first stop for keyboard users and lands on the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Bỏ qua, đến nội dung chính")).to_be_focused()


def test_librarian_signs_in_to_the_admin(live_server, page, librarian):
    page.goto(live_server.url + "/admin/login/")
    page.locator("#id_username").fill("thuthu.caukieu")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("body")).to_contain_text("Thư viện Trường THCS Cầu Kiệu")
