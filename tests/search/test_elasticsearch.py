"""What only the Elasticsearch engine does, against the noida-db Elasticsearch the test
session starts: the versioned index behind an alias and its zero-downtime rebuild, updates
after commit and the queue when the cluster is unreachable, the client's connection
settings, Vietnamese ranking and folding, typo tolerance, autocomplete from edge n-grams,
the Telex suggestion, facets and search_after paging."""

import base64
import unicodedata
from io import StringIO

from django.core.management import call_command
from django.utils import translation

import certifi
import pytest

from catalog.models import AccessLevel, CopyStatus, MaterialKind
from search.engines import search_engine as configured_engine
from search.engines import search_engine_reset
from search.engines.base import InvalidCursor
from search.engines.elasticsearch import ElasticsearchEngine, client_options
from search.indexing import pending_catch_up
from search.models import PendingIndexUpdate
from search.types import Access, SearchRequest, Sort
from tests.factories.catalog import CopyFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine(elasticsearch_settings):
    engine = configured_engine()
    engine.create()
    yield engine
    engine.drop()


@pytest.fixture
def shelf(library, other_library):
    """A few records whose titles differ only by their diacritics, and neighbours."""
    records = {
        "tat_den": RecordFactory(library=library, title="Tắt đèn", authors=["Ngô Tất Tố"], year=2015),
        "tat_den_lookalike": RecordFactory(library=library, title="Tất đến", authors=["Lê Văn Tám"], year=2016),
        "tam_den": RecordFactory(library=library, title="Tám đèn lồng", kind=MaterialKind.AUDIOBOOK, year=2017),
        "dat_rung": RecordFactory(
            library=library, title="Đất rừng phương Nam", authors=["Đoàn Giỏi"], year=2019, subjects=["ngu-van"]
        ),
        "truyen_kieu": RecordFactory(
            library=other_library, title="Truyện Kiều", authors=["Nguyễn Du"], kind=MaterialKind.EBOOK, year=2012
        ),
        "staff_only": RecordFactory(
            library=library, title="Đề kiểm tra Đất nước", access_level=AccessLevel.STAFF, year=2024
        ),
    }
    CopyFactory(record=records["dat_rung"], library=library, barcode="CK000001")
    CopyFactory(record=records["dat_rung"], library=other_library, barcode="PNT00001", status=CopyStatus.ON_LOAN)
    return records


@pytest.fixture
def indexed(engine, shelf):
    engine.rebuild()
    return shelf


def search(engine, query="", **kwargs):
    kwargs.setdefault("access", Access.STAFF)
    return engine.search(SearchRequest(query=query, **kwargs))


def titles(result):
    return [hit.title for hit in result.hits]


# --- index lifecycle ----------------------------------------------------------------------


def test_the_index_is_versioned_behind_an_alias_and_create_is_idempotent(engine):
    behind = engine._aliased_indexes(engine.alias)

    engine.create()

    assert len(behind) == 1
    assert behind[0].startswith(f"{engine.alias}-v")
    assert engine._aliased_indexes(engine.alias) == behind


def test_rebuild_swaps_the_alias_atomically_while_search_keeps_answering(engine, shelf, monkeypatch):
    engine.update([shelf["tat_den"].pk])
    old = engine._aliased_indexes(engine.alias)
    alias_calls = []
    update_aliases = engine.client.indices.update_aliases
    monkeypatch.setattr(
        engine.client.indices,
        "update_aliases",
        lambda **kwargs: alias_calls.append(kwargs["actions"]) or update_aliases(**kwargs),
    )
    during = []

    def progress(done, total):
        # Mid-rebuild a reader still finds what the old index holds.
        during.append((done, total, titles(search(engine, "tat den")), engine._aliased_indexes(engine.alias)))

    count = engine.rebuild(progress=progress)

    assert count == len(shelf)
    assert during[0] == (0, len(shelf), ["Tắt đèn"], old)
    new = engine._aliased_indexes(engine.alias)
    assert len(new) == 1
    assert new != old
    assert len(alias_calls) == 1  # add the new index and remove the old one in one call
    assert {"add": {"index": new[0], "alias": engine.alias}} in alias_calls[0]
    assert {"remove": {"index": old[0], "alias": engine.alias}} in alias_calls[0]
    assert not engine.client.indices.exists(index=old[0])
    assert search(engine, "tat den").total == 2


def test_an_update_during_a_rebuild_reaches_the_new_index(engine, shelf):
    record = shelf["truyen_kieu"]

    def progress(done, total):
        if done == 0:  # the new index exists, nothing is indexed in it yet
            record.title = "Truyện Kiều (bản chú giải)"
            record.save()
            engine.update([record.pk])

    engine.rebuild(progress=progress)

    assert titles(search(engine, "chu giai")) == ["Truyện Kiều (bản chú giải)"]


