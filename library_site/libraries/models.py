"""The library as an organisation, and what it owns in Wagtail.

A ``Library`` is a school library, a ward community learning centre (TTHTCĐ), a
continuing-education centre or a public library. Each one owns, in Wagtail:

- a ``Site`` whose root is its ``LibraryHomePage`` (``library_site.portals``); the home
  page also sits under the city landing page so every portal is reachable by path on
  the landing host;
- a ``Collection`` for its images and documents, which only its staff group may use;
- a staff ``Group`` with page permissions on its home page subtree and collection
  permissions on its collection.

The catalog, lending and courses apps point at ``Library`` as the owning organisation.
Libraries are managed by city administrators in the Wagtail admin (Snippets →
Libraries); the links to Site/Collection/Group are made by
``library_site.portals.services.library_portal_provision``.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Collection, Orderable, Site


class TimestampedModel(models.Model):
    """Abstract base: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BackgroundJob(models.Model):
    """Abstract base of work the task worker does for a page that shows its progress
    (catalog imports, card batches): counts, the error if it failed, and timing."""

    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 0


class LibraryKind(models.TextChoices):
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")
    CONTINUING_EDUCATION = "continuing_education", _("Continuing-education centre (GDNN-GDTX)")
    COMMUNITY_LEARNING_CENTRE = "community_learning_centre", _("Community learning centre (TTHTCĐ)")
    PUBLIC_LIBRARY = "public_library", _("Public library")


library_code_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lower-case letters without diacritics, digits and single hyphens, e.g. thcs-cau-kieu."),
)


# Bounds of a library's own retention periods: at least a month, at most ten years.
RETENTION_MIN_DAYS = 30
RETENTION_MAX_DAYS = 3650


class Library(TimestampedModel, ClusterableModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(
        _("short name"), max_length=60, help_text=_("As shown in availability lines, e.g. THCS Cầu Kiệu.")
    )
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[library_code_validator],
        help_text=_("Short unique code used in URLs, barcodes and imports, e.g. thcs-cau-kieu."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=LibraryKind.choices)
    district = models.CharField(_("district"), max_length=100)
    ward = models.CharField(_("ward"), max_length=100, blank=True)
    address = models.CharField(_("street address"), max_length=255)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    opening_hours_note = models.CharField(
        _("opening hours note"),
        max_length=255,
        blank=True,
        help_text=_("Shown under the opening hours, e.g. closed on public holidays and during Tết."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    site = models.OneToOneField(
        Site, verbose_name=_("portal site"), null=True, blank=True, on_delete=models.SET_NULL, related_name="library"
    )
    collection = models.OneToOneField(
        Collection,
        verbose_name=_("media collection"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library",
    )
    staff_group = models.OneToOneField(
        Group, verbose_name=_("staff group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="library"
    )
    # Retention periods (Decree 13/2023/NĐ-CP) of this library, overriding the city-wide
    # LOAN_HISTORY_RETENTION_DAYS and READER_RETENTION_DAYS settings; empty = the setting.
    loan_history_retention_days = models.PositiveSmallIntegerField(
        _("keep loan history (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(RETENTION_MIN_DAYS), MaxValueValidator(RETENTION_MAX_DAYS)],
        help_text=_(
            "Days after a loan or hold ended before it no longer names the reader. Empty: the city-wide default."
        ),
    )
    reader_retention_days = models.PositiveSmallIntegerField(
        _("keep readers who left (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(RETENTION_MIN_DAYS), MaxValueValidator(RETENTION_MAX_DAYS)],
        help_text=_("Days after a reader left before their personal data is removed. Empty: the city-wide default."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldRowPanel([FieldPanel("short_name"), FieldPanel("code")]),
                FieldPanel("kind"),
                FieldPanel("logo"),
                FieldPanel("is_active"),
            ],
            heading=_("Library"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("district"), FieldPanel("ward")]),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                FieldPanel("website"),
            ],
            heading=_("Address and contact"),
        ),
        MultiFieldPanel(
            [InlinePanel("opening_hours", label=_("Opening hours")), FieldPanel("opening_hours_note")],
            heading=_("Opening hours"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("loan_history_retention_days"), FieldPanel("reader_retention_days")])],
            heading=_("Personal data retention"),
        ),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("library")
        verbose_name_plural = _("libraries")

    def __str__(self):
        return self.name

    @property
    def loan_history_retention(self) -> int:
        """Days this library keeps who borrowed what (its own period or the setting)."""
        return self.loan_history_retention_days or settings.LOAN_HISTORY_RETENTION_DAYS

    @property
    def reader_retention(self) -> int:
        """Days this library keeps the personal data of a reader who left."""
        return self.reader_retention_days or settings.READER_RETENTION_DAYS

    @property
    def full_address(self) -> str:
        return ", ".join(part for part in (self.address, self.ward, self.district) if part)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(Orderable):
    """One opening period on one weekday; a day may have several (morning, afternoon)."""

    library = ParentalKey(Library, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes")])]

    class Meta(Orderable.Meta):
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_closes_after_opens"
            )
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OfficerLevel(models.TextChoices):
    DISTRICT = "district", _("District officer")
    CITY = "city", _("City officer")


class Officer(TimestampedModel):
    """An education officer of the programme: reads the statistics of the libraries in
    their area (a district, or some of its wards; the whole city for a city officer),
    never a reader's name or ID, and changes nothing. City administrators appoint them
    in the admin (*Libraries → Officers*); ``libraries.selectors.officer_library_list``
    is their area."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="officer"
    )
    level = models.CharField(_("level"), max_length=16, choices=OfficerLevel.choices, default=OfficerLevel.DISTRICT)
    district = models.CharField(
        _("district"),
        max_length=100,
        blank=True,
        help_text=_("District officers: the district whose libraries they follow, as written on the libraries."),
    )
    wards = models.CharField(
        _("wards"),
        max_length=500,
        blank=True,
        help_text=_("Only these wards of the district, separated by commas; empty = the whole district."),
    )

    panels = [
        FieldPanel("user"),
        FieldPanel("level"),
        FieldRowPanel([FieldPanel("district"), FieldPanel("wards")]),
    ]

    class Meta:
        ordering = ["level", "district", "user__username"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")

    def __str__(self):
        name = self.user.get_full_name() or self.user.get_username()
        if self.level == OfficerLevel.CITY:
            return f"{name} · {self.get_level_display()}"
        return f"{name} · {self.district}" + (f" ({self.wards})" if self.wards else "")

    @property
    def ward_list(self) -> list[str]:
        return [ward.strip() for ward in self.wards.split(",") if ward.strip()]

    def clean(self):
        super().clean()
        self.district, self.wards = self.district.strip(), ", ".join(self.ward_list)
        if self.level == OfficerLevel.DISTRICT and not self.district:
            raise ValidationError({"district": _("A district officer follows a district: name it.")})
        if self.level == OfficerLevel.CITY and (self.district or self.wards):
            raise ValidationError(
                {"district": _("A city officer follows every library: leave district and wards empty.")}
            )
        if self.user_id and self.user.is_superuser:
            raise ValidationError({"user": _("A city administrator already sees everything.")})
