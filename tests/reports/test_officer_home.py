"""The officer's overview /admin/reports/libraries/ and their admin home panel: the area's
libraries only (page and CSV), totals that equal the rows and an independent count, target
markers, sorting, refusals, bad parameters and a query count that does not grow with the
number of libraries."""

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from lending.models import Card, Loan, Membership, MembershipStatus
from library_site.libraries.models import LibraryKind, Officer, OfficerLevel
from library_site.text import match_key
from reports.selectors.coverage import percent
from tests.factories.libraries import LibraryFactory, UserFactory
from tests.reports.test_figures import _loan, _member, _record, local

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/admin/reports/libraries/"
Q3 = {"quarter": "2026Q3"}


def _fill(library, *, cards, without, loans):
    """``cards`` students with a valid card, ``without`` without; ``loans`` loans in July by
    distinct students (one each, cycling)."""
    members = [_member(library, card="valid") for _ in range(cards)]
    members += [_member(library) for _ in range(without)]
    record = _record(library)
    for n in range(loans):
        _loan(members[n % len(members)], record, local(2026, 7, 2 + n % 20, 10))
    return library


@pytest.fixture
def area(db):
    """Three libraries in Quận 3, two in Phú Nhuận, one in Quận 1 (the outsider)."""
    q3 = [
        _fill(
            LibraryFactory(
                name="TH Lê Văn Tám", code="th-le-van-tam", district="Quận 3", ward="Phường 1", kind=LibraryKind.PRIMARY
            ),
            cards=6,
            without=0,
            loans=7,
        ),
        _fill(
            LibraryFactory(
                name="THCS Bàn Cờ",
                code="thcs-ban-co",
                district="Quận 3",
                ward="Phường 2",
                kind=LibraryKind.LOWER_SECONDARY,
            ),
            cards=1,
            without=9,
            loans=2,
        ),
        _fill(
            LibraryFactory(
                name="TTHTCĐ Phường 5",
                code="tthtcd-p5",
                district="quận 3",
                ward="Phường 5",
                kind=LibraryKind.COMMUNITY_LEARNING_CENTRE,
            ),
            cards=5,
            without=5,
            loans=12,
        ),
    ]
    pn = [
        _fill(
            LibraryFactory(
                name="TH Phú Nhuận", code="th-phu-nhuan", district="Quận Phú Nhuận", kind=LibraryKind.PRIMARY
            ),
            cards=5,
            without=0,
            loans=5,
        ),
        _fill(
            LibraryFactory(
                name="THCS Cầu Kiệu B",
                code="thcs-cau-kieu-b",
                district="Quận Phú Nhuận",
                kind=LibraryKind.LOWER_SECONDARY,
            ),
            cards=2,
            without=1,
            loans=6,
        ),
    ]
    outsider = _fill(
        LibraryFactory(name="Thư viện Ngoài Vùng", code="ngoai-vung", district="Quận 1", kind=LibraryKind.PRIMARY),
        cards=5,
        without=0,
        loans=9,
    )
    return {"q3": q3, "pn": pn, "outsider": outsider}


