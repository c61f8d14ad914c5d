"""A library's figures (reports.selectors.figures) against independent counts made in
Python from the objects themselves, small groups suppressed, the query count bounded
whatever the data, and the admin page /admin/reports/figures/ as each role."""

import datetime
import json
import statistics
from collections import Counter

from django.utils import timezone

import pytest

from catalog.models import DigitalFile, Record
from community_courses.models import SurveyPhase
from community_courses.services.enrolment import enrolment_create, lesson_complete
from community_courses.services.surveys import survey_response_submit
from lending.models import Card, Loan, Membership, MembershipStatus, ReaderCategory
from library_site.libraries.models import LibraryKind, Officer, OfficerLevel
from library_site.portals.models import ActivityIndexPage, ActivityKind, ActivityPostPage
from reports.periods import REPORT_TIME_ZONE
from reports.selectors.coverage import coverage_for_library
from reports.selectors.figures import libraries_figures, library_figures
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.lending import MembershipFactory
from tests.factories.libraries import LibraryFactory, UserFactory
from tests.factories.portals import ActivityPostPageFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/admin/reports/figures/"
Q3 = (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=REPORT_TIME_ZONE)


# --- Known data ---------------------------------------------------------------------------
def _member(library, category=ReaderCategory.STUDENT, *, status=MembershipStatus.ACTIVE, card=None):
    """A membership; ``card`` = "valid", "revoked", "expired" or None (no card)."""
    membership = MembershipFactory(library=library, category=category, status=status)
    if card:
        Card.objects.create(
            membership=membership,
            reader=membership.reader,
            serial=1,
            number=f"{library.code}-{membership.pk}",
            valid_until=datetime.date(2026, 6, 30) if card == "expired" else datetime.date(2027, 6, 30),
            revoked_at=timezone.now() if card == "revoked" else None,
        )
    return membership


def _loan(membership, record, when, library=None) -> Loan:
    copy = CopyFactory(record=record, library=library or membership.library)
    loan = Loan.objects.create(
        copy=copy,
        membership=membership,
        reader_category=membership.category,
        library=library or membership.library,
        due_on=when.date() + datetime.timedelta(days=14),
        returned_at=when + datetime.timedelta(days=3),
    )
    Loan.objects.filter(pk=loan.pk).update(borrowed_at=when)
    return loan


def _record(library, *, files=1, withdrawn=None, created=None, ddc="", title=None) -> Record:
    created = created or local(2026, 5, 1, 9)
    record = RecordFactory(library=library, ddc=ddc, **({"title": title} if title else {}))
    for n in range(files):
        DigitalFile.objects.create(record=record, format="link", url=f"https://hoclieu.example/{record.pk}/{n}")
    Record.objects.filter(pk=record.pk).update(created_at=created, withdrawn_at=withdrawn)
    return record


def _post(library, kind, published, *, live=True):
    index = ActivityIndexPage.objects.child_of(library.home_page).first()
    post = ActivityPostPageFactory(parent=index, kind=kind, live=live)
    ActivityPostPage.objects.filter(pk=post.pk).update(first_published_at=published)
    return post


@pytest.fixture
def known(library, other_library):
    """Members, cards, records, loans and posts of ``library`` (plus noise in ``other_library``)."""
    for card in ["valid"] * 5 + ["revoked", "expired", None]:
        _member(library, card=card)
    _member(library, status=MembershipStatus.LEFT, card="valid")
    for card in ["valid", "valid", None]:
        _member(library, ReaderCategory.STAFF, card=card)
    _member(library, ReaderCategory.RESIDENT, card="valid")
    _member(other_library, card="valid")

    book = _record(library, files=0, title="Dế Mèn phiêu lưu ký")
    _record(library, ddc="895.922")
    _record(library)
    _record(library, withdrawn=local(2026, 8, 1, 9))  # withdrawn in the period: not counted
    _record(library, withdrawn=local(2026, 10, 5, 9))  # withdrawn after: counted
    _record(library, created=local(2026, 10, 2, 9))  # catalogued after the period
    uncoded = _record(library)
    Record.objects.filter(pk=uncoded.pk).update(code="")
    _record(other_library)
    other_book = _record(library, files=0, title="Tắt đèn")

    members = list(Membership.objects.filter(library=library, category=ReaderCategory.STUDENT))
    # July: six readers, one borrows twice; one loan at 00:30 on 1 July (local) counts in July.
    for n, member in enumerate(members[:6]):
        _loan(member, book, local(2026, 7, 3 + n, 10))
    _loan(members[0], other_book, local(2026, 7, 1, 0, 30))
    # August: two readers, three loans.
    _loan(members[0], other_book, local(2026, 8, 4, 10))
    _loan(members[1], other_book, local(2026, 8, 5, 10))
    _loan(members[1], book, local(2026, 8, 6, 10))
    # Outside the period (23:30 on 30 June, local) and another library's loan.
    _loan(members[2], book, local(2026, 6, 30, 23, 30))
    stranger = Membership.objects.get(library=other_library)
    _loan(stranger, book, local(2026, 7, 10, 10))

    _post(library, ActivityKind.STORYTELLING, local(2026, 7, 2, 8))
    _post(library, ActivityKind.STORYTELLING, local(2026, 9, 30, 23))
    _post(library, ActivityKind.EXHIBITION, local(2026, 8, 15, 8))
    _post(library, ActivityKind.NEWS, local(2026, 10, 1, 0, 1))  # after
    _post(library, ActivityKind.NEWS, local(2026, 8, 1, 8), live=False)  # unpublished since
    _post(other_library, ActivityKind.NEWS, local(2026, 8, 1, 8))
    return library


