import factory

from catalog.models import AccessLevel, Copy, CopyStatus, Grade, MaterialKind, Record, RecordContributor, Subject
from tests.factories.libraries import LibraryFactory


class RecordFactory(factory.django.DjangoModelFactory):
    """A printed book; pass ``authors=[...]``, ``subjects=["toan"]``, ``grades=["7"]``."""

    class Meta:
        model = Record
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Tuyển tập truyện ngắn số {n}")
    publisher = "Nhà xuất bản Kim Đồng"
    year = 2020
    language = "vi"
    kind = MaterialKind.PRINTED_BOOK
    access_level = AccessLevel.PUBLIC
    library = factory.SubFactory(LibraryFactory)

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            for order, name in enumerate(extracted):
                RecordContributor.objects.create(record=self, name=name, sort_order=order)
            from catalog.services.records import record_refresh_match_key

            record_refresh_match_key(record=self)

    @factory.post_generation
    def subjects(self, create, extracted, **kwargs):
        if create and extracted:
            self.subjects.set(Subject.objects.filter(code__in=extracted))
            self.save()  # ParentalManyToMany relations are written by save()

    @factory.post_generation
    def grades(self, create, extracted, **kwargs):
        if create and extracted:
            self.grades.set(Grade.objects.filter(code__in=extracted))
            self.save()


class CopyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Copy

    record = factory.SubFactory(RecordFactory)
    library = factory.LazyAttribute(lambda o: o.record.library)
    barcode = factory.Sequence(lambda n: f"TEST{n:06d}")
    call_number = "895.922 T527"
    shelf_location = "Kệ văn học"
    status = CopyStatus.AVAILABLE
