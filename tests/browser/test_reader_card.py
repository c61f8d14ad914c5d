import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_student_signs_in_with_the_card_id_and_shows_the_card_full_screen(
    live_server, page, reader, reader_card, reader_activation_code
):
    page.goto(live_server.url + "/ban-doc/dang-nhap/")
    page.get_by_label("Mã học sinh/giáo viên (in trên thẻ)").fill("7900012345")
    page.get_by_label("Mật khẩu hoặc mã kích hoạt").fill(reader_activation_code)
    page.locator("main button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/ban-doc/mat-khau/$"))
    page.locator("#id_new_password1").fill("sach-hay-moi-ngay")
    page.locator("#id_new_password2").fill("sach-hay-moi-ngay")
    page.locator("main button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/ban-doc/the/$"))
    card = page.get_by_alt_text(re.compile(reader_card.number))
    expect(card).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.reader-card__image').complete")
    assert card.evaluate("image => image.naturalWidth") == 1011  # CR80 at 300 dpi, really loaded

    page.get_by_role("link", name="Hiện toàn màn hình để quét").click()
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.get_by_alt_text(re.compile(reader_card.number))).to_be_visible()
