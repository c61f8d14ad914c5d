"""The search contract: every case runs against each engine (the ``search_engine``
fixture is parametrized over the embedded database engine and Elasticsearch served by
noida-db). What only some engines can do is skipped, with the reason, where they lack it.

Given a small catalog (``catalog``), indexed through the engine's own ``update`` or
``rebuild``; when a ``SearchRequest`` is asked; then the hits, counts and facets are what
a reader of the online catalog would expect."""

import unicodedata

from django.utils import timezone

import pytest

from catalog.models import AccessLevel, CopyStatus, DigitalFile, DigitalFormat, MaterialKind
from search.types import Access, SearchRequest, Sort
from tests.factories.catalog import CopyFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(record, other_library_record, library, other_library):
    """Ten records over two libraries, indexed. ``record`` is "Đất rừng phương Nam"."""
    records = {
        "dat_rung": record,
        "de_men": other_library_record,
        "tat_den": RecordFactory(library=library, title="Tắt đèn", authors=["Ngô Tất Tố"], year=2015),
        "tat_den_lookalike": RecordFactory(library=library, title="Tất đến", authors=["Lê Văn Tám"], year=2016),
        "truyen_kieu": RecordFactory(
            library=other_library,
            title="Truyện Kiều",
            authors=["Nguyễn Du"],
            kind=MaterialKind.EBOOK,
            year=2012,
            subjects=["ngu-van"],
            grades=["9"],
        ),
        "hoai_niem": RecordFactory(library=library, title="Hoài niệm tuổi thơ", authors=["Lê Minh"], year=2010),
        "toan_subject": RecordFactory(
            library=library, title="Bài tập nâng cao lớp 7", subjects=["toan"], grades=["7"], year=2021
        ),
        "toan_summary": RecordFactory(
            library=library, title="Sổ tay học sinh", summary="Mẹo ôn tập môn toán cho kì thi.", year=2022
        ),
        "phuong_phap": RecordFactory(
            library=library, title="Phương pháp dạy học ở miền Nam", authors=["Trần Hữu"], year=2005
        ),
        "readers_only": RecordFactory(
            library=library, title="Nhật ký đọc sách lớp 6", access_level=AccessLevel.READERS, year=2023
        ),
        "staff_only": RecordFactory(
            library=library,
            title="Đề kiểm tra học kì I Toán 7",
            kind=MaterialKind.TEACHING_DOCUMENT,
            access_level=AccessLevel.STAFF,
            year=2024,
        ),
    }
    DigitalFile.objects.create(
        record=records["truyen_kieu"], format=DigitalFormat.LINK, url="https://example.org/truyen-kieu.epub"
    )
    # Đất rừng phương Nam: the owner's copy (fixture) plus two at the neighbour, one on loan.
    CopyFactory(record=record, library=other_library, barcode="PNT00001", status=CopyStatus.AVAILABLE)
    CopyFactory(record=record, library=other_library, barcode="PNT00002", status=CopyStatus.ON_LOAN)
    CopyFactory(record=records["tat_den"], library=library, barcode="CK000002", status=CopyStatus.ON_LOAN)
    return records


@pytest.fixture
def indexed(search_engine, catalog):
    search_engine.update([r.pk for r in catalog.values()])
    return catalog


def search(engine, query="", **kwargs):
    kwargs.setdefault("access", Access.STAFF)
    return engine.search(SearchRequest(query=query, **kwargs))


def titles(result):
    return [hit.title for hit in result.hits]


# --- Vietnamese text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["dat rung phuong nam", "Dat Rung", "đất rừng", "ĐẤT RỪNG PHƯƠNG NAM", "Đất rừng phương Nam"],
)
def test_finds_a_title_with_or_without_diacritics(search_engine, indexed, query):
    result = search(search_engine, query)

    assert titles(result)[0] == "Đất rừng phương Nam"


def test_decomposed_input_is_normalised(search_engine, indexed):
    decomposed = unicodedata.normalize("NFD", "đất rừng phương nam")
    assert decomposed != unicodedata.normalize("NFC", decomposed)

    result = search(search_engine, decomposed)

    assert titles(result)[0] == "Đất rừng phương Nam"


def test_d_folds_to_d(search_engine, indexed):
    assert "Đất rừng phương Nam" in titles(search(search_engine, "dat"))
    assert "Đề kiểm tra học kì I Toán 7" in titles(search(search_engine, "de kiem tra"))


