"""The embedded engine's in-memory columns (``search.engines.columns``) stay true to the
index: brought up to date change by change, they hold exactly what a fresh load would,
and a write that was rolled back — its generation number then reused — or changes
already pruned make the process load everything again rather than trust what it holds."""

from django.db import transaction
from django.utils import timezone

import numpy as np
import pytest

from catalog.models import Copy, CopyStatus, Record
from search.engines import columns as columns_module
from search.types import Access, SearchRequest
from tests.factories.catalog import CopyFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine(database_engine):
    return database_engine


def _facts(columns) -> dict:
    """What a snapshot says about each record, independent of positions and codes."""
    records = {}
    for i, record_id in enumerate(columns.ids.tolist()):
        records[record_id] = (
            int(columns.access[i]),
            columns.vocabularies["kind"].values[columns.kind[i]],
            columns.vocabularies["language"].values[columns.language[i]],
            int(columns.year[i]),
            bool(columns.has_digital[i]),
            bool(columns.available_anywhere[i]),
            int(columns.created[i]),
            columns.title_sort[i],
            int(columns.title_length[i]),
        )
    values = {
        (facet, int(columns.ids[position]), columns.vocabularies[facet].values[code])
        for facet in columns_module.VALUE_FACETS
        for position, code in zip(
            columns.value_positions[facet].tolist(), columns.value_codes[facet].tolist(), strict=True
        )
    }
    orders = {
        name: columns.ids[np.argsort(getattr(columns, name))].tolist()
        for name in ("title_rank", "year_rank", "newest_rank")
    }
    return {"records": records, "values": values, "orders": orders}


def _assert_like_a_fresh_load(engine):
    current = engine._columns.current()
    fresh = columns_module.load(
        columns_module.Stamp(current.generation, current.written_at, current.generation, current.written_at)
    )
    assert _facts(current) == _facts(fresh)
    return current


def test_columns_brought_up_to_date_equal_a_fresh_load(engine, record, other_library_record, library):
    later = RecordFactory(library=library, title="Bài ca đất phương Nam", year=2021, subjects=["ngu-van"])
    engine.rebuild()
    first = _assert_like_a_fresh_load(engine)

    # A loan: the copy leaves the shelf (changed in place).
    Copy.objects.filter(record=record).update(status=CopyStatus.ON_LOAN)
    engine.update([record.pk])
    assert _assert_like_a_fresh_load(engine).generation == first.generation + 1

    # A retitled record (changed in place; the title order moves).
    Record.objects.filter(pk=other_library_record.pk).update(title="Ấu thơ")
    engine.update([other_library_record.pk])
    _assert_like_a_fresh_load(engine)

    # A new record with a copy at the neighbour, and a withdrawn one.
    added = RecordFactory(library=library, title="An Tư", year=2005, grades=["9"])
    CopyFactory(record=added, library=other_library_record.library, barcode="PNT00009")
    Record.objects.filter(pk=later.pk).update(withdrawn_at=timezone.now())
    engine.update([added.pk, later.pk])
    current = _assert_like_a_fresh_load(engine)

    assert later.pk not in current.ids.tolist()
    result = engine.search(SearchRequest(sort="title", access=Access.STAFF))
    assert [hit.title for hit in result.hits] == ["An Tư", "Ấu thơ", "Đất rừng phương Nam"]


def test_a_loan_shows_in_the_next_search(engine, record, library):
    engine.rebuild()
    available = SearchRequest(available_only=True, library_scope=library.pk)
    assert engine.search(available).total == 1

    Copy.objects.filter(record=record).update(status=CopyStatus.ON_LOAN)
    engine.update([record.pk])

    assert engine.search(available).total == 0
    assert engine.search(SearchRequest(library_scope=library.pk)).facets["availability"] == ()


def test_a_rolled_back_write_is_not_trusted(engine, record, library):
    engine.rebuild()
    held = engine._columns.current()

    with transaction.atomic():
        Copy.objects.filter(record=record).update(status=CopyStatus.ON_LOAN)
        engine.update([record.pk])
        assert engine.search(SearchRequest(available_only=True)).total == 0  # seen inside the transaction
        transaction.set_rollback(True)

    # Another write takes the same generation number; the columns must not keep the
    # rolled-back loan.
    RecordFactory(library=library, title="Tuổi thơ dữ dội")
    engine.update([Record.objects.latest("pk").pk])

    assert engine._columns.current().generation == held.generation + 1
    assert engine.search(SearchRequest(available_only=True)).total == 1
    _assert_like_a_fresh_load(engine)


def test_a_process_behind_pruned_changes_loads_everything(engine, record, library, monkeypatch):
    monkeypatch.setattr("search.engines.database.CHANGES_PRUNE_EVERY", 1)
    monkeypatch.setattr("search.engines.database.CHANGES_KEPT", 1)
    engine.rebuild()
    engine._columns.current()
    added = []
    for title in ("Mùa xuân", "Mùa hạ", "Mùa thu"):
        added.append(RecordFactory(library=library, title=title))
        engine.update([added[-1].pk])

    result = engine.search(SearchRequest(query="mua"))

    assert {hit.title for hit in result.hits} == {"Mùa xuân", "Mùa hạ", "Mùa thu"}
    _assert_like_a_fresh_load(engine)


def test_remembered_matches_follow_text_changes_but_survive_loans(engine, record, library):
    engine.rebuild()
    query = SearchRequest(query="dat rung", library_scope=library.pk)
    assert engine.search(query).total == 1
    text_generation = engine._columns.current().text_generation

    Copy.objects.filter(record=record).update(status=CopyStatus.ON_LOAN)
    engine.update([record.pk])

    assert engine._columns.current().text_generation == text_generation  # the matches stay
    result = engine.search(query)
    assert result.total == 1
    assert result.hits[0].availability[0].available == 0
    assert engine.search(SearchRequest(query="dat rung", available_only=True)).total == 0

    other = RecordFactory(library=library, title="Đất rừng U Minh")
    engine.update([other.pk])

    assert engine._columns.current().text_generation > text_generation
    assert {hit.title for hit in engine.search(query).hits} == {"Đất rừng phương Nam", "Đất rừng U Minh"}
