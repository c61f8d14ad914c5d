"""Education officers: appointed by city administrators, they read the statistics of the
libraries of their area and nothing else."""

import pytest

from library_site.libraries.models import LibraryKind, Officer, OfficerLevel
from library_site.libraries.selectors import officer_library_list, user_is_library_staff, user_is_officer
from tests.factories.libraries import LibraryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_libraries(db):
    """Two schools of Bình Thạnh (wards 25 and 26) and one of Phú Nhuận."""
    return {
        "ward25": LibraryFactory(code="thcs-p25", district="Quận Bình Thạnh", ward="Phường 25"),
        "ward26": LibraryFactory(code="th-p26", district="Quận Bình Thạnh", ward="Phường 26", kind=LibraryKind.PRIMARY),
        "elsewhere": LibraryFactory(code="thcs-pn", district="Quận Phú Nhuận", ward="Phường 7"),
    }


def _officer(username, **kwargs):
    user = UserFactory(username=username)
    Officer.objects.create(user=user, **kwargs)
    return user


def test_a_district_officer_follows_the_libraries_of_the_district_however_it_is_written(district_libraries):
    officer = _officer("cb.binhthanh", level=OfficerLevel.DISTRICT, district="quan  binh thanh")

    assert set(officer_library_list(user=officer)) == {district_libraries["ward25"], district_libraries["ward26"]}


def test_a_ward_officer_follows_only_the_wards_named(district_libraries):
    officer = _officer("cb.p26", level=OfficerLevel.DISTRICT, district="Quận Bình Thạnh", wards="phường 26")

    assert list(officer_library_list(user=officer)) == [district_libraries["ward26"]]


def test_a_city_officer_follows_every_library_and_others_none(district_libraries, librarian):
    city = _officer("cb.thanhpho", level=OfficerLevel.CITY)

    assert set(officer_library_list(user=city)) >= set(district_libraries.values())
    assert not officer_library_list(user=librarian).exists()
    assert not user_is_officer(librarian)
    assert user_is_officer(city)
    assert not user_is_library_staff(city)  # an officer is no library's staff


def test_an_officer_enters_the_admin_while_appointed_and_sees_no_reader_screen(client, district_libraries):
    officer = _officer("cb.binhthanh", level=OfficerLevel.DISTRICT, district="Quận Bình Thạnh")
    client.force_login(officer)

    home = client.get("/admin/")
    assert home.status_code == 200
    for url in (
        "/admin/snippets/lending/reader/",
        "/admin/snippets/lending/membership/",
        "/admin/snippets/libraries/officer/",
    ):
        assert client.get(url).status_code in (302, 403), url

    Officer.objects.filter(user=officer).delete()
    assert client.get("/admin/").status_code == 302  # back to the sign-in page


def test_only_a_city_administrator_appoints_officers_and_the_form_says_what_is_missing(
    client, superuser, librarian, district_libraries
):
    candidate = UserFactory(username="cb.moi")
    client.force_login(librarian)
    assert client.get("/admin/snippets/libraries/officer/add/").status_code in (302, 403)

    client.force_login(superuser)
    url = "/admin/snippets/libraries/officer/add/"
    refused = client.post(url, {"user": candidate.pk, "level": OfficerLevel.DISTRICT, "district": "", "wards": ""})
    assert refused.status_code == 200
    assert "Cán bộ cấp quận/huyện theo dõi một quận/huyện: hãy ghi tên quận/huyện." in refused.content.decode()
    assert not Officer.objects.exists()
    refused = client.post(url, {"user": candidate.pk, "level": OfficerLevel.CITY, "district": "Quận 1", "wards": ""})
    assert "Cán bộ cấp thành phố theo dõi mọi thư viện" in refused.content.decode()
    assert not Officer.objects.exists()

    done = client.post(url, {"user": candidate.pk, "level": OfficerLevel.DISTRICT, "district": "Quận Bình Thạnh"})
    assert done.status_code == 302
    assert candidate.groups.filter(name="Cán bộ quản lý giáo dục").exists()
    assert set(officer_library_list(user=candidate)) == {district_libraries["ward25"], district_libraries["ward26"]}
