"""Writes that set up portals (page titles are content, in Vietnamese): the city landing site and each library's portal.

Both functions are idempotent: running them again finds what exists and only adds what
is missing, so ``load_demo`` and the admin "create library" action can share them.
"""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from library_site.libraries.models import Library
from library_site.libraries.signals import library_provisioned

from .models import AboutPage, ActivityIndexPage, CityLandingPage, LibraryHomePage

# What a library's staff may do with the images and documents of its own collection.
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]
# What they may do with the pages under their library's home page.
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def city_landing_ensure(*, title: str, intro: str = "", hostname: str = "localhost", port: int = 80) -> CityLandingPage:
    """The city landing page as the root of the default Site.

    Replaces Wagtail's placeholder "Welcome" page on a fresh installation."""
    landing = CityLandingPage.objects.first()
    root = Page.get_first_root_node()
    if landing is None:
        landing = CityLandingPage(title=title, slug="trang-chu", intro=intro)
        root.add_child(instance=landing)
        landing.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site(is_default_site=True)
    if site.root_page_id != landing.pk or (site.hostname, site.port) != (hostname, port):
        site.hostname, site.port, site.root_page, site.site_name = hostname, port, landing, title
        site.save()
    # Wagtail's initial migration leaves a "Welcome to your new Wagtail site!" page.
    for placeholder in Page.objects.child_of(root).filter(content_type__model="page", numchild=0):
        if not Site.objects.filter(root_page=placeholder).exists():
            placeholder.delete()
    return landing


@transaction.atomic
def library_portal_provision(
    *, library: Library, parent: Page | None = None, hostname: str | None = None, port: int | None = None
) -> LibraryHomePage:
    """Give a library its collection, staff group, home page, sub-pages and Site.

    ``parent`` defaults to the city landing page so the portal is reachable by path on
    the landing host as well as on its own host name."""
    changed_fields = []
    if library.collection_id is None:
        library.collection = Collection.get_first_root_node().add_child(name=library.name)
        changed_fields.append("collection")

    if library.staff_group_id is None:
        group, _created = Group.objects.get_or_create(name=f"Thủ thư · {library.short_name}")
        library.staff_group = group
        changed_fields.append("staff_group")
    group = library.staff_group
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    for app_label, codename in COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=library.collection, permission=_permission(app_label, codename)
        )

    home = LibraryHomePage.objects.filter(library=library).first()
    if home is None:
        parent = parent or CityLandingPage.objects.first() or Page.get_first_root_node()
        home = LibraryHomePage(title=library.name, slug=library.code, library=library)
        parent.add_child(instance=home)
        home.save_revision().publish()
    for codename in PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=home, permission=_permission("wagtailcore", codename)
        )

    if not ActivityIndexPage.objects.child_of(home).exists():
        index_page = ActivityIndexPage(title="Hoạt động thư viện", slug="hoat-dong", show_in_menus=True)
        home.add_child(instance=index_page)
        index_page.save_revision().publish()
    if not AboutPage.objects.child_of(home).exists():
        about = AboutPage(title="Giới thiệu thư viện", slug="gioi-thieu", show_in_menus=True)
        home.add_child(instance=about)
        about.save_revision().publish()

    if library.site_id is None:
        library.site = Site.objects.create(
            hostname=hostname or settings.PORTAL_HOST_TEMPLATE.format(code=library.code),
            port=port or settings.PORTAL_PORT,
            root_page=home,
            site_name=library.name,
        )
        changed_fields.append("site")
    if changed_fields:
        library.save(update_fields=[*changed_fields, "updated_at"])
    library_provisioned.send(sender=Library, library=library)
    return home