def _officer(level=OfficerLevel.DISTRICT, district="Quận 3", username="canbo.quan3"):
    user = UserFactory(username=username)
    Officer.objects.create(user=user, level=level, district=district)
    return user


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_district_officer_sees_only_their_district(client, area):
    client.force_login(_officer())
    response = client.get(URL, Q3, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Libraries&#x27; figures" in html or "Libraries' figures" in html
    assert {row.code for row in response.context["overview"].rows} == {lib.code for lib in area["q3"]}
    assert "Ngoài Vùng" not in html
    assert "Phú Nhuận" not in html
    # The name leads to the library's figures for the same quarter.
    assert '/admin/reports/figures/?library=thcs-ban-co&amp;quarter=2026Q3"' in html

    rows = _csv_rows(client.get(URL, {**Q3, "format": "csv"}, **EN))
    assert rows[0][:2] == ["Library code", "Library"]
    codes = [row[0] for row in rows[1:] if row[0]]
    assert sorted(codes) == sorted(lib.code for lib in area["q3"])
    assert not any("Ngoài Vùng" in cell or "ngoai-vung" in cell for row in rows for cell in row)


@pytest.mark.parametrize("who", ["city", "superuser"])
def test_a_city_officer_and_a_superuser_see_every_library(client, area, superuser, who):
    user = superuser if who == "superuser" else _officer(OfficerLevel.CITY, "", "canbo.thanhpho")
    client.force_login(user)
    response = client.get(URL, Q3, **EN)
    assert response.status_code == 200
    assert len(response.context["overview"].rows) == 6
    assert "Thư viện Ngoài Vùng" in response.content.decode()
    assert [d.label for d in response.context["overview"].districts] == ["Quận 1", "Quận 3", "Quận Phú Nhuận"]


def test_totals_equal_the_rows_and_an_independent_count(client, area, superuser):
    client.force_login(superuser)
    overview = client.get(URL, Q3, **EN).context["overview"]
    for total in [*overview.districts, overview.total]:
        rows = [r for r in overview.rows if not total.label or match_key(r.district) == match_key(total.label)]
        assert total.libraries == len(rows)
        assert total.loans == sum(r.loans for r in rows)
        assert (total.cards, total.roster) == (sum(r.cards for r in rows), sum(r.roster for r in rows))
        assert total.cards_percent == percent(total.cards, total.roster)
    # Independently, from the objects.
    begin, end = local(2026, 7, 1), local(2026, 10, 1)
    loans = [loan for loan in Loan.objects.all() if begin <= loan.borrowed_at < end]
    assert overview.total.loans == len(loans) == 7 + 2 + 12 + 5 + 6 + 9
    phu_nhuan = next(d for d in overview.districts if d.label == "Quận Phú Nhuận")
    assert phu_nhuan.loans == sum(1 for loan in loans if loan.library.district == "Quận Phú Nhuận") == 11
    members = [m for m in Membership.objects.all() if m.library.district == "Quận Phú Nhuận"]
    assert phu_nhuan.roster == sum(1 for m in members if m.status == MembershipStatus.ACTIVE) == 8
    assert phu_nhuan.cards == Card.objects.filter(membership__in=members).count() == 7
    # Recomputed from the sums (7/8 = 87.5 %), not the mean of 100 % and 66.7 %.
    assert str(phu_nhuan.cards_percent) == "87.5"


def test_district_names_are_grouped_as_the_officer_matches_them(client, area):
    """The Quận 3 officer's rows include "quận 3" (written in lower case): one district total,
    equal to the area's."""
    client.force_login(_officer())
    overview = client.get(URL, Q3, **EN).context["overview"]
    assert [(d.libraries, d.loans) for d in overview.districts] == [(3, 7 + 2 + 12)]
    assert (overview.total.libraries, overview.total.loans) == (3, 7 + 2 + 12)


def test_targets_are_marked_in_words_as_well_as_colour(client, area, superuser):
    client.force_login(superuser)
    html = client.get(URL, Q3, **EN).content.decode()
    full = html[html.index('data-library="th-le-van-tam"') :]
    full = full[: full.index("</tr>")]
    assert "100.0% ✓ target met" in full
    assert 'class="officer-met"' in full
    low = html[html.index('data-library="thcs-ban-co"') :]
    low = low[: low.index("</tr>")]
    assert "1 / 10" in low
    assert "10.0% ✗ below target" in low
    assert 'class="officer-below"' in low
    community = html[html.index('data-library="tthtcd-p5"') :]
    assert "not applicable" in community[: community.index("</tr>")]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("loans", ["thcs-ban-co", "th-phu-nhuan", "thcs-cau-kieu-b", "th-le-van-tam", "ngoai-vung", "tthtcd-p5"]),
        ("-loans", ["tthtcd-p5", "ngoai-vung", "th-le-van-tam", "thcs-cau-kieu-b", "th-phu-nhuan", "thcs-ban-co"]),
        ("-cards", ["th-le-van-tam", "th-phu-nhuan", "ngoai-vung", "thcs-cau-kieu-b", "tthtcd-p5", "thcs-ban-co"]),
    ],
)
def test_sorting_by_a_column(client, area, superuser, sort, expected):
    client.force_login(superuser)
    response = client.get(URL, {**Q3, "sort": sort}, **EN)
    assert [row.code for row in response.context["overview"].rows] == expected
    html = response.content.decode()
    assert html.index(f'data-library="{expected[0]}"') < html.index(f'data-library="{expected[-1]}"')
    assert f'aria-sort="{"descending" if sort.startswith("-") else "ascending"}"' in html
    # The active column's link turns the order round.
    key = sort.lstrip("-")
    flipped = key if sort.startswith("-") else f"-{key}"
    assert f"sort={flipped}" in html.replace("%2D", "-")
    csv_codes = [row[0] for row in _csv_rows(client.get(URL, {**Q3, "sort": sort, "format": "csv"}))[1:] if row[0]]
    assert csv_codes == expected


