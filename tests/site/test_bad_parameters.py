"""Numbers in requests that ``int()`` gets wrong (a superscript digit, 20 or 5,000 digits,
a sign, an exponent, blank, Arabic-Indic digits) are answered with a 400 and a message
naming the parameter, or refused in words: never a server error.

The kiosk's renew button is covered in tests/lending/test_kiosk.py and the digital files'
Range header in tests/catalog/test_digital_file_access.py."""

import pytest

from lending.card_codes import card_payload
from lending.models import Loan
from lending.services.loans import loan_create
from lending.services.readers import reader_account_ensure
from library_site.params import BadParameter, parse_id, parse_number

pytestmark = pytest.mark.django_db

BAD_NUMBERS = ["²", "9" * 20, "9" * 5000, "-1", "1e3", "١٢"]
BLANK = " "


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.raise_request_exception = False  # a 500 is an answer to assert on, not a crash of the test
    return client


def _errors(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return response.json()["errors"]


# --- The search API and the online catalog ----------------------------------------------------


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("name", ["library", "page", "page_size", "year_from", "year_to", "grade", "subject"])
def test_the_search_api_answers_400_naming_the_bad_parameter(client, library, name, value):
    response = client.get("/api/search/", {name: value})

    assert response.status_code == 400
    errors = _errors(response)
    assert list(errors) == [name]
    assert errors[name]  # a sentence, e.g. "page must be a whole number."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("²", "Unknown library: ²."),
        ("9" * 20, f"Unknown library: {'9' * 20}."),
        ("9" * 5000, f"Unknown library: {'9' * 40}…."),
        ("١٢", "Unknown library: ١٢."),
    ],
)
def test_a_library_id_that_is_no_id_is_an_unknown_library(client, library, value, message):
    response = client.get("/api/search/", {"library": value})

    assert _errors(response) == {"library": message}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("²", "page must be a whole number."),
        ("١٢", "page must be a whole number."),
        ("1e3", "page must be a whole number."),
        ("-1", "page must be a whole number."),
        ("9" * 20, "page must be between 1 and 500."),
        ("9" * 5000, "page must be between 1 and 500."),
    ],
)
def test_a_bad_page_number_is_explained(client, library, value, message):
    assert _errors(client.get("/api/search/", {"page": value})) == {"page": message}


@pytest.mark.parametrize("value", [*BAD_NUMBERS, "0", "21"])
def test_autocomplete_answers_400_for_a_bad_limit(client, library, value):
    response = client.get("/api/search/autocomplete/", {"q": "dat", "limit": value})

    assert response.status_code == 400
    assert list(_errors(response)) == ["limit"]


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("name", ["library", "trang", "year_from"])
def test_the_online_catalog_shows_a_400_page_with_the_message(client, library, name, value):
    response = client.get("/tim-kiem/", {name: value})

    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert "must be" in response.content.decode() or "Unknown library" in response.content.decode()


def test_a_nul_character_in_the_query_string_is_refused(client, library):
    response = client.get("/api/search/", {"q": "dat\x00rung"})

    assert response.status_code == 400
    assert _errors(response) == {"q": "q contains a character that is not allowed."}


# --- The circulation desk (admin) --------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_the_desk_refuses_a_library_that_is_no_id(client, librarian, value):
    client.force_login(librarian)

    response = client.get("/admin/desk/", {"library": value})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Bad request" in page
    assert "library must be" in page


@pytest.mark.parametrize("value", [*BAD_NUMBERS, BLANK, "abc"])
@pytest.mark.parametrize("action", ["renew", "lost", "damaged"])
def test_the_desk_refuses_a_loan_that_is_no_id(client, librarian, reader_card, record, action, value):
    client.force_login(librarian)
    client.post("/admin/desk/", {"code": card_payload(reader_card)})
    client.post("/admin/desk/", {"code": "CK000001"})

    response = client.post("/admin/desk/", {"action": action, "loan": value}, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert list(_errors(response)) == ["loan"]
    assert Loan.objects.get().returned_at is None


# --- The reader's pages ------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader_account_ensure(reader=reader))
    return client


@pytest.mark.parametrize("value", [*BAD_NUMBERS, "abc"])
@pytest.mark.parametrize("action", ["renew", "cancel_hold", "return_digital", "cancel_digital_hold"])
def test_the_reader_loans_page_refuses_an_id_that_is_no_id(signed_in, reader_membership, record, action, value):
    loan_create(membership=reader_membership, copy=record.copies.get(), library=record.copies.get().library)

    response = signed_in.post("/ban-doc/muon/", {"action": action, "pk": value})

    assert response.status_code == 400
    assert "pk must be" in response.content.decode()
    assert Loan.objects.get().renewals == 0


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_the_reader_record_page_refuses_a_file_that_is_no_id(signed_in, reader_membership, record, value):
    response = signed_in.post(f"/ban-doc/tai-lieu/{record.pk}/", {"action": "borrow", "file": value})

    assert response.status_code == 400
    assert "file must be" in response.content.decode()


@pytest.mark.parametrize("value", ["trang", "9" * 5000, "²"])
def test_a_bad_history_page_shows_the_first_page(signed_in, reader_membership, value):
    assert signed_in.get("/ban-doc/muon/", {"trang": value}).status_code == 200


# --- Catalog admin --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_the_label_page_refuses_copy_ids_that_are_no_ids(client, librarian, record, value):
    client.force_login(librarian)

    response = client.get("/admin/catalog/labels/", {"ids": f"{record.copies.get().pk},{value}"})

    assert response.status_code == 400
    assert "ids must be" in response.content.decode()


# --- Ids in the path ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9" * 20, "9" * 5000])
def test_a_huge_id_in_the_path_is_not_found(client, library, value):
    assert client.get(f"/tim-kiem/tai-lieu/{value}/").status_code == 404


# --- The parser -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*BAD_NUMBERS, BLANK, "", None, "0", "1.0", "+1", True, [1]])
def test_parse_id_refuses_anything_but_ascii_digits_of_a_positive_id(value):
    with pytest.raises(BadParameter, match="id must be") as refused:
        parse_id(value, name="id")

    assert refused.value.name == "id"


@pytest.mark.parametrize(("value", "number"), [("1", 1), (" 42 ", 42), ("9" * 18, 10**18 - 1), (7, 7)])
def test_parse_id_reads_ids(value, number):
    assert parse_id(value, name="id") == number


def test_parse_number_keeps_to_its_bounds():
    assert parse_number("0", name="page", minimum=0, maximum=5) == 0
    with pytest.raises(BadParameter, match="between 1 and 5"):
        parse_number("6", name="page", minimum=1, maximum=5)
