import datetime

from django.core.exceptions import ValidationError

import pytest

from library_site.portals.models import ActivityKind, ActivityPostPage
from tests.factories.portals import ActivityPostPageFactory
from tests.html import outline

pytestmark = pytest.mark.django_db


def test_landing_lists_every_library_with_a_link_to_its_portal(client, library, other_library):
    page = outline(client.get("/"))

    assert page.heading_texts("h1") == ["Thư viện số TP. Hồ Chí Minh"]
    assert page.link_to("Thư viện Trường THCS Cầu Kiệu") == "/thcs-cau-kieu/"
    assert page.link_to("Thư viện Trường Tiểu học Phạm Ngọc Thạch") == "/th-pham-ngoc-thach/"
    # Grouped by kind, schools by level: primary before lower secondary.
    assert page.heading_texts("h2")[:2] == ["Tiểu học", "Trung học cơ sở"]
    assert page.link_to("thcs-cau-kieu.localhost") == "http://thcs-cau-kieu.localhost/"


def test_library_home_shows_posts_opening_hours_and_contact(client, library, storytelling_post, exhibition_post):
    response = client.get("/thcs-cau-kieu/")
    page = outline(response)
    text = response.content.decode()

    assert page.heading_texts("h1") == ["Thư viện Trường THCS Cầu Kiệu"]
    # Newest first.
    assert page.heading_texts("h3")[:2] == ["Giờ kể chuyện: Sự tích cây vú sữa", "Triển lãm sách Biển đảo quê hương"]
    assert "Giờ mở cửa" in page.heading_texts("h2")
    assert "07:00–11:30" in text
    assert "Nghỉ" in text  # Saturday and Sunday
    assert library.full_address in text
    assert page.link_to("Hoạt động thư viện") == "/thcs-cau-kieu/hoat-dong/"


def test_library_portal_is_served_on_its_own_host_name(client, library, storytelling_post):
    response = client.get("/", HTTP_HOST="thcs-cau-kieu.localhost")
    page = outline(response)

    assert page.heading_texts("h1") == ["Thư viện Trường THCS Cầu Kiệu"]
    # Links stay on the library's own host.
    assert page.link_to("Giờ kể chuyện: Sự tích cây vú sữa") == "/hoat-dong/su-tich-cay-vu-sua/"


def test_activity_list_filters_by_kind_and_pages(client, activity_index, storytelling_post, exhibition_post):
    page = outline(client.get("/thcs-cau-kieu/hoat-dong/", {"kind": ActivityKind.EXHIBITION}))
    assert page.heading_texts("h3") == ["Triển lãm sách Biển đảo quê hương"]

    for number in range(10):
        ActivityPostPageFactory(
            parent=activity_index, kind=ActivityKind.NEWS, date_start=datetime.date(2026, 5, number + 1)
        )
    first = outline(client.get("/thcs-cau-kieu/hoat-dong/"))
    second = outline(client.get("/thcs-cau-kieu/hoat-dong/", {"page": 2}))
    assert len(first.heading_texts("h3")) == 9
    assert len(second.heading_texts("h3")) == 3
    assert second.heading_texts("h3")[-1] == "Triển lãm sách Biển đảo quê hương"
    # A page number past the end shows the last page instead of an error.
    assert outline(client.get("/thcs-cau-kieu/hoat-dong/", {"page": 99})).heading_texts("h3") == second.heading_texts(
        "h3"
    )


def test_activity_post_shows_kind_dates_and_place(client, exhibition_post, storytelling_post):
    text = client.get("/thcs-cau-kieu/hoat-dong/trien-lam-bien-dao/").content.decode()
    assert "Triển lãm" in text
    assert "06/10/2025" in text
    assert "10/10/2025" in text

    text = client.get("/thcs-cau-kieu/hoat-dong/su-tich-cay-vu-sua/").content.decode()
    assert "Góc đọc tầng 2" in text


def test_activity_end_date_cannot_precede_start_date():
    post = ActivityPostPage(title="Ngày hội đọc sách", date_start=datetime.date(2026, 4, 21))
    post.date_end = datetime.date(2026, 4, 20)

    with pytest.raises(ValidationError) as error:
        post.clean()
    assert "date_end" in error.value.message_dict


def test_about_page_shows_opening_hours(client, library):
    text = client.get("/thcs-cau-kieu/gioi-thieu/").content.decode()
    assert "Giờ mở cửa" in text
    assert "Thứ Hai" in text


@pytest.mark.parametrize(
    "path", ["/", "/thcs-cau-kieu/", "/thcs-cau-kieu/hoat-dong/", "/thcs-cau-kieu/gioi-thieu/", "/khong-co-trang-nay/"]
)
def test_pages_are_accessible_and_self_contained(client, library, storytelling_post, path):
    response = client.get(path)
    page = outline(response)

    assert page.html_lang == "vi"
    assert len(page.heading_texts("h1")) == 1
    assert len(page.find_all("main")) == 1
    assert page.find_all("a")[0].get("href") == "#main"  # skip link comes first
    assert all(nav.get("aria-label") for nav in page.find_all("nav"))
    assert all("alt" in image for image in page.find_all("img"))
    for control in page.find_all("select") + page.find_all("input"):
        if control.get("type") != "hidden":
            assert control.get("id") in page.labels_for
    # Nothing is fetched from another host (no CDN).
    assets = [tag.get("src") or tag.get("href") for tag in page.find_all("script") + page.find_all("link")]
    assets += [tag.get("src") for tag in page.find_all("img")]
    assert all(asset.startswith("/") for asset in assets if asset)


def test_unknown_page_is_a_404_in_vietnamese(client, landing_page):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_interface_is_vietnamese_first_and_english_on_request(client, library):
    assert "Bỏ qua, đến nội dung chính" in client.get("/thcs-cau-kieu/").content.decode()

    english = client.get("/thcs-cau-kieu/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Skip to main content" in english
    assert "Opening hours" in english


def test_language_switcher_remembers_the_choice(client, library):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/thcs-cau-kieu/"})
    assert response.status_code == 302
    assert response["Location"] == "/thcs-cau-kieu/"

    assert "Library activities" in client.get("/thcs-cau-kieu/").content.decode()


def test_health_check_reports_the_database_answers(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
