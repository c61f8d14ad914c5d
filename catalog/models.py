"""The shared catalog: records (the works) and their holdings.

- ``Record`` — one work as the reader searches for it: title, contributors, subjects
  and grades of the 2018 general education curriculum, material kind, access level. It
  is *owned* by the library that catalogued it (only that library's staff edit it) but
  *shared*: every library can hold copies of it. Admin: Catalog → Records.
- ``Copy`` — a physical item with a unique barcode, held by one library (which may differ
  from the record's owner). Admin: Catalog → Copies.
- ``DigitalFile`` — a file (PDF, EPUB, audio, video, image, e-learning package) or an
  external link attached to a record, with an optional number of concurrent licences.
  Files live in private storage and are served only through ``catalog.views.digital_file``.
- ``Subject``/``Grade`` — reference data of the 2018 curriculum (seeded by migration).
- ``LessonUnit`` — a lesson of the curriculum outline for one subject and grade, and the
  records that serve it (the digital-coverage report counts these).
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.models import Orderable

from library_site.libraries.models import BackgroundJob, Library, TimestampedModel


class GradeLevel(models.TextChoices):
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")


class Grade(models.Model):
    """Preschool and grades 1–12; rows are seeded by a data migration."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=40)
    level = models.CharField(_("level"), max_length=20, choices=GradeLevel.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("grade")
        verbose_name_plural = _("grades")

    def __str__(self):
        return self.name


class Subject(models.Model):
    """A subject of the 2018 general education curriculum, and the grades it is taught in."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    grades = models.ManyToManyField(Grade, verbose_name=_("taught in grades"), related_name="subjects", blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self):
        return self.name


class MaterialKind(models.TextChoices):
    PRINTED_BOOK = "printed_book", _("Printed book")
    DIGITISED_BOOK = "digitised_book", _("Digitised book")
    EBOOK = "ebook", _("E-book")
    AUDIOBOOK = "audiobook", _("Audiobook")
    VIDEO = "video", _("Video clip")
    IMAGE = "image", _("Image")
    TEACHING_DOCUMENT = "teaching_document", _("Teaching document")
    LESSON_PLAN = "lesson_plan", _("Lesson plan")
    ELEARNING_LECTURE = "elearning_lecture", _("E-learning lecture")
    ONLINE_LESSON = "online_lesson", _("Online lesson")


class AccessLevel(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    READERS = "readers", _("Signed-in readers")
    STAFF = "staff", _("Library staff")


class Language(models.TextChoices):
    VIETNAMESE = "vi", _("Vietnamese")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    CHINESE = "zh", _("Chinese")
    JAPANESE = "ja", _("Japanese")
    KOREAN = "ko", _("Korean")
    RUSSIAN = "ru", _("Russian")
    KHMER = "km", _("Khmer")
    OTHER = "mul", _("Other or several")


class ContributorRole(models.TextChoices):
    AUTHOR = "author", _("Author")
    EDITOR = "editor", _("Editor")
    TRANSLATOR = "translator", _("Translator")
    ILLUSTRATOR = "illustrator", _("Illustrator")


class TaggedRecord(TaggedItemBase):
    content_object = ParentalKey("catalog.Record", on_delete=models.CASCADE, related_name="tagged_items")


ddc_validator = RegexValidator(r"^\d{3}(\.\d+)?$", _("A DDC class looks like 895.922 or 510."))


class Record(TimestampedModel, ClusterableModel):
    code = models.CharField(
        _("code"), max_length=20, unique=True, editable=False, help_text=_("Given automatically, e.g. HL00001234.")
    )
    title = models.CharField(_("title"), max_length=500)
    subtitle = models.CharField(_("subtitle"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, validators=[MinValueValidator(1000), MaxValueValidator(2100)]
    )
    edition = models.CharField(_("edition"), max_length=100, blank=True)
    isbn = models.CharField(_("ISBN-13"), max_length=13, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=3, choices=Language.choices, default=Language.VIETNAMESE)
    summary = models.TextField(_("summary"), blank=True)
    ddc = models.CharField(_("DDC class"), max_length=20, blank=True, validators=[ddc_validator])
    subjects = ParentalManyToManyField(Subject, verbose_name=_("subjects"), related_name="records", blank=True)
    grades = ParentalManyToManyField(Grade, verbose_name=_("grades"), related_name="records", blank=True)
    keywords = ClusterTaggableManager(verbose_name=_("keywords"), through=TaggedRecord, blank=True)
    kind = models.CharField(_("material kind"), max_length=24, choices=MaterialKind.choices)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    access_level = models.CharField(_("access"), max_length=10, choices=AccessLevel.choices, default=AccessLevel.PUBLIC)
    licence_note = models.CharField(_("licence note"), max_length=500, blank=True)
    library = models.ForeignKey(
        Library, verbose_name=_("owning library"), on_delete=models.PROTECT, related_name="records"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # Normalised keys for duplicate detection (same ISBN, or same title + first author + year).
    match_key = models.CharField(max_length=700, blank=True, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("record")
        verbose_name_plural = _("records")
        indexes = [models.Index(fields=["library", "kind"]), models.Index(fields=["year"])]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @cached_property
    def first_author(self) -> str:
        contributors = list(self.contributors.all())
        authors = [c for c in contributors if c.role == ContributorRole.AUTHOR] or contributors
        return authors[0].name if authors else ""


class RecordContributor(Orderable):
    record = ParentalKey(Record, on_delete=models.CASCADE, related_name="contributors")
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role"), max_length=12, choices=ContributorRole.choices, default=ContributorRole.AUTHOR)

    class Meta(Orderable.Meta):
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


class CopyStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_LOAN = "on_loan", _("On loan")
    ON_HOLD_SHELF = "on_hold_shelf", _("On the hold shelf")
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")
    WITHDRAWN = "withdrawn", _("Withdrawn")


barcode_validator = RegexValidator(
    r"^[A-Za-z0-9\-]{4,32}$", _("A barcode has 4–32 letters without diacritics, digits or hyphens.")
)


class Copy(TimestampedModel):
    record = models.ForeignKey(Record, verbose_name=_("record"), on_delete=models.PROTECT, related_name="copies")
    library = models.ForeignKey(Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="copies")
    barcode = models.CharField(_("barcode"), max_length=32, unique=True, validators=[barcode_validator])
    call_number = models.CharField(_("call number"), max_length=64, blank=True)
    shelf_location = models.CharField(_("shelf location"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CopyStatus.choices, default=CopyStatus.AVAILABLE)
    acquired_on = models.DateField(_("acquired on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["barcode"]
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        indexes = [models.Index(fields=["record", "library", "status"])]

    def __str__(self):
        return f"{self.barcode} · {self.record.title}"


class DigitalFormat(models.TextChoices):
    PDF = "pdf", _("PDF document")
    EPUB = "epub", _("EPUB e-book")
    AUDIO = "audio", _("Audio (MP3, M4A, WAV, OGG)")
    VIDEO = "video", _("Video (MP4, WebM)")
    IMAGE = "image", _("Image (JPEG, PNG, WebP)")
    ELEARNING = "elearning", _("E-learning package (ZIP, SCORM)")
    LINK = "link", _("External link")


def private_storage():
    """Digital files are stored outside MEDIA_ROOT's public URL space; only the access-
    checking view reads them."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


class DigitalFile(Orderable):
    record = ParentalKey(Record, on_delete=models.CASCADE, related_name="digital_files")
    label = models.CharField(_("label"), max_length=200, blank=True, help_text=_("E.g. Full text, Chapter 1, Audio."))
    format = models.CharField(_("format"), max_length=10, choices=DigitalFormat.choices)
    file = models.FileField(_("file"), storage=private_storage, upload_to="catalog/%Y/%m/", blank=True, max_length=255)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    mime_type = models.CharField(_("MIME type"), max_length=100, blank=True, editable=False)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    licence_count = models.PositiveIntegerField(
        _("concurrent licences"),
        null=True,
        blank=True,
        help_text=_("How many readers may borrow it at once. Empty means open access: no loan needed."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta(Orderable.Meta):
        verbose_name = _("digital file")
        verbose_name_plural = _("digital files")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(format="link") & ~models.Q(url=""))
                | (~models.Q(format="link") & ~models.Q(file="")),
                name="digital_file_has_file_or_link",
            )
        ]

    def __str__(self):
        return self.label or self.get_format_display()

    @property
    def is_open_access(self) -> bool:
        return self.licence_count is None


