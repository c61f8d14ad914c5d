import datetime
import re

from django.core import signing
from django.test import Client, override_settings
from django.utils import timezone

import pytest

from catalog.models import CopyStatus
from lending.card_codes import card_payload
from lending.kiosk import COOKIE_SALT, KIOSK_COOKIE, SESSION_KEY
from lending.models import Loan
from lending.services.loans import loan_create, loan_return
from lending.services.readers import reader_account_ensure
from tests.factories.catalog import CopyFactory

pytestmark = pytest.mark.django_db

KIOSK = "/lending/kiosk/"
START = "/lending/kiosk/start/"


@pytest.fixture
def client(client):
    """The kiosk in English, so that tests read the source strings."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def kiosk(client, librarian, library):
    """A device turned into a kiosk of ``library`` by its librarian."""
    client.force_login(librarian)
    client.post(START, {"action": "start", "library": library.pk, "label": "Góc đọc tầng 1"})
    return client


@pytest.fixture
def copy(record):
    return record.copies.get()


def _page(client) -> str:
    return client.get(KIOSK).content.decode()


def _scan(client, code: str) -> str:
    response = client.post(KIOSK, {"action": "scan", "code": code})
    assert response.status_code == 302  # post/redirect/get
    return _page(client)


def _result(page: str) -> str:
    """The text of the answer in the status region."""
    match = re.search(r'<p class="kiosk-result kiosk-result--(\w+)" data-outcome="\w+">(.*?)</p>', page, re.S)
    return f"{match.group(1)}: {match.group(2)}" if match else ""


# --- Turning a device into a kiosk ---------------------------------------------------------


def test_starting_a_kiosk_signs_the_librarian_out_and_sets_a_signed_cookie(client, librarian, library):
    client.force_login(librarian)

    response = client.post(START, {"action": "start", "library": library.pk, "label": "Góc đọc tầng 1"})

    assert response.status_code == 302
    assert response["Location"] == KIOSK
    cookie = response.cookies[KIOSK_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain HTTP in tests; Secure over HTTPS
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert signing.loads(cookie.value, salt=COOKIE_SALT)["library"] == library.pk
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # the admin asks for a sign-in again
    page = _page(client)
    assert "Scan your reader card" in page
    assert "Góc đọc tầng 1" in page
    assert library.name in page


def test_the_kiosk_cookie_is_secure_over_https(client, librarian, library):
    client.force_login(librarian)

    response = client.post(START, {"action": "start", "library": library.pk}, secure=True)

    assert response.cookies[KIOSK_COOKIE]["secure"]


def test_the_start_page_asks_staff_to_sign_in(client):
    response = client.get(START)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/lending/kiosk/start/")


def test_readers_cannot_start_a_kiosk(client, reader):
    client.force_login(reader_account_ensure(reader=reader))

    assert client.get(START).status_code == 403


def test_staff_start_kiosks_only_for_their_own_library(client, other_librarian, library):
    client.force_login(other_librarian)

    response = client.post(START, {"action": "start", "library": library.pk})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert KIOSK_COOKIE not in response.cookies


def test_without_the_kiosk_cookie_the_kiosk_sends_to_the_start_page(client):
    response = client.get(KIOSK)

    assert response.status_code == 302
    assert response["Location"] == START


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda library, value: "not-a-signed-value", id="garbage"),
        pytest.param(lambda library, value: value[:-2] + ("AA" if not value.endswith("AA") else "BB"), id="altered"),
        pytest.param(
            lambda library, value: signing.dumps({"library": library.pk, "staff": 1, "key": "x"}, salt="another"),
            id="other-salt",
        ),
    ],
)
def test_a_forged_kiosk_cookie_is_refused(kiosk, library, forge):
    kiosk.cookies[KIOSK_COOKIE] = forge(library, kiosk.cookies[KIOSK_COOKIE].value)

    response = kiosk.get(KIOSK)

    assert response.status_code == 302
    assert response["Location"] == START
    assert response.cookies[KIOSK_COOKIE].value == ""  # deleted


def test_a_kiosk_stops_when_its_librarian_no_longer_works_for_the_library(kiosk, librarian, library):
    librarian.groups.remove(library.staff_group)

    assert kiosk.get(KIOSK)["Location"] == START


def test_staff_turn_kiosk_mode_off_after_signing_in_again(kiosk, librarian):
    kiosk.force_login(librarian)
    assert "This device is a kiosk" in kiosk.get(START).content.decode()

    response = kiosk.post(START, {"action": "stop"})

    assert response.cookies[KIOSK_COOKIE].value == ""
    assert "Kiosk mode is off on this device." in kiosk.get(START).content.decode()
    assert kiosk.get(KIOSK)["Location"] == START


def test_a_staff_session_never_survives_on_a_kiosk_page(kiosk, librarian):
    kiosk.force_login(librarian)

    assert "Scan your reader card" in _page(kiosk)
    assert "_auth_user_id" not in kiosk.session


# --- A reader at the kiosk -------------------------------------------------------------------


def test_scanning_the_card_greets_the_reader_and_lists_their_loans(kiosk, reader_card, reader_membership, copy):
    loan_create(
        membership=reader_membership,
        copy=copy,
        library=copy.library,
        today=timezone.localdate() - datetime.timedelta(days=30),
    )

    page = _scan(kiosk, card_payload(reader_card))

    assert _result(page) == "ok: Hello, Trần Minh Anh!"
    assert "<h1>Hello, Trần Minh Anh</h1>" in page
    loan = re.search(r'<li class="kiosk-loan kiosk-loan--overdue">(.*?)</li>', page, re.S).group(1)
    assert "Đất rừng phương Nam" in loan
    assert "Overdue" in loan
    assert 'value="renew"' in loan


def test_a_scanner_prefix_and_trailing_return_are_ignored(kiosk, reader_card):
    assert _result(_scan(kiosk, "]Q1" + card_payload(reader_card) + "\r\n")) == "ok: Hello, Trần Minh Anh!"


def test_borrow_then_return_a_copy(kiosk, reader_card, copy):
    _scan(kiosk, card_payload(reader_card))

    page = _scan(kiosk, "ck000001")  # typed in lower case

    loan = Loan.objects.get()
    assert _result(page) == f"ok: Borrowed: Đất rừng phương Nam. Please return it by {loan.due_on:%d/%m/%Y}."
    assert loan.membership.reader.full_name == "Trần Minh Anh"
    assert "Scan the barcode of each book you borrow" in page

    kiosk.post(KIOSK, {"action": "return"})
    assert "Scan the barcode of each book you return" in _page(kiosk)
    page = _scan(kiosk, "CK000001")

    assert _result(page) == "ok: Returned: Đất rừng phương Nam. Thank you!"
    assert "You have no books on loan here." in page
    copy.refresh_from_db()
    assert copy.status == CopyStatus.AVAILABLE


def test_a_refused_checkout_shows_the_reason(kiosk, reader_card, copy):
    copy.status = CopyStatus.LOST
    copy.save()
    _scan(kiosk, card_payload(reader_card))

    page = _scan(kiosk, "CK000001")

    assert _result(page) == "error: Copy CK000001 cannot be lent: it is lost."
    assert not Loan.objects.exists()


def test_an_unknown_barcode_is_explained(kiosk, reader_card, record):
    _scan(kiosk, card_payload(reader_card))

    assert _result(_scan(kiosk, "CK999999")) == "error: No book of this library has the barcode CK999999."


def test_returning_a_copy_someone_else_borrowed(kiosk, reader_card, teacher, library, copy):
    loan_create(membership=teacher.memberships.get(), copy=copy, library=library)
    _scan(kiosk, card_payload(reader_card))
    kiosk.post(KIOSK, {"action": "return"})

    page = _scan(kiosk, "CK000001")

    assert _result(page) == "ok: Returned: Đất rừng phương Nam. Thank you!"
    assert "Lê Thị Thu" not in page  # whose book it was is nobody's business here


def test_renew_own_loan(kiosk, reader_card, reader_membership, copy):
    loan = loan_create(membership=reader_membership, copy=copy, library=copy.library)
    _scan(kiosk, card_payload(reader_card))

    kiosk.post(KIOSK, {"action": "renew", "loan": loan.pk})

    loan.refresh_from_db()
    assert loan.renewals == 1
    assert _result(_page(kiosk)) == f"ok: Renewed: Đất rừng phương Nam, now due {loan.due_on:%d/%m/%Y}."


def test_a_reader_cannot_renew_someone_elses_loan(kiosk, reader_card, teacher, library, copy):
    other_loan = loan_create(membership=teacher.memberships.get(), copy=copy, library=library)
    _scan(kiosk, card_payload(reader_card))

    kiosk.post(KIOSK, {"action": "renew", "loan": other_loan.pk})

    other_loan.refresh_from_db()
    assert other_loan.renewals == 0
    page = _page(kiosk)
    assert _result(page) == "error: This loan is not on your card."
    assert "Đất rừng phương Nam" not in page


def test_renewing_needs_an_identified_reader(kiosk, reader_membership, copy):
    loan = loan_create(membership=reader_membership, copy=copy, library=copy.library)

    kiosk.post(KIOSK, {"action": "renew", "loan": loan.pk})

    loan.refresh_from_db()
    assert loan.renewals == 0


@pytest.mark.parametrize(
    ("card_fixture", "message"),
    [
        ("reader_card_revoked", "This card has been replaced by a newer one. Please use your new card"),
        ("reader_suspended", "Your membership is suspended: you cannot borrow or renew here."),
    ],
)
def test_refused_cards_are_explained_without_naming_the_reader(kiosk, request, reader_card, card_fixture, message):
    request.getfixturevalue(card_fixture)

    page = _scan(kiosk, card_payload(reader_card))

    assert _result(page).startswith(f"error: {message}")
    assert "Trần Minh Anh" not in page
    assert "Scan your reader card" in page


def test_a_card_of_another_library_is_refused(kiosk, resident):
    page = _scan(kiosk, card_payload(resident.memberships.get().cards.get()))

    assert _result(page) == (
        "error: This card is for TH Phạm Ngọc Thạch. Here, at THCS Cầu Kiệu, please use a card of this library."
    )


def test_card_numbers_are_refused_unless_the_kiosk_accepts_them(kiosk, reader_card):
    assert _result(_scan(kiosk, reader_card.number)) == "error: Please scan the QR code on your reader card."

    with override_settings(KIOSK_ACCEPT_CARD_NUMBERS=True):
        assert _result(_scan(kiosk, reader_card.number)) == "ok: Hello, Trần Minh Anh!"


def test_finish_ends_the_visit(kiosk, reader_card):
    _scan(kiosk, card_payload(reader_card))

    kiosk.post(KIOSK, {"action": "finish"})

    page = _page(kiosk)
    assert _result(page) == "info: Goodbye! Your session has ended."
    assert "Trần Minh Anh" not in page
    assert "Scan your reader card" in page


def _idle(client, seconds: int) -> None:
    session = client.session
    session[SESSION_KEY]["seen"] -= seconds
    session.save()


def test_the_visit_ends_after_90_seconds_without_activity(kiosk, reader_card, copy):
    _scan(kiosk, card_payload(reader_card))
    _idle(kiosk, 60)
    assert "Hello, Trần Minh Anh" in _page(kiosk)  # looking at the page is not activity…
    _scan(kiosk, "CK999999")  # …a scan is
    _idle(kiosk, 89)
    assert "Hello, Trần Minh Anh" in _page(kiosk)

    _idle(kiosk, 2)
    page = _scan(kiosk, "CK000001")  # the next person scans a book: nothing is lent

    assert _result(page) == ("info: Your session ended after 90 seconds without activity. Please scan your card again.")
    assert "Trần Minh Anh" not in page
    assert not Loan.objects.exists()


def test_more_time_keeps_the_visit_open(kiosk, reader_card):
    _scan(kiosk, card_payload(reader_card))
    _idle(kiosk, 80)

    kiosk.post(KIOSK, {"action": "stay"})
    _idle(kiosk, 80)

    assert "Hello, Trần Minh Anh" in _page(kiosk)


def test_the_next_reader_can_scan_their_card_after_a_timeout(kiosk, reader_card, teacher):
    _scan(kiosk, card_payload(reader_card))
    _idle(kiosk, 120)

    page = _scan(kiosk, card_payload(teacher.memberships.get().cards.get()))

    assert _result(page) == "ok: Hello, Lê Thị Thu!"


@override_settings(KIOSK_CARD_MAX_FAILURES=3)
def test_wrong_card_scans_lock_the_kiosk_for_a_while(kiosk, reader_card, librarian, library):
    forged = card_payload(reader_card)[:-4] + "AAAA"
    for _attempt in range(3):
        assert _result(_scan(kiosk, forged)) == "error: This card is not recognised. Please ask the librarian."

    page = _scan(kiosk, card_payload(reader_card))

    assert _result(page).startswith("error: Too many cards were not recognised at this kiosk.")
    assert "Trần Minh Anh" not in page

    # Starting the kiosk again (a librarian) gives it a fresh count.
    kiosk.force_login(librarian)
    kiosk.post(START, {"action": "start", "library": library.pk})
    assert _result(_scan(kiosk, card_payload(reader_card))) == "ok: Hello, Trần Minh Anh!"


def test_the_courses_link_appears_only_when_the_courses_kiosk_exists(kiosk, library):
    from django.urls import NoReverseMatch, reverse

    try:
        courses_url = reverse("community_courses:kiosk", args=[library.code])
    except NoReverseMatch:
        courses_url = None

    page = _page(kiosk)

    if courses_url:
        assert f'href="{courses_url}"' in page
    else:
        assert "Courses" not in page


def test_a_second_copy_on_the_same_card(kiosk, reader_card, record, library):
    CopyFactory(record=record, library=library, barcode="CK000002")
    _scan(kiosk, card_payload(reader_card))
    _scan(kiosk, "CK000001")

    page = _scan(kiosk, "CK000002")

    assert _result(page).startswith("ok: Borrowed")
    assert page.count('class="kiosk-loan"') == 2


# --- Returns at the kiosk are recorded with the kiosk ----------------------------------------


def test_a_return_at_the_kiosk_is_recorded_with_the_kiosks_name(kiosk, reader_card, reader_membership, copy, caplog):
    loan = loan_create(membership=reader_membership, copy=copy, library=copy.library)
    _scan(kiosk, card_payload(reader_card))
    kiosk.post(KIOSK, {"action": "return"})

    with caplog.at_level("INFO", logger="lending.services.loans"):
        _scan(kiosk, "CK000001")

    loan.refresh_from_db()
    assert loan.returned_at is not None
    assert loan.returned_at_kiosk == "Góc đọc tầng 1"
    assert "returned at kiosk 'Góc đọc tầng 1'" in caplog.text


def test_a_return_at_the_desk_names_no_kiosk(reader_membership, copy):
    loan = loan_create(membership=reader_membership, copy=copy, library=copy.library)

    loan_return(copy=copy)

    loan.refresh_from_db()
    assert loan.returned_at_kiosk == ""


def test_the_loans_admin_lists_where_a_copy_was_returned(kiosk, reader_card, reader_membership, copy, superuser):
    loan_create(membership=reader_membership, copy=copy, library=copy.library)
    _scan(kiosk, card_payload(reader_card))
    kiosk.post(KIOSK, {"action": "return"})
    _scan(kiosk, "CK000001")
    kiosk.force_login(superuser)

    listing = kiosk.get("/admin/snippets/lending/loan/").content.decode()

    assert "Returned at kiosk" in listing
    assert "Góc đọc tầng 1" in listing


# --- Bad input and the camera ---------------------------------------------------------------


@pytest.mark.parametrize("loan_id", ["²", "9" * 20, "9" * 5000, "-1", "1e3", " ", "١٢", "abc"])
def test_renewing_a_loan_id_that_is_no_id_is_refused_in_words(kiosk, reader_card, reader_membership, copy, loan_id):
    loan_create(membership=reader_membership, copy=copy, library=copy.library)
    _scan(kiosk, card_payload(reader_card))

    response = kiosk.post(KIOSK, {"action": "renew", "loan": loan_id})

    assert response.status_code == 302
    assert _result(_page(kiosk)) == "error: This loan is not on your card."


def test_the_kiosk_may_use_the_camera_and_no_other_device(kiosk):
    response = kiosk.get(KIOSK)

    assert response.status_code == 200
    policy = response["Permissions-Policy"]
    assert "camera=(self)" in policy
    assert "microphone=()" in policy
    assert "geolocation=()" in policy


def test_the_readers_history_names_the_return_kiosk(kiosk, reader, reader_card, reader_membership, copy):
    loan_create(membership=reader_membership, copy=copy, library=copy.library)
    _scan(kiosk, card_payload(reader_card))
    kiosk.post(KIOSK, {"action": "return"})
    _scan(kiosk, "CK000001")
    at_home = Client(HTTP_ACCEPT_LANGUAGE="en")
    at_home.force_login(reader_account_ensure(reader=reader))

    history = at_home.get("/ban-doc/muon/").content.decode()

    assert "(at the kiosk Góc đọc tầng 1)" in history
