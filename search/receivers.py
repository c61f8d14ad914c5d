"""Signal receivers that keep the search index in step with the catalog (connected in
``SearchConfig.ready``). Each only notes the record id: ``search.indexing`` indexes every
record changed in a transaction once, after it commits.

What does not send signals is covered elsewhere: circulation changes a copy's status with a
queryset update and calls ``record_changed`` itself (``lending.services.circulation.copy_status_set``);
``record_withdraw`` saves the record (its copies follow in the same transaction); catalog
imports write with ``bulk_create`` and send ``catalog.signals.records_bulk_changed`` with
the imported ids once, at the end of the import's transaction."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from taggit.models import Tag

from catalog.models import Copy, DigitalFile, Record, RecordContributor, Subject, TaggedRecord
from catalog.signals import records_bulk_changed
from search.indexing import record_changed, records_changed


@receiver(post_save, sender=Record)
@receiver(post_delete, sender=Record)
def record_saved_or_deleted(sender, instance: Record, raw=False, **kwargs):
    # A record saved through the admin form writes its contributors, subjects and keywords
    # after this signal: indexing waits for the commit, when all of it is there.
    if not raw:
        record_changed(instance.pk)


@receiver(post_save, sender=Copy)
@receiver(post_delete, sender=Copy)
@receiver(post_save, sender=RecordContributor)
@receiver(post_delete, sender=RecordContributor)
@receiver(post_save, sender=DigitalFile)
@receiver(post_delete, sender=DigitalFile)
def record_part_saved_or_deleted(sender, instance, raw=False, **kwargs):
    """Copies change the holdings summary, contributors the text, digital files has_digital."""
    if not raw:
        record_changed(instance.record_id)


@receiver(post_save, sender=TaggedRecord)
@receiver(post_delete, sender=TaggedRecord)
def record_keyword_saved_or_deleted(sender, instance: TaggedRecord, raw=False, **kwargs):
    if not raw:
        record_changed(instance.content_object_id)


@receiver(m2m_changed, sender=Record.subjects.through)
@receiver(m2m_changed, sender=Record.grades.through)
def record_subjects_or_grades_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse and action == "pre_clear":  # subject.records.clear(): the records it had
        field = "subjects" if sender is Record.subjects.through else "grades"
        records_changed(Record.objects.filter(**{field: instance}).values_list("pk", flat=True))
        return
    if not action.startswith("post_"):
        return
    if reverse:  # a subject or grade's records changed: those records
        records_changed(pk_set or ())
    else:
        record_changed(instance.pk)


@receiver(post_save, sender=Subject)
def subject_saved(sender, instance: Subject, created=False, raw=False, **kwargs):
    """Subject names are searched text: a renamed subject's records are indexed again."""
    if not (created or raw):
        records_changed(instance.records.values_list("pk", flat=True))


@receiver(post_save, sender=Tag)
def keyword_saved(sender, instance: Tag, created=False, raw=False, **kwargs):
    """Keywords are searched text too: a renamed keyword's records are indexed again."""
    if not (created or raw):
        records_changed(TaggedRecord.objects.filter(tag=instance).values_list("content_object_id", flat=True))


@receiver(records_bulk_changed)
def records_imported(sender, record_ids, **kwargs):
    records_changed(record_ids)