def _in_period(moment, start, end) -> bool:
    return start <= moment.astimezone(REPORT_TIME_ZONE).date() <= end


def test_every_figure_matches_an_independent_count(known, other_library):
    start, end = Q3
    figures = library_figures(library=known, start=start, end=end)

    # Cards against the roster, counted from the objects.
    for card_figures in figures.cards:
        roster = [
            m
            for m in Membership.objects.filter(library=known, category=card_figures.category)
            if m.status == MembershipStatus.ACTIVE
        ]
        with_card = [m for m in roster if any(c.revoked_at is None and c.valid_until >= end for c in m.cards.all())]
        assert (card_figures.roster, card_figures.cards) == (len(roster), len(with_card))
    assert [(c.category, c.roster, c.cards) for c in figures.cards] == [("student", 8, 5), ("staff", 3, 2)]
    assert str(figures.cards[0].percent) == "62.5"

    # Digital items: the library's records with a file, catalogued by the end, not withdrawn by then.
    stop = local(2026, 10, 1)
    digital = [
        r
        for r in Record.objects.filter(library=known)
        if r.digital_files.exists() and r.created_at < stop and (r.withdrawn_at is None or r.withdrawn_at >= stop)
    ]
    assert figures.digital_items == len(digital) == 4
    assert figures.digital_coded == len([r for r in digital if r.code]) == 3
    assert figures.digital_classified == len([r for r in digital if r.code and r.ddc]) == 1
    assert figures.digital_opens is None
    assert figures.digital_access_recorded is False

    # Loans and active readers per month.
    loans = [loan for loan in Loan.objects.filter(library=known) if _in_period(loan.borrowed_at, start, end)]
    assert figures.loans == len(loans) == 10
    per_month = Counter(loan.borrowed_at.astimezone(REPORT_TIME_ZONE).month for loan in loans)
    readers = {
        month: len(
            {loan.membership_id for loan in loans if loan.borrowed_at.astimezone(REPORT_TIME_ZONE).month == month}
        )
        for month in (7, 8, 9)
    }
    assert [(m.month.month, m.loans) for m in figures.months] == [(month, per_month[month]) for month in (7, 8, 9)]
    assert readers == {7: 6, 8: 2, 9: 0}
    july, august, september = figures.months
    assert (july.active_readers, july.active_readers_suppressed) == (6, False)
    assert (august.active_readers, august.active_readers_suppressed) == (None, True)  # two readers < 5
    assert (september.active_readers, september.active_readers_suppressed) == (0, False)
    assert figures.active_readers == len({loan.membership_id for loan in loans}) == 6

    titles = Counter(loan.copy.record.title for loan in loans)
    assert [(t.title, t.loans) for t in figures.top_titles] == sorted(titles.items(), key=lambda kv: (-kv[1], kv[0]))

    # Posts per kind: live, under the library's home page, first published in the period.
    posts = [
        p
        for p in ActivityPostPage.objects.descendant_of(known.home_page)
        if p.live and _in_period(p.first_published_at, start, end)
    ]
    expected = Counter(p.kind for p in posts)
    assert {p.kind: p.posts for p in figures.posts} == {kind: expected[kind] for kind in ActivityKind.values}
    assert figures.posts_total == 3

    # Coverage reused from the coverage index.
    total = coverage_for_library(library=known).total
    assert (figures.coverage_lessons, figures.coverage_covered) == (total.lessons, total.covered)

    data = json.loads(json.dumps(figures.to_dict()))
    assert data["start"] == "2026-07-01"
    assert data["cards"][0]["percent"] == "62.5"
    assert data["months"][1]["active_readers"] is None
    assert data["months"][1]["active_readers_suppressed"] is True


