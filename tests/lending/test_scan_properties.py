"""Property tests of every view that takes a scanned code: the circulation desk (scan, checkout
and return modes, JSON and plain form posts), the self-service kiosk (card and copy
scans, renew) and the course kiosk's join form. Whatever is scanned or typed, the answer
is a decision — never a server error — with a message the person at the screen can read,
and a scan that is refused changes no loan."""

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lending.card_codes import card_payload
from lending.models import Loan
from lending.services.scan import scan_text_clean
from tests.properties import BOUNDED, CELL

pytestmark = pytest.mark.django_db

DESK = "/admin/desk/"
KIOSK = "/lending/kiosk/"
START = "/lending/kiosk/start/"

SCANNED = st.one_of(
    CELL,
    st.from_regex(r"\A(TV|BC|HL)[0-9]{1,12}\Z"),
    st.from_regex(r"\A[A-Z0-9]{1,20}-[0-9]{2,4}\Z"),  # looks like a card number
    st.sampled_from(["]Q1", "]C0TV00000001", "\x02TV00000001\x03", "TV1.", "TV1.x.y.z", "9" * 5000, "²"]),
    st.text(max_size=60).map(lambda tail: "TV1." + tail),  # looks like a QR payload
)


@pytest.fixture
def client(client):
    client.raise_request_exception = False
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def copy(record):
    return record.copies.get()


def _loans():
    return list(Loan.objects.order_by("pk").values_list("pk", "returned_at"))


@BOUNDED
@given(
    code=SCANNED,
    mode=st.sampled_from(["checkout", "return"]),
    card_first=st.booleans(),
    json=st.booleans(),
)
@example(code="TV\x0001", mode="checkout", card_first=False, json=True)
@example(code="9" * 5000, mode="return", card_first=False, json=True)
@example(code="TV1.\x00", mode="checkout", card_first=True, json=False)
def test_the_desk_answers_every_scan_with_a_decision(
    client, librarian, reader_card, copy, code, mode, card_first, json
):
    client.force_login(librarian)
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    client.post(DESK, {"action": mode}, **headers)
    if card_first:
        client.post(DESK, {"code": card_payload(reader_card)}, **headers)
    loans = _loans()

    response = client.post(DESK, {"code": code}, **headers)

    assert response.status_code < 500, (code, response.content[:300])
    if response.status_code == 400:
        assert response.content.strip()
    elif json:
        body = response.json()
        if scan_text_clean(code):  # nothing left once what scanners add is gone: no scan
            assert body["ok"] in (True, False), body
            assert body["message"], body
        if body["ok"] is not True:
            assert _loans() == loans
    else:
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert page.status_code == 200


@BOUNDED
@given(
    action=st.sampled_from(["renew", "lost", "damaged", "scan", "done", "bogus"]),
    loan=st.one_of(st.none(), CELL, st.from_regex(r"\A[0-9]{1,30}\Z")),
)
@example(action="renew", loan="²")
@example(action="lost", loan="9" * 40)
def test_the_desk_buttons_never_answer_a_server_error(client, librarian, action, loan):
    client.force_login(librarian)
    data = {"action": action} if loan is None else {"action": action, "loan": loan}

    response = client.post(DESK, data, HTTP_ACCEPT="application/json")

    assert response.status_code in (200, 400), (data, response.content[:300])
    if response.status_code == 400:
        assert response.content.strip()


def _kiosk_result(page: str) -> str:
    match = re.search(r'<p class="kiosk-result kiosk-result--(\w+)" data-outcome="\w+">(.*?)</p>', page, re.S)
    return match.group(2).strip() if match else ""


@BOUNDED
@given(
    code=SCANNED,
    mode=st.sampled_from(["borrow", "return"]),
    card_first=st.booleans(),
)
@example(code="TV\x0001", mode="borrow", card_first=True)
@example(code="TV1.\x00", mode="return", card_first=False)
@example(code="\x1f", mode="borrow", card_first=False)
@example(code="]A0", mode="borrow", card_first=False)
def test_the_kiosk_answers_every_scan_with_a_message(
    client, librarian, library, reader_card, copy, settings, code, mode, card_first
):
    settings.KIOSK_CARD_MAX_FAILURES = 10**6  # the throttle is tested elsewhere; here every scan is read
    client.force_login(librarian)
    client.post(START, {"action": "start", "library": library.pk, "label": "Góc đọc"})
    client.post(KIOSK, {"action": "finish"})
    if card_first:
        client.post(KIOSK, {"action": "scan", "code": card_payload(reader_card)})
        client.post(KIOSK, {"action": mode})
    loans = _loans()

    response = client.post(KIOSK, {"action": "scan", "code": code})

    assert response.status_code in (302, 400), (code, response.content[:300])
    page = client.get(KIOSK)
    assert page.status_code == 200
    # A scan that is nothing once what scanners add is removed (control characters,
    # whitespace, an AIM prefix such as "]A0") is an empty scan, which the kiosk ignores.
    if response.status_code == 302 and scan_text_clean(code):
        assert _kiosk_result(page.content.decode()), code
    if "Borrowed:" not in page.content.decode() and "Returned:" not in page.content.decode():
        assert _loans() == loans


@BOUNDED
@given(loan=st.one_of(CELL, st.from_regex(r"\A[0-9]{1,30}\Z")))
@example(loan="²")
@example(loan="9" * 40)
def test_the_kiosk_renew_button_never_answers_a_server_error(client, librarian, library, reader_card, loan):
    client.force_login(librarian)
    client.post(START, {"action": "start", "library": library.pk, "label": "Góc đọc"})
    client.post(KIOSK, {"action": "scan", "code": card_payload(reader_card)})

    response = client.post(KIOSK, {"action": "renew", "loan": loan})

    assert response.status_code in (302, 400), (loan, response.content[:300])
    if response.status_code == 302:
        assert _kiosk_result(client.get(KIOSK).content.decode())


@BOUNDED
@given(username=SCANNED, password=CELL, ward=CELL)
@example(username="", password="", ward="")
@example(username="9" * 5000, password="x", ward="Phường 13")
def test_the_course_kiosk_join_form_answers_every_id_with_a_form_error(
    client, centre, course, resident_user, username, password, ward
):
    from django.urls import reverse

    url = reverse("community_courses:kiosk_join", args=[centre.code, course.pk])

    response = client.post(url, {"username": username, "password": password, "ward": ward})

    assert response.status_code in (200, 400), (username, response.content[:300])
    if response.status_code == 200:
        page = response.content.decode()
        assert "error" in page or "You have joined the course." in page
