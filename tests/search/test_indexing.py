"""Incremental index updates, whatever the engine: a change is indexed once its
transaction commits, every change of one transaction in one update, and when the engine
cannot be reached the database write stands and the ids wait in ``PendingIndexUpdate``.

Most cases use a recording engine (what was sent, when); the others use the embedded
database engine and check what a reader then finds."""

import datetime
import re
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

import pytest

from catalog.models import Copy, CopyStatus, Record, RecordContributor
from lending.services.circulation import copy_status_set
from search.engines import EngineUnavailable
from search.indexing import pending_catch_up, record_changed, records_changed
from search.models import PendingIndexUpdate
from search.types import Access, SearchRequest
from tests.factories.catalog import CopyFactory, RecordFactory

pytestmark = pytest.mark.django_db


class RecordingEngine:
    """Remembers every ``update`` call; fails with EngineUnavailable while ``down``."""

    name = "recording"

    def __init__(self):
        self.updates: list[list[int]] = []
        self.down = False

    def update(self, record_ids):
        if self.down:
            raise EngineUnavailable("connection refused")
        self.updates.append(sorted(record_ids))

    @property
    def indexed(self) -> set[int]:
        return {record_id for update in self.updates for record_id in update}


@pytest.fixture
def engine(monkeypatch):
    recording = RecordingEngine()
    monkeypatch.setattr("search.indexing.search_engine", lambda: recording)
    return recording


def found(engine, query: str) -> list[str]:
    return [hit.title for hit in engine.search(SearchRequest(query=query, access=Access.STAFF)).hits]


# --- after the commit, once per transaction --------------------------------------------


