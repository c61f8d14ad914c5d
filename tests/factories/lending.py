import datetime

import factory

from lending.models import Membership, MembershipStatus, Reader, ReaderCategory
from tests.factories.libraries import LibraryFactory


class ReaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reader

    id_number = factory.Sequence(lambda n: f"79{n:08d}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Học Sinh {n}")
    date_of_birth = datetime.date(2013, 5, 14)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    reader = factory.SubFactory(ReaderFactory)
    library = factory.SubFactory(LibraryFactory)
    category = ReaderCategory.STUDENT
    class_name = "7A3"
    school_year = "2026-2027"
    status = MembershipStatus.ACTIVE
