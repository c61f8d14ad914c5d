"""Card batches (a whole class's names and IDs) are downloadable for CARD_BATCH_KEEP_DAYS;
then `circulation_daily` deletes the file and the download answers "gone"."""

import datetime
import io

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

import pytest

from lending.models import CardBatch
from lending.services.cards import card_batches_purge

pytestmark = pytest.mark.django_db


def printed_batch(library, librarian, *, days_ago: int) -> CardBatch:
    batch = CardBatch.objects.create(
        library=library, requested_by=librarian, class_name="7A3", status=CardBatch.Status.DONE, total=30
    )
    batch.file.save("the-ban-doc-7a3.pdf", ContentFile(b"%PDF-1.4 cards"), save=True)
    CardBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
    batch.refresh_from_db()
    return batch


def test_the_daily_run_deletes_batch_files_older_than_the_keep_period(library, librarian, settings):
    # given a batch printed 8 days ago and one printed yesterday, files kept 7 days
    settings.CARD_BATCH_KEEP_DAYS = 7
    old = printed_batch(library, librarian, days_ago=8)
    old_name, storage = old.file.name, old.file.storage
    recent = printed_batch(library, librarian, days_ago=1)
    out = io.StringIO()

    # when the daily run goes
    call_command("circulation_daily", stdout=out)

    # then the old file is gone from storage, the batch stays as a record
    assert "Card batch files deleted: 1" in out.getvalue()
    old.refresh_from_db()
    assert storage.exists(old_name) is False
    assert not old.file
    assert old.file_deleted_at is not None
    assert (old.library, old.requested_by, old.class_name) == (library, librarian, "7A3")
    recent.refresh_from_db()
    assert recent.file
    assert storage.exists(recent.file.name)
    assert card_batches_purge() == 0  # safe to run again


def test_an_expired_batch_answers_gone_with_a_reason(client, library, librarian, settings):
    settings.CARD_BATCH_KEEP_DAYS = 7
    batch = printed_batch(library, librarian, days_ago=10)
    card_batches_purge()
    client.force_login(librarian)

    download = client.get(f"/admin/readers/cards/{batch.pk}/download/", HTTP_ACCEPT_LANGUAGE="en")
    detail = client.get(f"/admin/readers/cards/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert download.status_code == 410
    assert "file was deleted" in download.content.decode()
    assert "file was deleted" in detail.content.decode()
    assert f"/admin/readers/cards/{batch.pk}/download/" not in detail.content.decode()


def test_a_recent_batch_is_still_downloaded(client, library, librarian, settings):
    settings.CARD_BATCH_KEEP_DAYS = 7
    batch = printed_batch(library, librarian, days_ago=2)
    card_batches_purge()
    client.force_login(librarian)

    download = client.get(f"/admin/readers/cards/{batch.pk}/download/")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 cards"
