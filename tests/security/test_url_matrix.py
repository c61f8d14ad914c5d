"""Role × URL matrix: every URL the project resolves (Wagtail's generated admin views
included: choosers, usage, history, reports and their exports), requested by a librarian
of one library, a reader, a resident and an anonymous visitor with the ids of another
library's readers, members, cards, loans and holds, and with the ids of its roster syncs
(whose preview lists names and IDs) and card batches (whose file prints them). No answer may contain that library's
reader's name or ID, and none may be a server error.

The list of URLs comes from the URL resolver, so a view added later is checked without
editing this file. Every personal object of the other library is created with the same
primary key (``FOREIGN_PK``), so one request per URL pattern tries them all."""

import contextlib
import datetime
import html
import json
import re

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from wagtail.log_actions import log

import pytest

from catalog.models import CopyStatus
from lending.models import Card, CardBatch, ErasureRequest, Hold, HoldStatus, Loan, ReaderCategory, RosterSync
from lending.services.readers import reader_account_ensure
from lending.services.roster import RosterChange, RosterReport
from library_site.libraries.models import Officer, OfficerLevel
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.lending import MembershipFactory, ReaderFactory
from tests.factories.libraries import UserFactory

pytestmark = pytest.mark.django_db

FOREIGN_PK = 987_654
FOREIGN_NAME = "Vương Zelda Quyxx"
FOREIGN_ID = "7999000111"
# What must never reach another library's staff, a reader or a visitor.
SECRETS = ("Zelda Quyxx", FOREIGN_ID)

# Values for URL parameters that are not object ids.
PARAMETER_VALUES = {
    "app_label": ["lending"],
    "app_name": ["lending"],
    "content_type_app_name": ["lending"],
    "model_name": ["reader", "membership", "card", "loan", "hold", "erasurerequest"],
    "content_type_model_name": ["reader", "membership", "card", "loan", "hold", "erasurerequest"],
    "format": ["csv", "xlsx", "json", "pdf"],
    "phase": ["before", "after"],
    "filename": ["x.pdf"],
    "filter_spec": ["original"],
    "url": [""],
}
# Patterns that cannot leak and cost a lot (static files, Django's own admin that only
# superusers reach), Wagtail's deliberate error page, and the sign-out pages (they would
# end the role's session halfway through the matrix).
SKIP = re.compile(r"^(static/|django-admin/|jsi18n/|i18n/|admin/failwhale/|admin/logout/|ban-doc/dang-xuat/)")
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<regex_name>\w+)>[^)]*\)")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _concrete_urls(pattern: str) -> list[str]:
    """Every URL this pattern yields with the foreign ids (and the values above)."""
    pattern = pattern.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\.", ".")
    urls = [pattern]
    for match in PARAMETER.finditer(pattern):
        name = match.group("name") or match.group("regex_name")
        values = PARAMETER_VALUES.get(name, [str(FOREIGN_PK)])
        urls = [url.replace(match.group(0), value, 1) for url in urls for value in values]
    return ["/" + url for url in urls if not re.search(r"[\\^$()?*+\[\]]", url)]


def all_urls() -> list[str]:
    urls = set()
    for pattern in _walk(get_resolver().url_patterns):
        if not SKIP.match(pattern.lstrip("^")):
            urls.update(_concrete_urls(pattern))
    return sorted(urls)


def _leaks(body: str) -> list[str]:
    texts = (body, html.unescape(body))
    with contextlib.suppress(ValueError):
        texts += (json.dumps(json.loads(body), ensure_ascii=False),)
    return [secret for secret in SECRETS if any(secret in text for text in texts)]