def test_exact_accented_match_ranks_above_a_folded_one(search_engine, indexed):
    result = search(search_engine, "Tắt đèn")

    assert titles(result)[:2] == ["Tắt đèn", "Tất đến"]

    result = search(search_engine, "Tất đến")

    assert titles(result)[:2] == ["Tất đến", "Tắt đèn"]


def test_every_word_must_match(search_engine, indexed):
    assert search(search_engine, "dat rung xyzzy").total == 0


# --- Relevance ----------------------------------------------------------------------------


def test_title_ranks_above_contributors(search_engine, indexed):
    # "Hoài" is the title of one record and the author (Tô Hoài) of another.
    result = search(search_engine, "hoai")

    assert titles(result)[:2] == ["Hoài niệm tuổi thơ", "Dế Mèn phiêu lưu ký"]


def test_subjects_rank_above_summary(search_engine, indexed):
    result = search(search_engine, "toan", access=Access.PUBLIC)

    assert titles(result)[:2] == ["Bài tập nâng cao lớp 7", "Sổ tay học sinh"]


def test_a_phrase_ranks_above_scattered_words(search_engine, indexed):
    result = search(search_engine, "phuong nam")

    assert titles(result)[:2] == ["Đất rừng phương Nam", "Phương pháp dạy học ở miền Nam"]


def test_contributors_are_searched(search_engine, indexed):
    assert titles(search(search_engine, "nguyen du")) == ["Truyện Kiều"]
    assert titles(search(search_engine, "Ngô Tất Tố"))[0] == "Tắt đèn"


# --- Highlights ---------------------------------------------------------------------------


def test_highlights_mark_matches_in_escaped_html(search_engine, library):
    record = RecordFactory(library=library, title="Toán <b>vui</b> & đố mẹo", summary="Những câu đố toán học vui.")
    search_engine.update([record.pk])

    hit = search(search_engine, "toan").hits[0]

    fragments = " ".join(f for values in hit.highlight.values() for f in values)
    assert "<mark>Toán</mark>" in fragments
    assert "<b>" not in fragments
    assert "&lt;b&gt;" in fragments or "&amp;" in fragments


# --- Filters and facets -------------------------------------------------------------------


def test_filters_by_kind_subject_grade_and_year(search_engine, indexed):
    assert titles(search(search_engine, kinds=(MaterialKind.EBOOK,))) == ["Truyện Kiều"]
    assert set(titles(search(search_engine, subjects=("ngu-van",)))) == {"Đất rừng phương Nam", "Truyện Kiều"}
    assert set(titles(search(search_engine, "", grades=("7",)))) == {"Đất rừng phương Nam", "Bài tập nâng cao lớp 7"}
    assert set(titles(search(search_engine, year_from=2022, year_to=2023))) == {
        "Sổ tay học sinh",
        "Nhật ký đọc sách lớp 6",
    }


def test_values_within_a_facet_are_alternatives(search_engine, indexed):
    result = search(search_engine, kinds=(MaterialKind.EBOOK, MaterialKind.TEACHING_DOCUMENT))

    assert set(titles(result)) == {"Truyện Kiều", "Đề kiểm tra học kì I Toán 7"}


def test_facets_count_the_matching_records(search_engine, indexed):
    result = search(search_engine, access=Access.PUBLIC)

    kinds = {f.value: f.count for f in result.facets["kind"]}
    assert kinds == {MaterialKind.PRINTED_BOOK: 8, MaterialKind.EBOOK: 1}
    subjects = {f.value: (f.label, f.count) for f in result.facets["subject"]}
    assert subjects["ngu-van"] == ("Ngữ văn", 2)
    assert subjects["toan"] == ("Toán", 1)
    grades = {f.value: f.count for f in result.facets["grade"]}
    assert grades["7"] == 2
    languages = {f.value: f.count for f in result.facets["language"]}
    assert languages == {"vi": 9}
    years = {f.value: f.count for f in result.facets["year"]}
    assert years["2019"] == 1
    assert [f.label for f in result.facets["kind"]][:1] == ["Printed book"] or result.facets["kind"][0].count == 8


def test_a_facets_own_selection_keeps_its_other_values(search_engine, indexed):
    result = search(search_engine, kinds=(MaterialKind.EBOOK,), access=Access.PUBLIC)

    assert result.total == 1
    kinds = {f.value: (f.count, f.selected) for f in result.facets["kind"]}
    assert kinds[MaterialKind.EBOOK] == (1, True)
    assert kinds[MaterialKind.PRINTED_BOOK] == (8, False)
    # Other facets count only e-books.
    assert {f.value: f.count for f in result.facets["subject"]} == {"ngu-van": 1}


