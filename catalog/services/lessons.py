"""Linking records to the curriculum lessons they serve (``LessonUnit.records``, seen
from the record as ``record.lessons``)."""

from collections.abc import Iterable

from django.db import transaction

from catalog.models import LessonUnit, Record


@transaction.atomic
def record_lessons_set(*, record: Record, lessons: Iterable[LessonUnit]) -> None:
    """Make ``lessons`` exactly the lessons ``record`` serves: links to other lessons are
    removed, new ones added, the others left as they are. Who may change the record may
    do this; the lesson units themselves are not changed."""
    record.lessons.set(list(lessons))
