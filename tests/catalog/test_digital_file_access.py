from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.shortcuts import resolve_url
from django.utils import timezone

import pytest

from catalog.models import AccessLevel, DigitalFile, DigitalFormat
from catalog.selectors import digital_file_access, digital_file_url
from tests.catalog.test_uploads import pdf_bytes, wav_bytes
from tests.factories.libraries import UserFactory

pytestmark = pytest.mark.django_db

PDF = pdf_bytes(pages=2)
WAV = wav_bytes(seconds=1)


@pytest.fixture
def client(client):
    """Messages in English (the source language) whatever the translations say; streamed
    files are closed after the test, as the web server would."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    responses = []
    client.get = _closing(client.get, responses)
    yield client
    for response in responses:
        response.close()


def _closing(get_method, responses):
    def get(*args, **kwargs):
        response = get_method(*args, **kwargs)
        responses.append(response)
        return response

    return get


@pytest.fixture
def reader(db):
    return UserFactory(username="hocsinh.lan")


@pytest.fixture
def users(reader, librarian):
    return {"anonymous": None, "reader": reader, "staff": librarian}


def attach(record, *, data=PDF, name="dat-rung.pdf", file_format=DigitalFormat.PDF, **fields) -> DigitalFile:
    mime_type = {DigitalFormat.PDF: "application/pdf", DigitalFormat.AUDIO: "audio/wav"}[file_format]
    return DigitalFile.objects.create(
        record=record,
        format=file_format,
        file=ContentFile(data, name=name),
        mime_type=mime_type,
        size_bytes=len(data),
        **fields,
    )


def get(client, user, digital_file, **headers):
    if user is not None:
        client.force_login(user)
    return client.get(f"/catalog/files/{digital_file.pk}/", headers=headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def login_redirect(digital_file) -> str:
    return f"{resolve_url(settings.LOGIN_URL)}?next=/catalog/files/{digital_file.pk}/"


def loan_granted_to_lan(*, user, digital_file) -> bool:
    """Stands in for circulation: only hocsinh.lan has a loan."""
    return user.username == "hocsinh.lan"


# --- Who may open what ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("access_level", "who", "expected"),
    [
        (AccessLevel.PUBLIC, "anonymous", 200),
        (AccessLevel.PUBLIC, "reader", 200),
        (AccessLevel.PUBLIC, "staff", 200),
        (AccessLevel.READERS, "anonymous", 302),
        (AccessLevel.READERS, "reader", 200),
        (AccessLevel.READERS, "staff", 200),
        (AccessLevel.STAFF, "anonymous", 302),
        (AccessLevel.STAFF, "reader", 404),
        (AccessLevel.STAFF, "staff", 200),
    ],
)
def test_access_level_decides_who_opens_the_file(client, record, users, access_level, who, expected):
    # Given a record at this access level with a PDF
    record.access_level = access_level
    record.save()
    digital_file = attach(record)

    # When this user opens the file
    response = get(client, users[who], digital_file)

    # Then they get it, are sent to sign in, or are refused
    assert response.status_code == expected
    if expected == 200:
        assert body(response) == PDF
    if expected == 302:
        assert response.url == login_redirect(digital_file)


def test_reader_refused_a_staff_file_learns_nothing_of_it(client, staff_only_record, reader):
    """A staff-only record's title is not shown to readers, not even on a refusal."""
    digital_file = attach(staff_only_record, label="Đề và đáp án")

    response = get(client, reader, digital_file)

    assert response.status_code == 404
    assert "Đề kiểm tra học kì I Toán 7" not in response.content.decode()
    assert "Đề và đáp án" not in response.content.decode()


def test_staff_of_any_library_and_superusers_open_staff_files(client, staff_only_record, other_librarian, superuser):
    digital_file = attach(staff_only_record)

    assert get(client, other_librarian, digital_file).status_code == 200
    client.logout()
    assert get(client, superuser, digital_file).status_code == 200


def test_licensed_file_waits_for_circulation(client, record, reader, librarian, settings):
    # Given a lent e-book (3 licences) and no circulation app configured
    settings.CATALOG_DIGITAL_LOAN_CHECK = None
    digital_file = attach(record, licence_count=3)

    # Then anonymous users must sign in, readers are told why, staff may open it
    assert get(client, None, digital_file).url == login_redirect(digital_file)
    refused = get(client, reader, digital_file)
    assert refused.status_code == 403
    assert "This item is lent digitally; borrowing opens once circulation is available." in refused.content.decode()
    assert get(client, librarian, digital_file).status_code == 200


def test_licensed_file_opens_for_a_reader_with_a_digital_loan(client, record, reader, settings):
    settings.CATALOG_DIGITAL_LOAN_CHECK = "tests.catalog.test_digital_file_access.loan_granted_to_lan"
    digital_file = attach(record, licence_count=1)
    other_reader = UserFactory(username="hocsinh.minh")

    assert get(client, reader, digital_file).status_code == 200
    client.logout()
    refused = get(client, other_reader, digital_file)
    assert refused.status_code == 403
    assert "borrow it to open it" in refused.content.decode()


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 404), ("reader", 404), ("staff", 200)])
def test_withdrawn_record_files_are_gone_except_for_staff(client, record, users, who, expected):
    digital_file = attach(record)
    record.withdrawn_at = timezone.now()
    record.save()

    assert get(client, users[who], digital_file).status_code == expected