@pytest.fixture
def foreign_people(other_library, other_librarian):
    """A student of ``other_library`` with a card, a loan, a hold and an erasure request,
    all with id ``FOREIGN_PK``, and admin history entries (an edit, a view) about them;
    and, with the same id, a roster upload of that library waiting for confirmation (its
    preview names the student) and a printed card batch whose file holds the student's
    name and ID."""
    person = ReaderFactory(
        pk=FOREIGN_PK, id_number=FOREIGN_ID, full_name=FOREIGN_NAME, date_of_birth=datetime.date(2012, 4, 1)
    )
    membership = MembershipFactory(pk=FOREIGN_PK, reader=person, library=other_library, class_name="5B")
    Card.objects.create(
        pk=FOREIGN_PK,
        membership=membership,
        reader=person,
        serial=1,
        number=f"moet-{FOREIGN_ID}-1",
        valid_until=timezone.localdate() + datetime.timedelta(days=300),
    )
    record = RecordFactory(pk=FOREIGN_PK, library=other_library, title="Tuổi thơ dữ dội")
    copy = CopyFactory(pk=FOREIGN_PK, record=record, library=other_library, status=CopyStatus.ON_LOAN)
    Loan.objects.create(
        pk=FOREIGN_PK,
        copy=copy,
        membership=membership,
        library=other_library,
        reader_category=ReaderCategory.STUDENT,
        due_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    Hold.objects.create(
        pk=FOREIGN_PK,
        record=record,
        membership=membership,
        reader_category=ReaderCategory.STUDENT,
        pickup_library=other_library,
        status=HoldStatus.WAITING,
    )
    ErasureRequest.objects.create(pk=FOREIGN_PK, reader=person, reason="Zelda Quyxx chuyển trường")
    for instance in (person, membership):
        log(instance=instance, action="wagtail.edit", user=other_librarian)
        log(instance=instance, action="lending.view", user=other_librarian, data={"via": "inspect"})
    report = RosterReport(total=1, changed=1, members=1)
    report.changes.append(RosterChange(2, FOREIGN_ID, FOREIGN_NAME, "changed", "5A → 5B"))
    RosterSync.objects.create(
        pk=FOREIGN_PK,
        library=other_library,
        user=other_librarian,
        status=RosterSync.Status.PREVIEWED,
        report=report.as_dict(),
        file=ContentFile(f"Mã học sinh,Họ và tên\n{FOREIGN_ID},{FOREIGN_NAME}\n".encode(), name="roster.csv"),
    )
    batch = CardBatch(
        pk=FOREIGN_PK,
        library=other_library,
        requested_by=other_librarian,
        class_name="5B",
        membership_ids=[membership.pk],
        format="pdf",
        status=CardBatch.Status.DONE,
    )
    # Not a real PDF: plain text, so a download that reached the wrong library shows.
    batch.file.save("cards.pdf", ContentFile(f"{FOREIGN_NAME} {FOREIGN_ID}".encode()), save=False)
    batch.save()
    return person


def _with_password(user):
    """A reader who chose their own password reaches every page of their account
    (the personal-data pages ask for one)."""
    user.set_password("mat-khau-cua-toi")
    user.save()
    return user


@pytest.fixture
def signed_in_reader(library):
    person = ReaderFactory(full_name="Đặng Thu Trang", id_number="7900777001")
    MembershipFactory(reader=person, library=library)
    return _with_password(reader_account_ensure(reader=person))


@pytest.fixture
def signed_in_resident(library):
    person = ReaderFactory(full_name="Hồ Văn Cư", id_number="079066000123", id_issuer=library.code)
    MembershipFactory(reader=person, library=library, category=ReaderCategory.RESIDENT, class_name="")
    return _with_password(reader_account_ensure(reader=person))


@pytest.fixture
def district_officer(other_library):
    """An education officer whose district holds ``other_library``: statistics of its
    libraries, never a reader's name or ID."""
    user = UserFactory(username="canbo.phunhuan")
    Officer.objects.create(user=user, level=OfficerLevel.DISTRICT, district=other_library.district)
    return user


ROLES = ["librarian", "officer", "reader", "resident", "anonymous"]


@pytest.mark.parametrize("role", ROLES)
def test_no_url_shows_another_librarys_readers(
    client, role, foreign_people, librarian, district_officer, signed_in_reader, signed_in_resident
):
    user = {
        "librarian": librarian,
        "officer": district_officer,
        "reader": signed_in_reader,
        "resident": signed_in_resident,
    }.get(role)
    if user is not None:
        client.force_login(user)
    leaks, errors = [], []

    for url in all_urls():
        # Listings are also searched for the name and exported, as a librarian would.
        listing = str(FOREIGN_PK) not in url
        for query in ("", "?q=Zelda", "?export=csv", "?export=xlsx"):
            if query and not (listing and role == "librarian"):
                continue
            response = client.get(url + query, HTTP_HOST="localhost")
            if response.status_code >= 500:
                errors.append(f"{response.status_code} {url}{query}")
                continue
            if getattr(response, "streaming", False):
                body = b"".join(response.streaming_content).decode("utf-8", "replace")
            else:
                body = response.content.decode("utf-8", "replace")
            found = _leaks(body)
            if found:
                leaks.append(f"{url}{query}: {', '.join(found)}")

    if user is not None:
        assert client.session.get("_auth_user_id") == str(user.pk), "the role was signed out during the matrix"
    assert not errors, "server errors:\n" + "\n".join(errors)
    assert not leaks, f"another library's reader reached a {role}:\n" + "\n".join(leaks)


def test_the_matrix_covers_the_generated_admin_views():
    urls = all_urls()

    for expected in (
        f"/admin/snippets/choose/lending/reader/chosen/{FOREIGN_PK}/",
        f"/admin/snippets/lending/loan/history/{FOREIGN_PK}/",
        f"/admin/snippets/lending/membership/usage/{FOREIGN_PK}/",
        f"/admin/readers/roster/{FOREIGN_PK}/",
        f"/admin/readers/roster/{FOREIGN_PK}/undo/",
        f"/admin/readers/cards/{FOREIGN_PK}/",
        f"/admin/readers/cards/{FOREIGN_PK}/download/",
        "/admin/reports/site-history/",
        f"/ban-doc/tai-lieu/{FOREIGN_PK}/",
        f"/admin/snippets/lending/erasurerequest/inspect/{FOREIGN_PK}/",
        f"/admin/readers/erasure/{FOREIGN_PK}/",
        "/ban-doc/du-lieu/du-lieu-ca-nhan.pdf",
    ):
        assert expected in urls


def test_the_matrix_finds_a_leak(client, foreign_people, superuser):
    """The check itself: a superuser (who sees every library) is shown the secrets."""
    client.force_login(superuser)

    body = client.get(f"/admin/snippets/lending/membership/inspect/{FOREIGN_PK}/").content.decode()
    preview = client.get(f"/admin/readers/roster/{FOREIGN_PK}/").content.decode()
    download = client.get(f"/admin/readers/cards/{FOREIGN_PK}/download/")
    printed = b"".join(download.streaming_content).decode()

    assert _leaks(body) == list(SECRETS)
    assert _leaks(preview) == list(SECRETS)
    assert _leaks(printed) == list(SECRETS)
