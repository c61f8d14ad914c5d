"""Portal pages: one city landing page, and under it one portal per library.

Page tree::

    Root
    └── CityLandingPage            (default Site: the city landing, lists every library)
        ├── LibraryHomePage        (also the root of the library's own Site)
        │   ├── ActivityIndexPage  (library activities: exhibitions, storytelling, …)
        │   │   └── ActivityPostPage
        │   └── AboutPage
        └── LibraryHomePage …

Each library's staff group has page permissions on its own ``LibraryHomePage`` subtree
only, so librarians post activities for their library and cannot touch another's.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from library_site.libraries.models import Library, LibraryKind
from library_site.libraries.selectors import library_opening_week

from .blocks import BodyBlock


@dataclass(frozen=True)
class Portal:
    """The portal a public page is seen in: a library's (``library`` and its live home
    page) or, without a library, the city site's. ``context()`` is what ``base.html``'s
    header and footer read. A page's portal is ``PortalPage.get_portal()``; a plain view's
    comes from ``library_site.portals.selectors`` (``portal_for_request``,
    ``portal_for_library``)."""

    library: Library | None
    home: "LibraryHomePage | None"

    @cached_property
    def landing_page(self) -> "CityLandingPage | None":
        """The city landing page, which the header of every portal links to."""
        return CityLandingPage.objects.live().first()

    def context(self) -> dict:
        return {"library": self.library, "portal_home": self.home, "landing_page": self.landing_page}


class PortalPage(Page):
    """Abstract base: every portal page knows its library (through its home page)."""

    class Meta:
        abstract = True

    def get_portal_home(self) -> "LibraryHomePage | None":
        if isinstance(self.specific, LibraryHomePage):
            return self.specific
        return LibraryHomePage.objects.ancestor_of(self).live().first()

    def get_portal(self) -> "Portal":
        home = self.get_portal_home()
        return Portal(library=home.library if home else None, home=home)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(self.get_portal().context())
        return context


class CityLandingPage(Page):
    """The city-wide entry point: lists every library with a link to its portal."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["portals.LibraryHomePage"]
    max_count = 1

    class Meta:
        verbose_name = _("city landing page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        homes = (
            LibraryHomePage.objects.child_of(self)
            .live()
            .select_related("library", "library__site", "library__logo")
            .order_by("library__name")
        )
        # Grouped in the order of LibraryKind: schools by level, then centres, then public libraries.
        groups: dict[str, list[LibraryHomePage]] = {kind: [] for kind in LibraryKind.values}
        for home in homes:
            groups[home.library.kind].append(home)
        context["library_groups"] = [(LibraryKind(kind).label, items) for kind, items in groups.items() if items]
        context["library_count"] = sum(len(items) for items in groups.values())
        posts = list(
            ActivityPostPage.objects.live()
            .public()
            .select_related("cover_image")
            .descendant_of(self)
            .order_by("-date_start", "-pk")[:6]
        )
        # Every library home is a child of this page: the first step of a post's tree path
        # below it names its library, so no query per post is needed.
        library_by_home_path = {home.path: home.library for items in groups.values() for home in items}
        for post in posts:
            post.portal_library = library_by_home_path.get(post.path[: len(self.path) + Page.steplen])
        context["latest_posts"] = posts
        return context


class LibraryHomePage(PortalPage):
    library = models.OneToOneField(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="home_page"
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("banner image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("library"), FieldPanel("hero_image"), FieldPanel("intro")]
    parent_page_types = ["portals.CityLandingPage", "wagtailcore.Page"]
    subpage_types = ["portals.ActivityIndexPage", "portals.AboutPage", "community_courses.CourseIndexPage"]

    class Meta:
        verbose_name = _("library home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_posts"] = (
            ActivityPostPage.objects.live()
            .public()
            .select_related("cover_image")
            .descendant_of(self)
            .order_by("-date_start", "-pk")[:6]
        )
        context["activity_index"] = ActivityIndexPage.objects.child_of(self).live().first()
        context["about_page"] = AboutPage.objects.child_of(self).live().first()
        context["opening_week"] = library_opening_week(library=self.library)
        return context


class ActivityIndexPage(PortalPage):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portals.LibraryHomePage"]
    subpage_types = ["portals.ActivityPostPage"]
    posts_per_page = 9

    class Meta:
        verbose_name = _("activity index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        posts = (
            ActivityPostPage.objects.live()
            .public()
            .select_related("cover_image")
            .child_of(self)
            .order_by("-date_start", "-pk")
        )
        kind = request.GET.get("kind", "")
        if kind in ActivityKind.values:
            posts = posts.filter(kind=kind)
        else:
            kind = ""
        paginator = Paginator(posts, self.posts_per_page)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
        context.update(posts=page_obj, selected_kind=kind, activity_kinds=ActivityKind.choices)
        return context


class ActivityKind(models.TextChoices):
    EXHIBITION = "exhibition", _("Exhibition")
    BOOK_INTRODUCTION = "book_introduction", _("Book introduction")
    STORYTELLING = "storytelling", _("Storytelling")
    READING_EVENT = "reading_event", _("Reading event")
    NEWS = "news", _("News")


class ActivityPostPage(PortalPage):
    """A library activity: an exhibition, a book introduction, a storytelling session,
    a reading event, or news."""

    kind = models.CharField(_("kind"), max_length=32, choices=ActivityKind.choices, default=ActivityKind.NEWS)
    date_start = models.DateField(_("date"))
    date_end = models.DateField(_("until"), null=True, blank=True, help_text=_("For events lasting several days."))
    location = models.CharField(_("place"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), max_length=400, blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldRowPanel([FieldPanel("date_start"), FieldPanel("date_end")]),
                FieldPanel("location"),
            ],
            heading=_("Activity"),
        ),
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["portals.ActivityIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("activity post")
        verbose_name_plural = _("activity posts")

    def clean(self):
        super().clean()
        if self.date_end and self.date_start and self.date_end < self.date_start:
            raise ValidationError({"date_end": _("The end date cannot be before the start date.")})


class AboutPage(PortalPage):
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["portals.LibraryHomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("about page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if context["library"]:
            context["opening_week"] = library_opening_week(library=context["library"])
        return context