def test_library_facet_and_filter(search_engine, indexed, library, other_library):
    result = search(search_engine, access=Access.PUBLIC)
    libraries = {f.value: (f.label, f.count) for f in result.facets["library"]}

    # Đất rừng phương Nam is owned by one library and held by both.
    assert libraries[str(library.pk)] == ("THCS Cầu Kiệu", 7)
    assert libraries[str(other_library.pk)] == ("TH Phạm Ngọc Thạch", 3)

    result = search(search_engine, libraries=(other_library.pk,), access=Access.PUBLIC)
    assert set(titles(result)) == {"Đất rừng phương Nam", "Dế Mèn phiêu lưu ký", "Truyện Kiều"}


def test_availability_facet_and_filters(search_engine, indexed, library, other_library):
    result = search(search_engine, access=Access.PUBLIC)
    availability = {f.value: f.count for f in result.facets["availability"]}
    # Available now: Đất rừng (copies on the shelf) and Truyện Kiều (digital).
    assert availability == {"available": 2, "digital": 1}

    assert set(titles(search(search_engine, available_only=True, access=Access.PUBLIC))) == {
        "Đất rừng phương Nam",
        "Truyện Kiều",
    }
    assert titles(search(search_engine, digital_only=True)) == ["Truyện Kiều"]
    # Tắt đèn's only copy is on loan.
    assert "Tắt đèn" not in titles(search(search_engine, "tat den", available_only=True))


# --- Access and scope ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("access", "sees_readers_only", "sees_staff_only"),
    [(Access.PUBLIC, False, False), (Access.READERS, True, False), (Access.STAFF, True, True)],
)
def test_access_levels(search_engine, indexed, access, sees_readers_only, sees_staff_only):
    found = titles(search(search_engine, access=access, page_size=50))

    assert ("Nhật ký đọc sách lớp 6" in found) is sees_readers_only
    assert ("Đề kiểm tra học kì I Toán 7" in found) is sees_staff_only
    assert "Đất rừng phương Nam" in found


def test_withdrawn_records_are_not_found(search_engine, indexed):
    record = indexed["hoai_niem"]
    assert search(search_engine, "hoai niem").total == 1
    record.withdrawn_at = timezone.now()
    record.save()

    search_engine.update([record.pk])

    assert search(search_engine, "hoai niem").total == 0


def test_library_scope(search_engine, indexed, library, other_library):
    here = titles(search(search_engine, library_scope=other_library.pk, access=Access.PUBLIC))

    # The neighbour owns two records and holds copies of Đất rừng phương Nam.
    assert set(here) == {"Dế Mèn phiêu lưu ký", "Truyện Kiều", "Đất rừng phương Nam"}
    everywhere = search(search_engine, access=Access.PUBLIC)
    assert everywhere.total == 9


def test_availability_summary_per_library(search_engine, indexed, library, other_library):
    hit = search(search_engine, "dat rung phuong nam").hits[0]

    summary = {(a.library_id, a.library_name): (a.available, a.total) for a in hit.availability}
    assert summary == {
        (library.pk, "THCS Cầu Kiệu"): (1, 1),
        (other_library.pk, "TH Phạm Ngọc Thạch"): (1, 2),
    }
    assert hit.has_digital is False
    assert search(search_engine, "truyen kieu").hits[0].has_digital is True


def test_an_update_follows_copy_status_changes(search_engine, indexed):
    record = indexed["tat_den"]
    assert [(a.available, a.total) for a in search(search_engine, "tat den").hits[0].availability] == [(0, 1)]
    assert search(search_engine, "tat den", available_only=True).total == 0
    record.copies.update(status=CopyStatus.AVAILABLE)

    search_engine.update([record.pk])

    hit = search(search_engine, "tat den").hits[0]
    assert [(a.available, a.total) for a in hit.availability] == [(1, 1)]
    assert search(search_engine, "tat den", available_only=True).total == 1


def test_rebuild_indexes_every_record(search_engine, catalog):
    count = search_engine.rebuild()

    assert count == len(catalog)
    assert search(search_engine).total == len(catalog)
    assert search_engine.status().documents == len(catalog)


# --- Sorting and paging -------------------------------------------------------------------


