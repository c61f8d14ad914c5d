from django.contrib.auth import get_user_model

import factory

from library_site.libraries.models import Library, LibraryKind


class LibraryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Library
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Thư viện Trường THCS Số {n}")
    short_name = factory.Sequence(lambda n: f"THCS Số {n}")
    code = factory.Sequence(lambda n: f"thcs-so-{n}")
    kind = LibraryKind.LOWER_SECONDARY
    district = "Quận Phú Nhuận"
    ward = "Phường 7"
    address = factory.Sequence(lambda n: f"{n} Phan Xích Long")
    phone = "028 3844 0000"
    email = factory.LazyAttribute(lambda o: f"thuvien@{o.code}.edu.vn")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"nguoidung{n}")
    first_name = "Lan"
    last_name = "Nguyễn Thị"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.edu.vn")
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-thu-nghiem")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*extracted)
        if create:
            self.save()
