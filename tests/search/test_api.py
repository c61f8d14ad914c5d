"""The JSON search API on the embedded database engine."""

import pytest

from catalog.models import MaterialKind
from tests.factories.catalog import RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(database_search_settings, record, other_library_record, library, other_library):
    from search.engines import search_engine

    ebook = RecordFactory(
        library=other_library,
        title="Truyện Kiều",
        authors=["Nguyễn Du"],
        kind=MaterialKind.EBOOK,
        subjects=["ngu-van"],
        grades=["9"],
        year=2012,
    )
    engine = search_engine()
    engine.create()
    engine.rebuild()
    return {"ebook": ebook}


def test_search_returns_results_and_facets(client, indexed, record, library):
    response = client.get("/api/search/", {"q": "dat rung"})

    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 1
    hit = data["results"][0]
    assert set(hit) >= {"id", "title", "contributors", "kind", "year", "highlight", "availability"}
    assert hit["id"] == record.pk
    assert hit["title"] == "Đất rừng phương Nam"
    assert hit["contributors"] == ["Đoàn Giỏi"]
    assert hit["kind"] == "printed_book"
    assert hit["year"] == 2019
    assert hit["highlight"]["title"] == ["<mark>Đất</mark> <mark>rừng</mark> phương Nam"]
    assert hit["availability"] == [{"library_id": library.pk, "library": "THCS Cầu Kiệu", "available": 1, "total": 1}]
    assert {"value": "printed_book", "label": "Sách in", "count": 1, "selected": False} in data["facets"]["kind"]
    assert set(data["facets"]) == {"kind", "subject", "grade", "language", "library", "availability", "year"}


def test_filters_by_kind_subject_grade_and_library(client, indexed, other_library):
    def titles(**params):
        return [r["title"] for r in client.get("/api/search/", params).json()["results"]]

    assert titles(kind="ebook") == ["Truyện Kiều"]
    assert set(titles(subject="ngu-van")) == {"Truyện Kiều", "Đất rừng phương Nam"}
    assert titles(grade="9") == ["Truyện Kiều"]
    assert set(titles(library=other_library.code)) == {"Truyện Kiều", "Dế Mèn phiêu lưu ký"}
    assert set(titles(library=str(other_library.pk))) == {"Truyện Kiều", "Dế Mèn phiêu lưu ký"}
    assert set(titles(kind="ebook,printed_book")) == {"Truyện Kiều", "Đất rừng phương Nam", "Dế Mèn phiêu lưu ký"}


def test_paging_and_cursor(client, indexed, library):
    for n in range(5):
        RecordFactory(library=library, title=f"Sách tham khảo {n}")
    from search.engines import search_engine

    search_engine().rebuild()

    first = client.get("/api/search/", {"q": "sach", "page_size": 2, "sort": "title"}).json()
    second = client.get("/api/search/", {"q": "sach", "page_size": 2, "sort": "title", "page": 2}).json()
    by_cursor = client.get(
        "/api/search/", {"q": "sach", "page_size": 2, "sort": "title", "cursor": first["next_cursor"]}
    ).json()

    assert first["total"] == 5
    assert [r["id"] for r in second["results"]] == [r["id"] for r in by_cursor["results"]]
    assert second["page"] == 2


def test_telex_suggestion(client, indexed):
    data = client.get("/api/search/", {"q": "truyeenj kieeuf"}).json()

    assert data["suggestion"] == "truyện kiều"
    assert data["results"][0]["title"] == "Truyện Kiều"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "spaceship"}, "kind"),
        ({"subject": "alchemy"}, "subject"),
        ({"grade": "13"}, "grade"),
        ({"library": "no-such-library"}, "library"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"sort": "random"}, "sort"),
        ({"year_from": "2020", "year_to": "2010"}, "year_to"),
        ({"q": "x" * 201}, "q"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_parameters_answer_400(client, indexed, params, field):
    response = client.get("/api/search/", params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_autocomplete(client, indexed):
    response = client.get("/api/search/autocomplete/", {"q": "dat ru"})

    assert response.status_code == 200
    assert response.json() == {"suggestions": ["Đất rừng phương Nam"]}
    assert "Nguyễn Du" in client.get("/api/search/autocomplete/", {"q": "nguyen"}).json()["suggestions"]
    assert client.get("/api/search/autocomplete/", {"q": "d"}).json() == {"suggestions": []}
    assert client.get("/api/search/autocomplete/", {"q": "dat", "limit": "x"}).status_code == 400


def test_only_get(client, indexed):
    assert client.post("/api/search/").status_code == 405
