"""A reader downloads everything held about them (Decree 13/2023/NĐ-CP): a JSON file and a
readable PDF, from their account, once they have chosen their own password; never
another reader's data; the download is logged without copying the data."""

import json

from django.core.cache import caches

import pypdfium2
import pytest

from community_courses.services.enrolment import enrolment_create, lesson_complete
from lending.auth import MUST_SET_PASSWORD
from lending.models import PersonalDataLogEntry
from lending.services.holds import hold_place
from lending.services.loans import loan_create
from lending.services.personal_data import EXPORT_ACTION, reader_data_export
from lending.services.readers import reader_account_ensure
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.lending import MembershipFactory

pytestmark = pytest.mark.django_db

DATA_PAGE = "/ban-doc/du-lieu/"
JSON_URL = "/ban-doc/du-lieu/du-lieu-ca-nhan.json"
PDF_URL = "/ban-doc/du-lieu/du-lieu-ca-nhan.pdf"
PASSWORD = "doc-sach-moi-ngay"


@pytest.fixture(autouse=True)
def clear_login_throttle():
    caches["shared"].clear()


@pytest.fixture
def signed_in(client, reader, reader_card):
    user = reader_account_ensure(reader=reader)
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def loans_of_two_readers(reader_membership, record, library):
    """The reader borrows "Đất rừng phương Nam"; a classmate borrows another title and
    holds the reader's."""
    loan_create(membership=reader_membership, copy=record.copies.get(), library=library)
    classmate = MembershipFactory(library=library, reader__full_name="Võ Thị Sáu", reader__id_number="7900099999")
    other = RecordFactory(library=library, title="Tuổi thơ dữ dội")
    loan_create(membership=classmate, copy=CopyFactory(record=other, library=library), library=library)
    hold_place(membership=classmate, record=record)
    hold_place(membership=reader_membership, record=other)
    return classmate


def test_the_json_holds_the_readers_data_and_no_one_elses(signed_in, loans_of_two_readers):
    response = signed_in.get(JSON_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["reader"]["full_name"] == "Trần Minh Anh"
    assert data["reader"]["id"] == "7900012345"
    assert data["reader"]["date_of_birth"] == "2013-09-02"
    assert data["memberships"][0]["class"] == "7A3"
    assert data["cards"]
    assert "secret" not in json.dumps(data["cards"]).lower()
    assert [loan["title"] for loan in data["loans"]] == ["Đất rừng phương Nam"]
    assert [hold["title"] for hold in data["holds"]] == ["Tuổi thơ dữ dội"]
    text = response.content.decode()
    assert "Võ Thị Sáu" not in text
    assert "7900099999" not in text


def test_the_pdf_is_a_readable_pdf_with_the_vietnamese_name(signed_in, loans_of_two_readers):
    response = signed_in.get(PDF_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(response.content)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert "Trần Minh Anh" in text
    assert "Đất rừng phương Nam" in text
    assert "Võ Thị Sáu" not in text


def test_the_export_includes_the_courses_linked_to_the_resident(client, course, lessons, resident_user):
    enrolment = enrolment_create(course=course, user=resident_user, ward="Phường 13")
    lesson_complete(enrolment=enrolment, lesson=lessons[0])

    data = reader_data_export(reader=resident_user.reader)

    assert data["reader"]["full_name"] == "Lê Thị Hạnh"
    assert [item["course"] for item in data["course_enrolments"]] == [course.title]
    assert [item["lesson"] for item in data["lesson_completions"]] == [lessons[0].title]
    assert data["learning_needs"] == []  # anonymous answers are linked to nobody


def test_the_download_is_logged_without_the_data(signed_in, reader):
    signed_in.get(JSON_URL)

    entry = PersonalDataLogEntry.objects.get(action=EXPORT_ACTION)
    assert entry.object_id == str(reader.pk)
    assert "Trần" not in entry.label
    assert "7900012345" not in entry.label
    assert entry.data == {"format": "json"}


def test_a_reader_who_has_not_chosen_a_password_is_sent_to_choose_one(client, reader, reader_card):
    client.force_login(reader_account_ensure(reader=reader))
    session = client.session
    session[MUST_SET_PASSWORD] = True
    session.save()

    for url in (DATA_PAGE, JSON_URL, PDF_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/ban-doc/mat-khau/"


def test_the_account_page_links_to_the_data_page(signed_in):
    card_page = signed_in.get("/ban-doc/the/").content.decode()
    assert DATA_PAGE in card_page

    page = signed_in.get(DATA_PAGE).content.decode()
    assert PDF_URL in page
    assert JSON_URL in page


def test_a_visitor_is_asked_to_sign_in(client, db):
    response = client.get(JSON_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/ban-doc/dang-nhap/")
