from django.contrib.auth.models import Group

from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

import pytest

from library_site.libraries.models import Library, LibraryKind
from library_site.libraries.selectors import library_list_for_user, library_opening_week
from library_site.portals.models import AboutPage, ActivityIndexPage, CityLandingPage, LibraryHomePage
from library_site.portals.services import library_portal_provision

pytestmark = pytest.mark.django_db


def test_provision_gives_the_library_its_site_pages_collection_and_staff_group(library, landing_page):
    home = library.home_page

    assert home.get_parent().specific == landing_page
    assert home.slug == "thcs-cau-kieu"
    assert library.site.root_page.specific == home
    assert library.site.hostname == "thcs-cau-kieu.localhost"
    assert library.collection.name == library.name
    assert library.collection.get_parent() == Collection.get_first_root_node()
    assert ActivityIndexPage.objects.child_of(home).live().count() == 1
    assert AboutPage.objects.child_of(home).live().count() == 1
    page_codenames = set(
        GroupPagePermission.objects.filter(group=library.staff_group, page=home).values_list(
            "permission__codename", flat=True
        )
    )
    assert page_codenames == {"add_page", "change_page", "publish_page"}
    collection_codenames = set(
        GroupCollectionPermission.objects.filter(group=library.staff_group).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_image", "choose_image", "add_document", "choose_document"} <= collection_codenames
    assert library.staff_group.permissions.filter(codename="access_admin").exists()


def test_provisioning_again_changes_nothing(library):
    def counts():
        return (Page.objects.count(), Site.objects.count(), Collection.objects.count(), Group.objects.count())

    before = counts()
    library_portal_provision(library=library)
    assert counts() == before


def test_city_landing_replaces_wagtail_welcome_page_as_default_site(landing_page):
    default_site = Site.objects.get(is_default_site=True)

    assert default_site.root_page.specific == landing_page
    assert list(Page.get_first_root_node().get_children().specific()) == [landing_page]
    assert CityLandingPage.objects.count() == 1


def test_librarian_sees_only_their_own_library_images(client, library, other_library, librarian):
    Image.objects.create(title="Ảnh triển lãm Cầu Kiệu", file=get_test_image_file(), collection=library.collection)
    foreign = Image.objects.create(
        title="Ảnh kể chuyện Phạm Ngọc Thạch", file=get_test_image_file(), collection=other_library.collection
    )
    client.force_login(librarian)

    listing = client.get("/admin/images/").content.decode()
    assert "Ảnh triển lãm Cầu Kiệu" in listing
    assert "Ảnh kể chuyện Phạm Ngọc Thạch" not in listing

    response = client.get(f"/admin/images/{foreign.pk}/")
    assert response.status_code in (302, 403)


def test_librarian_edits_own_portal_pages_only(client, library, other_library, librarian):
    client.force_login(librarian)

    assert client.get(f"/admin/pages/{library.home_page.pk}/edit/").status_code == 200
    response = client.get(f"/admin/pages/{other_library.home_page.pk}/edit/")
    assert response.status_code in (302, 403)
    assert not other_library.home_page.permissions_for_user(librarian).can_edit()


def test_library_list_for_user_follows_staff_group(library, other_library, librarian, superuser):
    assert list(library_list_for_user(user=librarian)) == [library]
    assert set(library_list_for_user(user=superuser)) == {library, other_library}


def test_opening_week_lists_every_day_and_marks_closed_days(library):
    week = library_opening_week(library=library)

    assert [day.weekday for day in week] == [0, 1, 2, 3, 4, 5, 6]
    assert [day.is_closed for day in week] == [False] * 5 + [True, True]
    assert week[0].label == "Thứ Hai"
    assert str(week[0].periods[0]) == "Thứ Hai 07:00–11:30"


def test_library_created_in_admin_gets_its_portal(client, landing_page, superuser):
    client.force_login(superuser)
    form = {
        "name": "Trung tâm học tập cộng đồng Phường 15",
        "short_name": "TTHTCĐ Phường 15",
        "code": "tthtcd-phuong-15",
        "kind": LibraryKind.COMMUNITY_LEARNING_CENTRE,
        "district": "Quận Phú Nhuận",
        "ward": "Phường 15",
        "address": "1 Nguyễn Trọng Tuyển",
        "is_active": "on",
        "opening_hours-TOTAL_FORMS": "1",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
        "opening_hours-0-weekday": "0",
        "opening_hours-0-opens": "07:30",
        "opening_hours-0-closes": "11:30",
        "opening_hours-0-ORDER": "1",
    }

    response = client.post("/admin/snippets/libraries/library/add/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    library = Library.objects.get(code="tthtcd-phuong-15")
    assert library.opening_hours.count() == 1
    home = LibraryHomePage.objects.get(library=library)
    assert home.live
    assert library.site.root_page_id == home.pk
    assert client.get("/tthtcd-phuong-15/").status_code == 200


def test_library_code_must_be_plain_lowercase(client, landing_page, superuser):
    client.force_login(superuser)

    response = client.post(
        "/admin/snippets/libraries/library/add/",
        {
            "name": "Thư viện Quận",
            "short_name": "TV Quận",
            "code": "Thư viện",
            "kind": LibraryKind.PUBLIC_LIBRARY,
            "district": "Quận Phú Nhuận",
            "address": "1 Đường Số 1",
            "opening_hours-TOTAL_FORMS": "0",
            "opening_hours-INITIAL_FORMS": "0",
            "opening_hours-MIN_NUM_FORMS": "0",
            "opening_hours-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 200
    assert not Library.objects.filter(name="Thư viện Quận").exists()
    assert not LibraryHomePage.objects.filter(title="Thư viện Quận").exists()