def test_a_saved_record_is_indexed_only_after_the_commit(engine, library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = RecordFactory(library=library, title="Đất rừng phương Nam")
        assert engine.updates == []  # not before the commit

    assert engine.updates == [[record.pk]]


def test_every_change_of_a_transaction_goes_in_one_update(engine, library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        records = [RecordFactory(library=library) for _ in range(5)]
        for record in records:
            CopyFactory(record=record, library=library)
        records_changed([records[0].pk, records[1].pk])

    assert engine.updates == [sorted(r.pk for r in records)]


def test_a_rolled_back_change_is_not_indexed(engine, library, django_capture_on_commit_callbacks):
    def failing_form():
        with transaction.atomic():
            RecordFactory(library=library)
            raise RuntimeError("the librarian's form failed")

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            failing_form()
        kept = RecordFactory(library=library)

    assert engine.updates == [[kept.pk]]


def test_a_renamed_or_cleared_subject_reindexes_its_records(engine, library, django_capture_on_commit_callbacks):
    from catalog.models import Subject

    with django_capture_on_commit_callbacks(execute=True):
        records = [RecordFactory(library=library, subjects=["toan"]) for _ in range(2)]
        RecordFactory(library=library, subjects=["ngu-van"])
    subject = Subject.objects.get(code="toan")
    engine.updates.clear()

    with django_capture_on_commit_callbacks(execute=True):
        subject.name = "Toán học"
        subject.save()
    with django_capture_on_commit_callbacks(execute=True):
        subject.records.clear()

    assert engine.updates == [sorted(r.pk for r in records)] * 2


def test_a_renamed_keyword_reindexes_its_records(engine, library, django_capture_on_commit_callbacks):
    from taggit.models import Tag

    with django_capture_on_commit_callbacks(execute=True):
        tagged = RecordFactory(library=library)
        tagged.keywords.add("thiên nhiên")
        tagged.save()  # modelcluster writes the tags with the record
        RecordFactory(library=library)
    engine.updates.clear()

    with django_capture_on_commit_callbacks(execute=True):
        tag = Tag.objects.get(name="thiên nhiên")
        tag.name = "Thiên nhiên Việt Nam"
        tag.save()

    assert engine.updates == [[tagged.pk]]


def test_a_second_transaction_gets_its_own_update(engine, library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = RecordFactory(library=library)
    with django_capture_on_commit_callbacks(execute=True):
        second = RecordFactory(library=library)

    assert engine.updates == [[first.pk], [second.pk]]


def test_copies_contributors_and_deletions_reindex_their_record(
    engine, library, other_library, django_capture_on_commit_callbacks
):
    record = RecordFactory(library=library)
    copy = CopyFactory(record=record, library=other_library)

    with django_capture_on_commit_callbacks(execute=True):
        copy.status = CopyStatus.DAMAGED
        copy.save()
    with django_capture_on_commit_callbacks(execute=True):
        RecordContributor.objects.create(record=record, name="Đoàn Giỏi")
    with django_capture_on_commit_callbacks(execute=True):
        copy.delete()
    with django_capture_on_commit_callbacks(execute=True):
        record_id = record.pk
        record.delete()

    assert engine.updates == [[record_id]] * 4


def test_circulation_status_changes_reindex_the_record(engine, library, django_capture_on_commit_callbacks):
    """The desk changes a copy's status with a queryset update (no signal)."""
    copy = CopyFactory(record=RecordFactory(library=library), library=library)

    with django_capture_on_commit_callbacks(execute=True):
        copy_status_set(copy=copy, status=CopyStatus.ON_LOAN)

    assert engine.updates == [[copy.record_id]]


# --- the engine cannot be reached -------------------------------------------------------


def test_when_the_engine_is_down_the_write_stands_and_the_id_is_queued(
    engine, library, django_capture_on_commit_callbacks
):
    engine.down = True

    with django_capture_on_commit_callbacks(execute=True):
        record = RecordFactory(library=library, title="Tắt đèn")

    assert Record.objects.filter(pk=record.pk, title="Tắt đèn").exists()
    pending = PendingIndexUpdate.objects.get()
    assert pending.record_id == record.pk
    assert "connection refused" in pending.last_error


def test_a_failing_id_again_counts_one_more_attempt(engine, library, django_capture_on_commit_callbacks):
    engine.down = True
    record = RecordFactory(library=library)

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            record_changed(record.pk)

    assert PendingIndexUpdate.objects.get(record_id=record.pk).attempts == 2


def test_the_next_successful_update_drains_the_queue(engine, library, django_capture_on_commit_callbacks):
    engine.down = True
    with django_capture_on_commit_callbacks(execute=True):
        missed = RecordFactory(library=library)
    engine.down = False

    with django_capture_on_commit_callbacks(execute=True):
        later = RecordFactory(library=library)

    assert engine.updates == [[later.pk], [missed.pk]]
    assert not PendingIndexUpdate.objects.exists()


def test_catch_up_indexes_the_queue_and_keeps_it_while_still_down(engine, library):
    records = [RecordFactory(library=library) for _ in range(3)]
    PendingIndexUpdate.objects.bulk_create([PendingIndexUpdate(record_id=r.pk) for r in records])

    engine.down = True
    with pytest.raises(EngineUnavailable):
        pending_catch_up()
    assert PendingIndexUpdate.objects.count() == 3

    engine.down = False
    assert pending_catch_up() == 3
    assert engine.indexed == {r.pk for r in records}
    assert not PendingIndexUpdate.objects.exists()


# --- with the embedded database engine: what a reader finds -----------------------------


def test_a_record_saved_like_the_admin_form_is_found_with_its_contributors(
    database_engine, library, django_capture_on_commit_callbacks
):
    """modelcluster writes the contributors after the record row (and after post_save):
    indexing after the commit sees them."""
    with django_capture_on_commit_callbacks(execute=True):
        record = Record(library=library, title="Đất rừng phương Nam", kind="printed_book")
        record.contributors = [RecordContributor(name="Đoàn Giỏi")]
        record.save()

    assert found(database_engine, "doan gioi") == ["Đất rừng phương Nam"]


def test_an_imported_catalog_is_found_once_the_import_commits(
    database_engine, library, django_capture_on_commit_callbacks
):
    """Imports write with bulk_create (no model signals): they announce the records once."""
    from catalog.importing import catalog_import

    data = "Nhan đề,Tác giả,Năm xuất bản,Mã vạch\nTuổi thơ dữ dội,Phùng Quán,2019,CK900001\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        report = catalog_import(library=library, filename="sach.csv", data=data)

    assert report.created == 1
    assert found(database_engine, "tuoi tho du doi") == ["Tuổi thơ dữ dội"]


def test_a_withdrawn_record_leaves_the_index(database_engine, record, django_capture_on_commit_callbacks):
    from catalog.services.records import record_withdraw

    database_engine.update([record.pk])
    assert found(database_engine, "dat rung") == ["Đất rừng phương Nam"]

    with django_capture_on_commit_callbacks(execute=True):
        record_withdraw(record=record)

    assert found(database_engine, "dat rung") == []
    assert Copy.objects.get(record=record).status == CopyStatus.WITHDRAWN


def test_search_index_command_rebuilds_catches_up_and_reports(database_engine, record, other_library_record):
    PendingIndexUpdate.objects.create(record_id=record.pk)
    out, err = StringIO(), StringIO()

    started = timezone.now()
    call_command("search_index", "--rebuild", "--catch-up", "--status", stdout=out, stderr=err)

    output = out.getvalue()
    assert "Rebuilt: 2 record(s)" in output
    rebuilt = re.search(r"last rebuilt: +(\S+ \S+)", output).group(1)
    assert timezone.localtime(started).replace(microsecond=0, tzinfo=None) <= datetime.datetime.fromisoformat(rebuilt)
    assert datetime.datetime.fromisoformat(rebuilt) <= timezone.localtime().replace(tzinfo=None)
    assert "Caught up: 1 queued record(s) indexed." in output
    assert "documents:            2" in output
    assert "records in database:  2" in output
    assert "queued updates:       0" in output
    assert "Indexed 2 / 2 (100%)" in err.getvalue()
    assert found(database_engine, "de men") == ["Dế Mèn phiêu lưu ký"]


def test_search_index_command_needs_an_action(database_engine):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--create, --rebuild"):
        call_command("search_index")
