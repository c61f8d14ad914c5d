import io

from django.core.management import call_command
from django.db.models import Count

import pytest

from catalog.models import Copy, DigitalFile, DigitalFormat, Grade, MaterialKind, Record, Subject
from library_site.libraries.models import Library

pytestmark = pytest.mark.django_db


def test_demo_catalog_covers_every_kind_subject_and_grade_with_copies_and_files(client):
    call_command("load_demo", stdout=io.StringIO())

    assert Record.objects.count() >= 300
    assert set(Record.objects.values_list("kind", flat=True)) == set(MaterialKind.values)
    assert not Subject.objects.annotate(n=Count("records")).filter(n=0).exists()
    assert not Grade.objects.annotate(n=Count("records")).filter(n=0).exists()
    assert Copy.objects.values("library").distinct().count() == Library.objects.count()
    assert len(set(Record.objects.values_list("code", flat=True))) == Record.objects.count()
    for fmt, signature in [
        (DigitalFormat.PDF, b"%PDF"),
        (DigitalFormat.AUDIO, b"RIFF"),
        (DigitalFormat.IMAGE, b"\x89PNG"),
    ]:
        sample = DigitalFile.objects.filter(format=fmt).first()
        with sample.file.open("rb") as handle:
            assert handle.read(4) == signature
