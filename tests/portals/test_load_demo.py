import io
import re

from django.apps import apps
from django.core.management import call_command
from django.db.models import Count

from wagtail.images.models import Image

import pytest

from lending.demo import DEMO_STUDENT_ID
from lending.models import HoldStatus, Loan, Membership, Reader, ReaderCategory
from library_site.demo.images import draw_poster
from library_site.libraries.models import Library, LibraryKind
from library_site.portals.demo import DEMO_PASSWORD
from library_site.portals.models import ActivityPostPage, LibraryHomePage

pytestmark = pytest.mark.django_db


def _load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict:
    """Every row of every model, as comparable values (timestamps included)."""
    snapshot = {}
    for model in apps.get_models():
        rows = model._default_manager.order_by("pk").values()
        snapshot[model._meta.label] = [tuple(sorted((k, str(v)) for k, v in row.items())) for row in rows]
    return snapshot


def test_load_demo_builds_libraries_portals_posts_and_staff(client):
    output = _load_demo()

    kinds = set(Library.objects.values_list("kind", flat=True))
    assert {LibraryKind.LOWER_SECONDARY, LibraryKind.PRIMARY, LibraryKind.COMMUNITY_LEARNING_CENTRE} <= kinds
    ward_13 = Library.objects.get(kind=LibraryKind.COMMUNITY_LEARNING_CENTRE)
    assert "Phường 13" in ward_13.name
    for library in Library.objects.all():
        home = LibraryHomePage.objects.get(library=library)
        assert library.site.root_page_id == home.pk
        posts = ActivityPostPage.objects.live().descendant_of(home)
        assert posts.exists()
        assert all(post.cover_image.collection_id == library.collection_id for post in posts)
        assert library.staff_group.user_set.exists()
        assert client.get(home.url).status_code == 200
    assert Image.objects.count() >= 10
    # Readers: students from school rosters, residents with consent, one person in two libraries.
    residents = Membership.objects.filter(library=ward_13, category=ReaderCategory.RESIDENT)
    assert residents.count() >= 10
    assert not residents.filter(consent_given_by="").exists()
    assert Reader.objects.annotate(n=Count("memberships")).filter(n=2).exists()
    assert Loan.objects.filter(returned_at__isnull=True).exists()
    # The demo student's reader page shows a hold on the shelf, a queue place and an e-book queue.
    student = Reader.objects.get(id_number=DEMO_STUDENT_ID)
    assert student.memberships.filter(holds__status=HoldStatus.READY).exists()
    assert student.memberships.filter(holds__status=HoldStatus.WAITING).exists()
    assert student.memberships.filter(digital_holds__status=HoldStatus.WAITING).exists()

    assert "admin" in output
    assert DEMO_PASSWORD in output
    # The demo student's activation slip, printed by load_demo, opens their account.
    code = re.search(r"activation code: (\S+)", output).group(1)
    signed_in = client.post("/ban-doc/dang-nhap/", {"username": DEMO_STUDENT_ID, "password": code})
    assert signed_in["Location"] == "/ban-doc/mat-khau/"
    client.logout()
    assert client.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200

    # A demo librarian signs in and sees only their own library's media.
    client.logout()
    assert client.post("/admin/login/", {"username": "thuthu.caukieu", "password": DEMO_PASSWORD}).status_code == 302
    listing = client.get("/admin/images/").content.decode()
    assert "Ảnh bìa THCS Cầu Kiệu" in listing
    assert "Ảnh bìa TH Phạm Ngọc Thạch" not in listing

    # The demo's education officer signs in to the admin, where no reader screen opens.
    client.logout()
    assert "canbo.quan" in output
    assert client.post("/admin/login/", {"username": "canbo.quan", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/snippets/lending/reader/").status_code in (302, 403)


def test_running_load_demo_twice_changes_nothing():
    _load_demo()
    before = _snapshot()

    _load_demo()

    assert _snapshot() == before


def test_demo_posters_are_drawn_identically_every_time():
    first = draw_poster(title="Đất rừng phương Nam", subtitle="THCS Cầu Kiệu", palette=2)
    assert draw_poster(title="Đất rừng phương Nam", subtitle="THCS Cầu Kiệu", palette=2) == first
    assert draw_poster(title="Tắt đèn", subtitle="THCS Cầu Kiệu", palette=2) != first