def test_the_minimum_group_size_is_a_setting(known, settings):
    settings.REPORT_MIN_GROUP_SIZE = 2
    figures = library_figures(library=known, start=Q3[0], end=Q3[1])
    assert figures.months[1].active_readers == 2
    settings.REPORT_MIN_GROUP_SIZE = 7
    figures = library_figures(library=known, start=Q3[0], end=Q3[1])
    assert figures.months[0].active_readers is None
    assert figures.active_readers_suppressed


def test_many_libraries_at_once_agree_with_one_at_a_time(known, other_library, django_assert_max_num_queries):
    start, end = Q3
    with django_assert_max_num_queries(12):
        rows = libraries_figures(libraries=[known, other_library], start=start, end=end)
    for row, library in zip(rows, [known, other_library], strict=True):
        one = library_figures(library=library, start=start, end=end)
        assert row.cards == one.cards
        assert (row.digital_items, row.digital_coded, row.loans, row.active_readers) == (
            one.digital_items,
            one.digital_coded,
            one.loans,
            one.active_readers,
        )
        assert (row.coverage_lessons, row.coverage_covered) == (one.coverage_lessons, one.coverage_covered)
    assert rows[1].loans == 1
    assert rows[1].active_readers is None
    json.dumps([row.to_dict() for row in rows])