def test_sort_by_title(search_engine, indexed):
    everything = titles(search(search_engine, sort=Sort.TITLE, access=Access.PUBLIC, page_size=50))
    with_lop = titles(search(search_engine, "lop", sort=Sort.TITLE))

    assert everything[0] == "Bài tập nâng cao lớp 7"
    assert everything[-1] == "Truyện Kiều"
    assert with_lop == ["Bài tập nâng cao lớp 7", "Nhật ký đọc sách lớp 6"]


def test_sort_by_year_newest_first(search_engine, indexed):
    result = search(search_engine, sort=Sort.YEAR, access=Access.PUBLIC, page_size=3)

    assert [hit.year for hit in result.hits] == [2022, 2021, 2019]


def test_sort_by_newest_catalogued(search_engine, indexed):
    result = search(search_engine, sort=Sort.NEWEST, page_size=2)

    assert titles(result) == ["Đề kiểm tra học kì I Toán 7", "Nhật ký đọc sách lớp 6"]


def test_pages(search_engine, indexed):
    first = search(search_engine, sort=Sort.TITLE, page_size=4, page=1)
    second = search(search_engine, sort=Sort.TITLE, page_size=4, page=2)

    assert first.total == second.total == 11
    assert len(first.hits) == len(second.hits) == 4
    assert not set(titles(first)) & set(titles(second))


@pytest.mark.parametrize("sort", [Sort.TITLE, Sort.YEAR, Sort.NEWEST, Sort.RELEVANCE])
def test_cursor_walks_every_hit_once(search_engine, indexed, sort):
    query = "" if sort != Sort.RELEVANCE else "lop"
    expected = search(search_engine, query, sort=sort, page_size=50)
    seen, cursor = [], None
    for _ in range(20):
        result = search(search_engine, query, sort=sort, page_size=3, cursor=cursor)
        seen += [hit.id for hit in result.hits]
        cursor = result.next_cursor
        if cursor is None:
            break

    assert seen == [hit.id for hit in expected.hits]
    assert len(seen) == expected.total


# --- Autocomplete and suggestions ---------------------------------------------------------


def test_autocomplete_by_folded_prefix(search_engine, indexed):
    assert "Đất rừng phương Nam" in search_engine.autocomplete("dat ru")
    assert "Đất rừng phương Nam" in search_engine.autocomplete("Đất rừ")
    assert "Nguyễn Du" in search_engine.autocomplete("nguyen d")


def test_autocomplete_respects_scope_and_limit(search_engine, indexed, library, other_library):
    assert "Truyện Kiều" not in search_engine.autocomplete("truyen", library_scope=library.pk)
    assert "Truyện Kiều" in search_engine.autocomplete("truyen", library_scope=other_library.pk)
    assert len(search_engine.autocomplete("t", limit=2)) <= 2


def test_autocomplete_offers_only_what_the_person_may_see(search_engine, indexed):
    assert search_engine.autocomplete("de kiem") == []
    assert search_engine.autocomplete("nhat ky") == []

    assert search_engine.autocomplete("nhat ky", access=Access.READERS) == ["Nhật ký đọc sách lớp 6"]
    assert search_engine.autocomplete("de kiem", access=Access.READERS) == []
    assert search_engine.autocomplete("de kiem", access=Access.STAFF) == ["Đề kiểm tra học kì I Toán 7"]


@pytest.mark.parametrize("query", ["truyeenj kieeuf", "truye65n kie62u"])
def test_telex_and_vni_are_searched_as_vietnamese(search_engine, indexed, query):
    result = search(search_engine, query)

    assert result.suggestion == "truyện kiều"
    assert titles(result)[0] == "Truyện Kiều"


def test_no_suggestion_for_plain_queries(search_engine, indexed):
    assert search(search_engine, "dat rung").suggestion is None
    assert search(search_engine, "Tắt đèn").suggestion is None


# --- Engine capabilities ------------------------------------------------------------------


def test_typo_tolerance(search_engine, indexed):
    if not search_engine.supports_typo_tolerance:
        pytest.skip(f"{search_engine.name}: no typo tolerance (Elasticsearch only; exact folded words match)")

    assert "Đất rừng phương Nam" in titles(search(search_engine, "dat rumg phuong nam"))


def test_without_typo_tolerance_a_misspelling_finds_nothing_but_does_not_fail(search_engine, indexed):
    if search_engine.supports_typo_tolerance:
        pytest.skip(f"{search_engine.name} tolerates typos")

    assert search(search_engine, "dat rumg phuong nam").total == 0