@pytest.mark.parametrize(
    "params",
    [{"quarter": "2026Q5"}, {"quarter": "x"}, {"sort": "password"}, {"sort": "--loans"}, {"format": "xlsx"}],
)
def test_bad_parameters_are_a_400(client, superuser, params):
    client.force_login(superuser)
    assert client.get(URL, params, **EN).status_code == 400


def test_library_staff_and_readers_are_refused(client, library, librarian):
    client.force_login(librarian)
    response = client.get(URL, Q3, **EN)
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get(URL, {**Q3, "format": "csv"}, **EN)["Location"] == "/admin/"
    client.force_login(UserFactory(username="bandoc", is_staff=False))
    response = client.get(URL, Q3, **EN)
    assert response.status_code == 302
    assert "login" in response["Location"]
    client.logout()
    assert "login" in client.get(URL, Q3)["Location"]


def test_active_readers_are_hidden_when_a_total_would_reveal_one_library(client, area, superuser):
    """THCS Bàn Cờ has 2 active readers (hidden): the Quận 3 total (one hidden row) is hidden
    as well; a total without hidden rows is the sum of the rows."""
    client.force_login(superuser)
    overview = client.get(URL, Q3, **EN).context["overview"]
    ban_co = next(r for r in overview.rows if r.code == "thcs-ban-co")
    assert (ban_co.active_readers, ban_co.active_readers_suppressed) == (None, True)
    q3 = next(d for d in overview.districts if d.label == "Quận 3")
    assert (q3.active_readers, q3.active_readers_suppressed) == (None, True)
    q1 = next(d for d in overview.districts if d.label == "Quận 1")
    assert q1.active_readers == 5
    pn = next(d for d in overview.districts if d.label == "Quận Phú Nhuận")  # 5 + 3 (hidden)
    assert (pn.active_readers, pn.active_readers_suppressed) == (None, True)
    # The city has two hidden rows (2 and 3 readers): its total is the sum of all the counts.
    assert overview.total.active_readers == 6 + 2 + 10 + 5 + 3 + 5


def test_csv_cells_are_escaped(client, superuser):
    LibraryFactory(name='=HYPERLINK("http://x")', code="cong-thuc", district="Quận 3")
    client.force_login(superuser)
    rows = _csv_rows(client.get(URL, {**Q3, "format": "csv"}, **EN))
    assert rows[1][:2] == ["cong-thuc", '\'=HYPERLINK("http://x")']


def test_the_query_count_does_not_grow_with_the_libraries(client, area, superuser):
    client.force_login(superuser)
    client.get(URL, Q3)  # warm the session and caches

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, Q3).status_code == 200
        return len(captured.captured_queries)

    before = count()
    for n in range(6):
        _fill(
            LibraryFactory(code=f"them-{n}", kind=LibraryKind.PRIMARY, district=f"Quận {n + 4}"),
            cards=1,
            without=1,
            loans=1,
        )
    assert count() == before


def test_the_home_panel_shows_the_areas_totals(client, area):
    client.force_login(_officer())
    response = client.get("/admin/", **EN)
    html = response.content.decode()
    assert "Your area&#x27;s libraries" in html or "Your area's libraries" in html
    panel = html[html.index('id="officer-area-totals"') :]
    panel = panel[: panel.index("</dl>")]
    assert "12 / 26" in panel  # 6+1+5 cards of 6+10+10 roster
    assert "/admin/reports/libraries/?quarter=" in html
    assert "Ngoài Vùng" not in html


def test_library_staff_keep_their_panels_only(client, library, librarian, superuser):
    client.force_login(librarian)
    html = client.get("/admin/", **EN).content.decode()
    assert 'id="officer-area-totals"' not in html
    assert "Next quarterly report" in html
    assert "/admin/reports/libraries/" not in html
    client.force_login(superuser)
    html = client.get("/admin/", **EN).content.decode()
    assert 'id="officer-area-totals"' in html


def test_the_page_speaks_vietnamese(client, area):
    client.force_login(_officer())
    html = client.get(URL, Q3, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Các thư viện" in html
    assert "đạt chỉ tiêu" in html


def test_the_home_panel_costs_the_same_queries_for_more_libraries(client, area):
    client.force_login(_officer(OfficerLevel.CITY, "", "canbo.thanhpho"))
    client.get("/admin/")

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured.captured_queries)

    before = count()
    for n in range(5):
        _fill(LibraryFactory(code=f"them-{n}", district="Quận 10"), cards=1, without=0, loans=1)
    assert count() == before
    assert "/admin/reports/libraries/?quarter=" in client.get("/admin/").content.decode()