class LessonUnit(ClusterableModel):
    """A lesson of the curriculum outline (subject, grade, number) and the records that
    serve it. Imported from CSV with ``import_curriculum``."""

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="lessons")
    grade = models.ForeignKey(Grade, verbose_name=_("grade"), on_delete=models.PROTECT, related_name="lessons")
    number = models.PositiveSmallIntegerField(_("lesson number"))
    title = models.CharField(_("title"), max_length=300)
    records = ParentalManyToManyField(Record, verbose_name=_("materials"), related_name="lessons", blank=True)

    class Meta:
        ordering = ["subject__sort_order", "grade__sort_order", "number"]
        verbose_name = _("lesson unit")
        verbose_name_plural = _("lesson units")
        constraints = [models.UniqueConstraint(fields=["subject", "grade", "number"], name="lesson_unit_unique_number")]

    def __str__(self):
        return f"{self.subject} · {self.grade} · {self.number}. {self.title}"

    @property
    def code(self) -> str:
        """The lesson's code in the catalog import's lessons column, e.g. ``toan-6-12``
        (see ``lesson_code``). Uses ``subject`` and ``grade``: select them with the lesson."""
        return lesson_code(subject_code=self.subject.code, grade_code=self.grade.code, number=self.number)


def lesson_code(*, subject_code: str, grade_code: str, number: int) -> str:
    """``<Subject.code>-<Grade.code>-<LessonUnit.number>``: ``toan-6-12`` is Toán, lớp 6,
    bài 12; ``phat-trien-toan-dien-mam-non-preschool-3`` a preschool lesson. Unambiguous
    read from the right: grade codes and numbers have no hyphen."""
    return f"{subject_code}-{grade_code}-{number}"


class CodeSequence(models.Model):
    """Counters for record codes and generated copy barcodes; rows are locked while a
    block of numbers is reserved, so two imports never hand out the same code."""

    name = models.CharField(max_length=40, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}={self.last_value}"


class ImportJob(BackgroundJob):
    """One catalog import started from the admin: the uploaded file, then a preview run
    (validation only) and, once the librarian confirms, the commit run. Both run in the
    background task worker; the job page shows progress and the report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PREVIEWED = "previewed", _("Preview ready")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    library = models.ForeignKey(Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(storage=private_storage, upload_to="imports/%Y/%m/")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    commit_requested = models.BooleanField(default=False)
    report = models.JSONField(default=dict, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}