def _query_count(library, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        library_figures(library=library, start=Q3[0], end=Q3[1])
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_data(known, django_assert_max_num_queries):
    before = _query_count(known, django_assert_max_num_queries, 20)
    members = [_member(known, card="valid") for _ in range(10)]
    for n, member in enumerate(members):
        _loan(member, _record(known), local(2026, 9, 1 + n, 10))
        _post(known, ActivityKind.READING_EVENT, local(2026, 9, 1 + n, 8))
    assert _query_count(known, django_assert_max_num_queries, 20) == before


# --- Courses ------------------------------------------------------------------------------
def _participants(course, lessons, scores):
    """One participant per (before, after) pair, answering both Likert items the same."""
    likert, confidence = list(course.survey_template.questions.all())[:2]
    for n, (before, after) in enumerate(scores):
        enrolment = enrolment_create(course=course, user=UserFactory(username=f"hocvien{n}"), ward="Phường 13")
        enrolment.course = course
        survey_response_submit(
            enrolment=enrolment,
            phase=SurveyPhase.BEFORE,
            anonymous=False,
            answers={str(likert.pk): before, str(confidence.pk): before},
        )
        if n % 2 == 0:  # half finish the course and answer after
            for lesson in lessons:
                enrolment = lesson_complete(enrolment=enrolment, lesson=lesson)
            enrolment.course = course
            survey_response_submit(
                enrolment=enrolment,
                phase=SurveyPhase.AFTER,
                anonymous=False,
                answers={str(likert.pk): after, str(confidence.pk): after},
            )


def _this_month():
    today = timezone.localdate(timezone=REPORT_TIME_ZONE)
    return today - datetime.timedelta(days=3), today


def test_course_participation_and_satisfaction_change(centre, course, lessons, settings):
    settings.SURVEY_MIN_GROUP_SIZE = 5
    scores = [(2, 4), (3, 3), (1, 4), (2, 2), (2, 5), (3, 3), (1, 3), (3, 3), (2, 3), (4, 4), (3, 5)]
    _participants(course, lessons, scores)
    figures = library_figures(library=centre, start=_this_month()[0], end=_this_month()[1])

    (row,) = figures.courses
    pairs = [after - before for n, (before, after) in enumerate(scores) if n % 2 == 0]
    assert (row.enrolled, row.completed, row.suppressed) == (len(scores), len(pairs), False)
    assert (figures.course_enrolled, figures.course_completed) == (11, 6)
    assert row.satisfaction_change == pytest.approx(round(statistics.mean(pairs), 2))
    assert row.satisfaction_pairs == len(pairs)
    assert figures.coverage_applicable is False
    assert figures.coverage_percent is None


def test_a_small_course_is_hidden(centre, course, lessons):
    _participants(course, lessons, [(2, 4), (3, 3), (1, 4)])
    figures = library_figures(library=centre, start=_this_month()[0], end=_this_month()[1])
    (row,) = figures.courses
    assert (row.enrolled, row.completed, row.suppressed, row.satisfaction_change) == (None, None, True, None)
    assert (figures.course_enrolled, figures.course_suppressed) == (None, True)


# --- The admin page -----------------------------------------------------------------------
def _cells(response, attribute, value):
    html = response.content.decode()
    start = html.index(f'{attribute}="{value}"')
    return html[start : html.index("</tr>", start)]


def test_staff_see_their_library_for_the_quarter_asked(client, known, librarian, other_library):
    client.force_login(librarian)
    response = client.get(URL, {"quarter": "2026Q3"}, **EN)
    assert response.status_code == 200
    assert "Library figures" in response.content.decode()
    july = _cells(response, "data-month", "2026-07")
    assert "<td>7</td><td>6</td>" in july
    assert "hidden" in _cells(response, "data-month", "2026-08")
    assert "<td>8</td>" in _cells(response, "data-category", "student")
    assert "not recorded" in response.content.decode()
    assert "<svg" in response.content.decode()
    refused = client.get(URL, {"library": other_library.code}, **EN)
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")  # Wagtail's answer to a 403


def test_the_default_period_is_the_current_quarter(client, librarian, known):
    client.force_login(librarian)
    response = client.get(URL, **EN)
    today = timezone.localdate(timezone=REPORT_TIME_ZONE)
    assert response.context["quarter"] == f"{today.year}Q{(today.month - 1) // 3 + 1}"


@pytest.mark.parametrize(
    "params",
    [{"quarter": "2026Q5"}, {"quarter": "Q3"}, {"quarter": "2026q3x"}, {"library": "a b"}, {"library": "x" * 80}],
)
def test_bad_parameters_are_a_400(client, librarian, known, params):
    client.force_login(librarian)
    assert client.get(URL, params, **EN).status_code == 400


def test_an_officer_sees_their_area_only(client, library, other_library):
    other_library.district = "Quận 3"
    other_library.save()
    officer = UserFactory(username="canbo.quan3")
    Officer.objects.create(user=officer, level=OfficerLevel.DISTRICT, district="Quận 3")
    client.force_login(officer)
    response = client.get(URL, {"quarter": "2026Q3"}, **EN)
    assert response.status_code == 200
    assert response.context["library"] == other_library
    refused = client.get(URL, {"library": library.code}, **EN)
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")


def test_a_reader_without_figures_is_refused(client, db):
    client.force_login(UserFactory(username="bandoc", is_staff=False))
    response = client.get(URL, **EN)
    assert response.status_code == 302
    assert "Library figures" not in response.content.decode()


def test_a_superuser_picks_any_library(client, superuser, known, other_library):
    client.force_login(superuser)
    response = client.get(URL, {"library": other_library.code, "quarter": "2026Q3"}, **EN)
    assert response.status_code == 200
    assert response.context["figures"].library_id == other_library.pk


def test_the_page_speaks_vietnamese(client, librarian, known):
    client.force_login(librarian)
    html = client.get(URL, {"quarter": "2026Q3"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Số liệu thư viện" in html
    assert "Kỳ báo cáo: từ 01/07/2026 đến 30/09/2026" in html
    assert "hệ thống chưa ghi nhận" in html


def test_many_libraries_cost_the_same_queries_as_two(known, other_library, django_assert_max_num_queries):
    def count(libraries):
        with django_assert_max_num_queries(12) as captured:
            libraries_figures(libraries=libraries, start=Q3[0], end=Q3[1])
        return len(captured.captured_queries)

    two = count([known, other_library])
    more = [LibraryFactory(kind=kind) for kind in (LibraryKind.PRIMARY, LibraryKind.LOWER_SECONDARY) * 4]
    for library in more:
        _loan(_member(library, card="valid"), _record(library), local(2026, 7, 9, 10))
    rows = libraries_figures(libraries=[known, other_library, *more], start=Q3[0], end=Q3[1])
    assert count([known, other_library, *more]) == two
    assert [row.loans for row in rows[2:]] == [1] * len(more)
