import base64
import re

import pytest
from playwright.sync_api import expect

from catalog.models import CopyStatus
from lending.card_codes import card_payload
from lending.card_render import card_png
from lending.models import Loan
from tests.fixtures.libraries import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A camera that films the printed card: getUserMedia answers with a canvas stream of the
# card's image (headless chromium has no camera, and no BarcodeDetector on Linux, so the
# kiosk decodes with the vendored jsQR).
FAKE_CAMERA = """
navigator.mediaDevices.getUserMedia = function () {
    sessionStorage.setItem("cameraOpened", "yes");
    var canvas = document.createElement("canvas");
    canvas.width = 1280; canvas.height = 720;
    var context = canvas.getContext("2d");
    var image = new Image();
    image.src = "data:image/png;base64,%s";
    function draw() {
        context.fillStyle = "#777"; context.fillRect(0, 0, canvas.width, canvas.height);
        if (image.complete && image.naturalWidth) {
            var scale = Math.min(1200 / image.naturalWidth, 680 / image.naturalHeight);
            context.drawImage(image, 40, 20, image.naturalWidth * scale, image.naturalHeight * scale);
        }
        window.requestAnimationFrame(draw);
    }
    draw();
    return Promise.resolve(canvas.captureStream(15));
};
"""


def _scan(page, code: str) -> None:
    """What a scanner does: type the code into the focused field and press Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def _start_kiosk(live_server, page) -> None:
    page.goto(live_server.url + "/lending/kiosk/start/")
    page.locator("#id_username").fill("thuthu.caukieu")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/lending/kiosk/start/$"))
    page.locator("#id_label").fill("Góc đọc tầng 1")
    page.locator("button[value=start]").click()
    expect(page).to_have_url(re.compile(r"/lending/kiosk/$"))


def test_a_reader_borrows_and_returns_at_the_kiosk(live_server, page, librarian, reader_card, record):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _start_kiosk(live_server, page)
    expect(page.locator("header")).to_contain_text("Góc đọc tầng 1")
    expect(page.locator("#kiosk-code")).to_be_focused()

    _scan(page, card_payload(reader_card))
    expect(page.locator("h1")).to_contain_text("Trần Minh Anh")
    expect(page.get_by_role("status")).to_contain_text("Trần Minh Anh")
    expect(page.locator(".kiosk-loan")).to_have_count(0)

    _scan(page, "CK000001")
    expect(page.locator(".kiosk-result--ok")).to_contain_text("Đất rừng phương Nam")
    expect(page.locator(".kiosk-loan")).to_have_count(1)
    expect(page.locator(".kiosk-loan")).to_contain_text("Đất rừng phương Nam")
    expect(page.locator("#kiosk-code")).to_be_focused()
    expect(page.locator("#kiosk-code")).to_have_value("")

    page.locator("button[value=return]").click()
    page.wait_for_load_state()
    expect(page.locator("button[value=return]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#kiosk-code")).to_be_focused()
    _scan(page, "CK000001")
    expect(page.locator(".kiosk-result--ok")).to_contain_text("Đất rừng phương Nam")
    expect(page.locator(".kiosk-loan")).to_have_count(0)
    assert record.copies.get().status == CopyStatus.AVAILABLE

    page.locator("button[value=finish]").click()
    page.wait_for_load_state()
    expect(page.locator("body")).not_to_contain_text("Trần Minh Anh")
    expect(page.locator("#kiosk-code")).to_be_focused()

    page.goto(live_server.url + "/admin/")  # the librarian was signed out when the kiosk started
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    assert errors == []


def test_the_camera_reads_the_card_and_the_visit_ends_by_itself(live_server, page, settings, librarian, reader_card):
    settings.KIOSK_IDLE_SECONDS = 3
    page.add_init_script(FAKE_CAMERA % base64.b64encode(card_png(reader_card)).decode())
    _start_kiosk(live_server, page)

    page.locator("#kiosk-camera-open").click()
    expect(page.locator("h1")).to_contain_text("Trần Minh Anh", timeout=20_000)
    assert page.evaluate("sessionStorage.getItem('cameraOpened')") == "yes"
    assert Loan.objects.count() == 0

    # Nobody touches the kiosk: it returns to the start screen without the reader's name.
    expect(page.locator("h1")).not_to_contain_text("Trần Minh Anh", timeout=10_000)
    expect(page.locator("#kiosk-camera-open")).to_be_visible()