def test_status_counts_documents_records_and_the_queue(engine, shelf):
    PendingIndexUpdate.objects.create(record_id=shelf["tat_den"].pk)
    engine.update([shelf["tat_den"].pk])

    status = engine.status()

    assert (status.documents, status.records_in_database, status.pending_updates) == (1, len(shelf), 1)
    assert status.index_name.startswith(f"{engine.alias} → {engine.alias}-v")


def test_drop_removes_every_index(engine, shelf):
    engine.rebuild()

    engine.drop()

    assert not engine.client.indices.exists(index=f"{engine.alias}*")


# --- incremental updates, and Elasticsearch down ------------------------------------------


def test_a_saved_record_is_found_after_the_commit(engine, library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        RecordFactory(library=library, title="Dế Mèn phiêu lưu ký", authors=["Tô Hoài"])
        CopyFactory(record__library=library, record__title="Đất rừng phương Nam", library=library)
        assert search(engine, "de men").total == 0  # not before the commit

    assert titles(search(engine, "de men")) == ["Dế Mèn phiêu lưu ký"]
    hit = search(engine, "dat rung").hits[0]
    assert [(a.library_name, a.available, a.total) for a in hit.availability] == [("THCS Cầu Kiệu", 1, 1)]


def test_a_checkout_updates_the_availability_summary(indexed, engine, django_capture_on_commit_callbacks):
    from lending.services.circulation import copy_status_set

    copy = indexed["dat_rung"].copies.get(barcode="CK000001")
    with django_capture_on_commit_callbacks(execute=True):
        copy_status_set(copy=copy, status=CopyStatus.ON_LOAN)

    hit = search(engine, "dat rung").hits[0]
    assert [(a.available, a.total) for a in hit.availability] == [(0, 1), (0, 1)]
    assert search(engine, "dat rung", available_only=True).total == 0


def test_unreachable_elasticsearch_queues_the_update_and_catch_up_indexes_it(
    engine, library, settings, django_capture_on_commit_callbacks
):
    reachable = settings.ELASTICSEARCH
    settings.ELASTICSEARCH = {**reachable, "URL": "http://127.0.0.1:9"}  # nothing listens there
    search_engine_reset()

    with django_capture_on_commit_callbacks(execute=True):
        record = RecordFactory(library=library, title="Hoài niệm tuổi thơ")

    record.refresh_from_db()  # the database write stands
    pending = PendingIndexUpdate.objects.get()
    assert pending.record_id == record.pk
    assert "Elasticsearch" in pending.last_error
    with pytest.raises(Exception, match="Elasticsearch"):
        call_command("search_index", "--catch-up", stdout=StringIO(), stderr=StringIO())

    settings.ELASTICSEARCH = reachable
    search_engine_reset()
    assert pending_catch_up() == 1

    assert not PendingIndexUpdate.objects.exists()
    assert titles(search(configured_engine(), "hoai niem")) == ["Hoài niệm tuổi thơ"]


def test_status_of_an_unreachable_cluster_says_so(elasticsearch_settings):
    engine = ElasticsearchEngine({**elasticsearch_settings.ELASTICSEARCH, "URL": "http://127.0.0.1:9"})

    status = engine.status()

    assert "unreachable" in status.detail
    assert status.documents == 0


# --- connection settings ------------------------------------------------------------------


def test_api_key_and_ca_certificates_reach_the_client():
    config = {
        "URL": "https://search.internal:9200",
        "API_KEY": "VnVBY2tTNEJ0OmtleQ==",
        "USERNAME": "ignored-when-an-api-key-is-set",
        "PASSWORD": "x",
        "CA_CERTS": certifi.where(),
        "VERIFY_CERTS": True,
        "INDEX_PREFIX": "thuvien",
    }

    client = ElasticsearchEngine(config).client

    node = client.transport.node_pool.all()[0].config
    assert (node.scheme, node.host, node.port) == ("https", "search.internal", 9200)
    assert node.ca_certs == certifi.where()
    assert node.verify_certs is True
    assert client._headers["authorization"] == "ApiKey VnVBY2tTNEJ0OmtleQ=="


def test_basic_auth_and_unchecked_certificates_reach_the_client():
    config = {"URL": "https://search.internal:9200", "USERNAME": "thuvien", "PASSWORD": "bí mật", "VERIFY_CERTS": False}

    client = ElasticsearchEngine(config).client

    assert client.transport.node_pool.all()[0].config.verify_certs is False
    scheme, credentials = client._headers["authorization"].split()
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == "thuvien:bí mật"
    assert client_options(config)["request_timeout"] > 0
    assert client_options(config)["max_retries"] >= 1


# --- Vietnamese -----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["dat rung phuong nam", "Dat Rung", "đất rừng", "ĐẤT RỪNG"])
def test_with_or_without_diacritics_and_in_nfd(indexed, engine, query):
    assert titles(search(engine, query))[0] == "Đất rừng phương Nam"
    assert titles(search(engine, unicodedata.normalize("NFD", query)))[0] == "Đất rừng phương Nam"


def test_an_exact_accented_match_ranks_first(indexed, engine):
    assert titles(search(engine, "Tắt đèn")) == ["Tắt đèn", "Tất đến"]
    assert titles(search(engine, "Tất đến")) == ["Tất đến", "Tắt đèn"]


def test_words_may_come_from_title_and_author(indexed, engine):
    assert titles(search(engine, "dat rung doan gioi")) == ["Đất rừng phương Nam"]


def test_a_typo_is_tolerated_only_when_nothing_matches_exactly(indexed, engine):
    assert titles(search(engine, "dat rung phuong namm")) == ["Đất rừng phương Nam"]
    # "tat den" matches exactly: no fuzzy neighbours ("Tám đèn lồng") join the results,
    # not even when a facet leaves none of the exact matches.
    assert search(engine, "tat den").total == 2
    assert search(engine, "tat den", kinds=(MaterialKind.AUDIOBOOK,)).total == 0


def test_highlights_are_escaped_html_with_marks(engine, library):
    record = RecordFactory(library=library, title="Sách <b>hay</b> & Đất rừng")
    engine.update([record.pk])

    highlight = search(engine, "dat rung").hits[0].highlight["title"][0]

    assert "&lt;b&gt;hay&lt;&#x2F;b&gt;" in highlight or "&lt;b&gt;hay&lt;/b&gt;" in highlight
    assert "<mark>Đất" in highlight
    assert "<b>" not in highlight


# --- autocomplete and suggestion --------------------------------------------------------


def test_autocomplete_from_folded_prefixes(indexed, engine):
    assert engine.autocomplete("dat ru") == ["Đất rừng phương Nam"]
    assert engine.autocomplete("Đoàn g") == ["Đoàn Giỏi"]
    assert engine.autocomplete("truyen k") == ["Truyện Kiều"]


def test_autocomplete_hides_what_the_reader_may_not_see(indexed, engine, library):
    assert engine.autocomplete("de kiem") == []
    assert engine.autocomplete("de kiem", access=Access.STAFF) == ["Đề kiểm tra Đất nước"]
    assert engine.autocomplete("truyen", library_scope=library.pk) == []


@pytest.mark.parametrize("query", ["truyeenj kieeuf", "truye65n kie62u"])
def test_telex_and_vni_are_searched_and_suggested(indexed, engine, query):
    result = search(engine, query)

    assert result.suggestion == "truyện kiều"
    assert titles(result) == ["Truyện Kiều"]


def test_no_suggestion_for_plain_vietnamese(indexed, engine):
    assert search(engine, "dat rung").suggestion is None


# --- facets and paging ----------------------------------------------------------------------


def test_a_facets_selection_keeps_its_other_values(indexed, engine):
    result = search(engine, kinds=(MaterialKind.EBOOK,))

    assert titles(result) == ["Truyện Kiều"]
    kinds = {f.value: (f.count, f.selected) for f in result.facets["kind"]}
    assert kinds == {
        MaterialKind.PRINTED_BOOK: (4, False),
        MaterialKind.AUDIOBOOK: (1, False),
        MaterialKind.EBOOK: (1, True),
    }
    assert {f.value: f.count for f in result.facets["year"]} == {"2012": 1}


def test_library_and_availability_facets(indexed, engine, library, other_library):
    result = search(engine, access=Access.PUBLIC)

    libraries = {f.label: f.count for f in result.facets["library"]}
    assert libraries == {"THCS Cầu Kiệu": 4, "TH Phạm Ngọc Thạch": 2}
    availability = {f.value: f.count for f in result.facets["availability"]}
    assert availability == {"available": 1}
    scoped = search(engine, available_only=True, libraries=(other_library.pk,))
    assert titles(scoped) == []  # its copy of "Đất rừng" is on loan, "Truyện Kiều" has no file


def test_search_after_walks_every_hit_once(indexed, engine):
    seen, cursor = [], None
    for _page in range(10):
        result = search(engine, sort=Sort.TITLE, page_size=2, cursor=cursor)
        seen += titles(result)
        cursor = result.next_cursor
        if cursor is None:
            break

    assert (
        seen
        == [
            "Đất rừng phương Nam",
            "Đề kiểm tra Đất nước",
            "Tám đèn lồng",
            "Tắt đèn",
            "Tất đến",
            "Truyện Kiều",
        ][: len(seen)]
    )
    assert len(seen) == len(indexed)


def test_a_cursor_not_handed_out_or_of_another_sort_is_refused(indexed, engine):
    by_title = search(engine, sort=Sort.TITLE, page_size=2)

    with pytest.raises(InvalidCursor, match="không hợp lệ"):  # in the site's language
        search(engine, sort=Sort.TITLE, page_size=2, cursor="not-a-cursor!")
    with translation.override("en"), pytest.raises(InvalidCursor, match="another sort order"):
        search(engine, sort=Sort.NEWEST, page_size=2, cursor=by_title.next_cursor)