def test_access_decision_says_why(record, reader):
    digital_file = attach(record, licence_count=2)

    decision = digital_file_access(user=reader, digital_file=digital_file)

    assert (decision.allowed, decision.status) == (False, 403)
    assert decision.reason


# --- How the file is sent ------------------------------------------------------------------


def test_file_is_sent_inline_with_its_vietnamese_name_and_private_headers(client, record):
    digital_file = attach(record, label="Toàn văn")

    response = get(client, None, digital_file)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF))
    assert response["Content-Disposition"] == (
        "inline; filename=\"Dat rung phuong Nam - Toan van.pdf\"; filename*=UTF-8''"
        + quote("Đất rừng phương Nam - Toàn văn.pdf")
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert response["Accept-Ranges"] == "bytes"


def test_readable_url_serves_the_same_file(client, record):
    digital_file = attach(record)

    url = digital_file_url(digital_file)
    response = client.get(url)

    assert url == f"/catalog/files/{digital_file.pk}/" + quote("Đất rừng phương Nam.pdf")
    assert body(response) == PDF


def test_file_is_not_reachable_under_media(client, record, settings):
    digital_file = attach(record)

    stored = Path(digital_file.file.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert not (Path(settings.MEDIA_ROOT) / digital_file.file.name).exists()
    assert client.get(f"{settings.MEDIA_URL}{digital_file.file.name}").status_code == 404


def test_link_redirects_after_the_access_check(client, staff_only_record, librarian):
    link = DigitalFile.objects.create(
        record=staff_only_record, format=DigitalFormat.LINK, url="https://hanhtrangso.nxbgd.vn/sach/toan-7"
    )

    assert client.get(f"/catalog/files/{link.pk}/").url == login_redirect(link)
    client.force_login(librarian)
    assert client.get(f"/catalog/files/{link.pk}/").url == "https://hanhtrangso.nxbgd.vn/sach/toan-7"


def test_missing_file_is_not_found(client):
    assert client.get("/catalog/files/999999/").status_code == 404


# --- Seeking in audio and video: byte ranges ---------------------------------------------


@pytest.fixture
def audio(record):
    return attach(record, data=WAV, name="doc-truyen.wav", file_format=DigitalFormat.AUDIO, sha256="ab" * 32)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, len(WAV) - 1), ("bytes=-10", len(WAV) - 10, len(WAV) - 1)],
)
def test_single_range_returns_partial_content(client, audio, header, start, end):
    response = get(client, None, audio, Range=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(WAV)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Content-Type"] == "audio/wav"
    assert body(response) == WAV[start : end + 1]


def test_range_past_the_end_is_clipped(client, audio):
    response = get(client, None, audio, Range=f"bytes={len(WAV) - 5}-{len(WAV) + 1000}")

    assert response.status_code == 206
    assert body(response) == WAV[-5:]


@pytest.mark.parametrize("start", ["9" * 5000, "9" * 20, "١٢", "²"])
def test_a_range_start_of_huge_or_non_ascii_digits_is_refused_with_416_not_a_server_error(client, audio, start):
    # int() of 5,000 digits raises, and "١٢" (Arabic-Indic digits) is no byte offset
    response = get(client, None, audio, Range=f"bytes={start}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(WAV)}"


@pytest.mark.parametrize("spec", ["0-" + "9" * 5000, "-" + "9" * 5000, "0-" + "9" * 20])
def test_a_range_end_of_huge_digits_reaches_past_the_end_and_is_clipped(client, audio, spec):
    response = get(client, None, audio, Range=f"bytes={spec}")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-{len(WAV) - 1}/{len(WAV)}"
    assert body(response) == WAV


@pytest.mark.parametrize("header", [f"bytes={len(WAV)}-", "bytes=50-10", "bytes=abc", "bytes=-0"])
def test_unsatisfiable_range_is_refused_with_416(client, audio, header):
    response = get(client, None, audio, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(WAV)}"


@pytest.mark.parametrize(
    "headers",
    [{"Range": "bytes=0-1,5-6"}, {"Range": "bytes=0-99", "If-Range": '"an-older-version"'}],
    ids=["several-ranges", "changed-file"],
)
def test_whole_file_is_sent_when_the_range_cannot_be_honoured(client, audio, headers):
    response = get(client, None, audio, **headers)

    assert response.status_code == 200
    assert body(response) == WAV


def test_range_request_still_checks_access(client, staff_only_record, reader):
    digital_file = attach(staff_only_record, data=WAV, name="de.wav", file_format=DigitalFormat.AUDIO)

    assert get(client, reader, digital_file, Range="bytes=0-99").status_code == 404
