"""The online catalog on the portals, through the Django test client, on the embedded
database engine."""

import pytest

from catalog.models import AccessLevel, CopyStatus, DigitalFile, DigitalFormat, MaterialKind
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.fixtures.libraries import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def opac(database_search_settings, record, other_library_record, library, other_library):
    """Đất rừng phương Nam (held by both libraries), Dế Mèn (the neighbour's), an e-book and
    a readers-only record, indexed by the database engine."""
    from search.engines import search_engine

    ebook = RecordFactory(
        library=other_library, title="Truyện Kiều", authors=["Nguyễn Du"], kind=MaterialKind.EBOOK, year=2012
    )
    DigitalFile.objects.create(record=ebook, format=DigitalFormat.LINK, url="https://example.org/kieu.epub")
    readers_only = RecordFactory(library=library, title="Nhật ký đọc sách", access_level=AccessLevel.READERS)
    CopyFactory(record=record, library=other_library, barcode="PNT00001", status=CopyStatus.ON_LOAN)
    CopyFactory(record=record, library=other_library, barcode="PNT00002")
    CopyFactory(record=record, library=other_library, barcode="PNT00003")
    engine = search_engine()
    engine.create()
    engine.rebuild()
    return {"ebook": ebook, "readers_only": readers_only}


def test_search_without_diacritics_shows_highlighted_hits_and_availability(client, opac, record, library):
    response = client.get("/tim-kiem/", {"q": "dat rung phuong nam"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Đất</mark> <mark>rừng</mark> <mark>phương</mark> <mark>Nam</mark>" in html
    assert f'href="/tim-kiem/tai-lieu/{record.pk}/"' in html
    # "2 of 3 copies available at TH Phạm Ngọc Thạch", in Vietnamese (the default language).
    assert "TH Phạm Ngọc Thạch" in html
    assert "THCS Cầu Kiệu" in html


def test_the_header_of_every_portal_page_has_the_search_box(client, opac, library):
    response = client.get(f"/{library.code}/")

    html = response.content.decode()
    assert 'action="/tim-kiem/"' in html
    assert f'name="thu-vien" value="{library.code}"' in html
    assert 'role="combobox"' in html
    assert 'aria-expanded="false"' in html


def test_on_a_portal_the_default_scope_is_the_library(client, opac, library, other_library):
    here = client.get("/tim-kiem/", {"thu-vien": library.code})
    everywhere = client.get("/tim-kiem/", {"thu-vien": library.code, "scope": "all"})

    assert "Dế Mèn phiêu lưu ký" not in here.content.decode()
    assert "Dế Mèn phiêu lưu ký" in everywhere.content.decode()
    assert 'name="scope" value="here" checked' in here.content.decode()
    assert 'name="scope" value="all" checked' in everywhere.content.decode()


def test_a_portal_on_its_own_host_scopes_the_search(client, opac, library):
    response = client.get("/tim-kiem/", HTTP_HOST=library.site.hostname)

    assert response.context["library"] == library
    assert "Dế Mèn phiêu lưu ký" not in response.content.decode()


def test_facets_are_checkboxes_that_work_without_javascript(client, opac):
    response = client.get("/tim-kiem/", {"kind": "ebook"})

    html = response.content.decode()
    assert response.context["result"].total == 1
    assert 'type="checkbox" id="facet-kind-ebook" name="kind" value="ebook" checked' in html
    # The other kinds stay offered, with their counts.
    assert 'id="facet-kind-printed_book" name="kind" value="printed_book"' in html
    assert 'role="status" aria-live="polite"' in html


def test_did_you_mean_for_telex(client, opac):
    response = client.get("/tim-kiem/", {"q": "truyeenj kieeuf"})

    html = response.content.decode()
    assert response.context["result"].suggestion == "truyện kiều"
    assert 'lang="vi">truyện kiều</a>' in html
    # Searched as Vietnamese: the hit is found and highlighted.
    assert "<mark>Truyện</mark> <mark>Kiều</mark>" in html


def test_readers_only_records_need_a_signed_in_reader(client, opac, librarian):
    assert "Nhật ký đọc sách" not in client.get("/tim-kiem/").content.decode()
    assert client.get(f"/tim-kiem/tai-lieu/{opac['readers_only'].pk}/").status_code == 404

    client.force_login(librarian)

    assert "Nhật ký đọc sách" in client.get("/tim-kiem/").content.decode()
    assert client.get(f"/tim-kiem/tai-lieu/{opac['readers_only'].pk}/").status_code == 200


def test_autocomplete_suggests_readers_only_titles_to_signed_in_readers(client, opac, django_user_model):
    def suggestions():
        return client.get("/api/search/autocomplete/", {"q": "nhat ky"}).json()["suggestions"]

    assert suggestions() == []

    client.force_login(django_user_model.objects.create_user(username="hoc-sinh", password=PASSWORD))

    assert suggestions() == ["Nhật ký đọc sách"]


def test_bad_parameters_answer_400_with_a_message(client, opac):
    response = client.get("/tim-kiem/", {"kind": "spaceship", "page": "x"})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_paging_links(client, opac, library):
    for n in range(25):
        RecordFactory(library=library, title=f"Sách tham khảo {n}")
    from search.engines import search_engine

    search_engine().rebuild()

    first = client.get("/tim-kiem/", {"q": "sach tham khao"})
    second = client.get("/tim-kiem/", {"q": "sach tham khao", "page": 2})

    assert 'rel="next"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode()
    assert len(first.context["hits"]) == 20
    assert len(second.context["hits"]) == 5


def test_numbered_pages_stop_where_the_catalog_stops_accepting_them(client, opac, library, monkeypatch):
    monkeypatch.setattr("search.selectors.MAX_PAGE", 2)
    monkeypatch.setattr("search.results_page.MAX_PAGE", 2)
    for n in range(5):
        RecordFactory(library=library, title=f"Sách tham khảo {n}")
    from search.engines import search_engine

    search_engine().rebuild()

    second = client.get("/tim-kiem/", {"q": "sach tham khao", "page_size": 2, "page": 2})

    assert second.status_code == 200
    assert 'rel="next"' not in second.content.decode()
    assert client.get("/tim-kiem/", {"q": "sach tham khao", "page_size": 2, "page": 3}).status_code == 400


def test_record_page_shows_details_availability_files_and_the_hold_link(client, opac, record):
    response = client.get(f"/tim-kiem/tai-lieu/{record.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Đất rừng phương Nam" in html
    assert "Đoàn Giỏi" in html
    assert f'href="/ban-doc/tai-lieu/{record.pk}/"' in html

    ebook = client.get(f"/tim-kiem/tai-lieu/{opac['ebook'].pk}/").content.decode()
    assert "kieu.epub" not in ebook or "/catalog/files/" in ebook


def test_staff_only_and_withdrawn_records_are_not_found(client, opac, staff_only_record):
    assert client.get(f"/tim-kiem/tai-lieu/{staff_only_record.pk}/").status_code == 404
    assert client.get("/tim-kiem/tai-lieu/999999/").status_code == 404
