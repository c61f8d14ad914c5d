"""Courses at community learning centres, who takes them, and what they answer.

Pages (in each centre's portal, edited by the centre's staff in the page tree)::

    LibraryHomePage
    └── CourseIndexPage            (khoa-hoc: the centre's courses, links to the needs survey)
        └── CoursePage             (topic, audience, schedule, format, partners, survey)
            └── LessonPage …       (ordered by the page tree: text, video, documents,
                                    materials from the shared catalog)

Participation (written only by ``community_courses.services``):

- ``Enrolment`` — one person in one course. The person is a signed-in user, usually
  the account of a ``lending.Reader``; the enrolment keeps an opaque
  ``participant_key`` (never a name) so people are counted once across courses, and the
  age group and ward *as buckets*, so statistics survive the reader's anonymisation.
- ``LessonVisit`` — one participant opening one lesson on one day: one participation
  (lượt). Every further opening that day adds to ``opens``, so a refresh never inflates
  the count.
- ``LessonCompletion`` — a lesson marked done; the enrolment is complete when every
  live lesson is.

Surveys:

- ``SurveyTemplate`` and its ordered ``SurveyQuestion`` rows (Likert 1–5, single or
  multiple choice, free text). Admin: Community courses → Survey templates.
- ``SurveyResponse`` — one answer sheet, before or after a course. Before and after of
  one participant share a ``pair_key`` (a keyed hash of the enrolment), which pairs them
  without naming anyone; a named response also points at its enrolment.
- ``LearningNeed`` — one answer to a centre's public learning-needs survey.

Practice:

- ``PracticeSession`` — a practice slot at a partner centre, with a capacity;
  ``PracticeRegistration`` rows never exceed it (see ``services.practice``).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable
from wagtail.search import index

from library_site.libraries.models import Library, TimestampedModel
from library_site.portals.models import PortalPage

from .blocks import LessonBodyBlock
from .consent import ConsentPurpose, consent_text


class CourseTopic(models.TextChoices):
    DIGITAL_SKILLS = "digital_skills", _("Digital skills")
    HEALTH = "health", _("Health")
    LAW = "law", _("Law and civic life")
    FOREIGN_LANGUAGES = "foreign_languages", _("Foreign languages")
    VOCATIONAL = "vocational", _("Vocational skills")
    LIFE_SKILLS = "life_skills", _("Life skills")
    CULTURE = "culture", _("Culture and arts")
    OTHER = "other", _("Other")


class CourseFormat(models.TextChoices):
    ONLINE = "online", _("Online")
    BLENDED = "blended", _("Blended: online and at a centre")


class CourseSchedule(models.TextChoices):
    SELF_PACED = "self_paced", _("Self-paced, any time")
    DATED = "dated", _("On set dates")


class AgeGroup(models.TextChoices):
    UNDER_15 = "under_15", _("Under 15")
    AGE_15_24 = "15_24", _("15 to 24")
    AGE_25_39 = "25_39", _("25 to 39")
    AGE_40_59 = "40_59", _("40 to 59")
    AGE_60_PLUS = "60_plus", _("60 and over")
    UNKNOWN = "unknown", _("Not given")

    @classmethod
    def for_birth_date(cls, born: datetime.date | None, today: datetime.date) -> str:
        if born is None:
            return cls.UNKNOWN
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        for bound, group in ((15, cls.UNDER_15), (25, cls.AGE_15_24), (40, cls.AGE_25_39), (60, cls.AGE_40_59)):
            if age < bound:
                return group
        return cls.AGE_60_PLUS


class PreferredTime(models.TextChoices):
    WEEKDAY_MORNING = "weekday_morning", _("Weekday mornings")
    WEEKDAY_AFTERNOON = "weekday_afternoon", _("Weekday afternoons")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND = "weekend", _("Weekends")


class PreferredFormat(models.TextChoices):
    ONLINE = "online", _("Online, at home")
    IN_PERSON = "in_person", _("In person at the centre")
    BLENDED = "blended", _("Both: online with practice at a centre")


# --- Pages -----------------------------------------------------------------------------

# The pages need a selector (the visitor's progress) and a view (serving a lesson), which
# import these models: this module does not import them back. ``wagtail_hooks.py``
# registers them under these Wagtail hook names, one function each.
COURSE_PROGRESS_HOOK = "community_courses_course_progress"  # (*, course, user) -> CourseProgress
LESSON_SERVE_HOOK = "community_courses_lesson_serve"  # (lesson, request, *args, **kwargs) -> response


def _registered(hook_name: str):
    """The one function registered under ``hook_name``."""
    [function] = hooks.get_hooks(hook_name)
    return function


class CourseIndexPage(PortalPage):
    """A centre's list of courses; one per portal."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*PortalPage.content_panels, FieldPanel("intro")]
    parent_page_types = ["portals.LibraryHomePage"]
    subpage_types = ["community_courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        courses = CoursePage.objects.child_of(self).live().public().select_related("cover_image").order_by("title")
        topic = request.GET.get("topic", "")
        if topic in CourseTopic.values:
            courses = courses.filter(topic=topic)
        else:
            topic = ""
        context.update(courses=courses, selected_topic=topic, topics=CourseTopic.choices)
        return context


class CoursePage(PortalPage):
    """One course of a centre. Its lessons are its child pages, in page-tree order."""

    summary = models.TextField(_("summary"), max_length=400, blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    topic = models.CharField(_("topic"), max_length=32, choices=CourseTopic.choices)
    audience = models.CharField(
        _("who it is for"), max_length=200, blank=True, help_text=_("E.g. older residents new to smartphones.")
    )
    format = models.CharField(_("format"), max_length=16, choices=CourseFormat.choices, default=CourseFormat.ONLINE)
    schedule = models.CharField(
        _("schedule"), max_length=16, choices=CourseSchedule.choices, default=CourseSchedule.SELF_PACED
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    partners = ParentalManyToManyField(
        Library,
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="partner_courses",
        help_text=_("Continuing-education centres, schools and libraries that run the course with the centre."),
    )
    description = RichTextField(
        _("description"), blank=True, features=["bold", "italic", "link", "ol", "ul", "h3", "document-link"]
    )
    survey_template = models.ForeignKey(
        "community_courses.SurveyTemplate",
        verbose_name=_("satisfaction survey"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        help_text=_("Answered when joining (before) and again after the last lesson (after)."),
    )

    content_panels = [
        *PortalPage.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("topic"), FieldPanel("format")]),
                FieldPanel("audience"),
                FieldRowPanel([FieldPanel("schedule"), FieldPanel("starts_on"), FieldPanel("ends_on")]),
                FieldPanel("partners"),
            ],
            heading=_("Course"),
        ),
        FieldPanel("description"),
        FieldPanel("survey_template"),
    ]
    search_fields = [*PortalPage.search_fields, index.SearchField("summary"), index.SearchField("description")]
    parent_page_types = ["community_courses.CourseIndexPage"]
    subpage_types = ["community_courses.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def clean(self):
        super().clean()
        errors = {}
        if self.schedule == CourseSchedule.DATED and not self.starts_on:
            errors["starts_on"] = _("A course on set dates needs a start date.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end date cannot be before the start date.")
        if errors:
            raise ValidationError(errors)

    @cached_property
    def centre(self) -> Library | None:
        """The library whose portal holds the course."""
        home = self.get_portal_home()
        return home.library if home else None

    def lessons(self):
        return LessonPage.objects.child_of(self).live().order_by("path")

    def has_ended(self, today: datetime.date | None = None) -> bool:
        return bool(self.ends_on and self.ends_on < (today or timezone.localdate()))

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        add_never_cache_headers(response)  # shows the visitor's own progress
        return response

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["progress"] = _registered(COURSE_PROGRESS_HOOK)(course=self, user=request.user)
        context["age_groups"] = [choice for choice in AgeGroup.choices if choice[0] != AgeGroup.UNKNOWN]
        context["enrol_consent"] = consent_text(ConsentPurpose.ENROLMENT)
        return context


class LessonPage(PortalPage):
    """One lesson. Only enrolled participants (and the centre's staff) open it; every
    opening by a participant is recorded (see ``serve``)."""

    summary = models.TextField(_("summary"), max_length=400, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("about how many minutes"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    body = StreamField(LessonBodyBlock(), verbose_name=_("lesson content"), blank=True)

    content_panels = [
        *PortalPage.content_panels,
        FieldPanel("summary"),
        FieldPanel("duration_minutes"),
        FieldPanel("body"),
    ]
    search_fields = [*PortalPage.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["community_courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def serve(self, request, *args, **kwargs):
        return _registered(LESSON_SERVE_HOOK)(self, request, *args, **kwargs)


# --- Participation -----------------------------------------------------------------------


class EnrolmentChannel(models.TextChoices):
    WEB = "web", _("Portal")
    KIOSK = "kiosk", _("Kiosk at the centre")


class Enrolment(models.Model):
    """One person in one course (see the module docstring). Admin: reports only; the
    rows themselves are written by ``services.enrolment``."""

    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrolments"
    )
    library = models.ForeignKey(
        Library, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="course_enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="course_enrolments"
    )
    reader = models.ForeignKey(
        "lending.Reader", null=True, blank=True, on_delete=models.SET_NULL, related_name="course_enrolments"
    )
    # "reader:<pk>" or "user:<pk>": counts one person once across courses; never shown.
    participant_key = models.CharField(max_length=40, editable=False)
    age_group = models.CharField(_("age group"), max_length=10, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN)
    ward = models.CharField(_("ward"), max_length=100, blank=True)
    channel = models.CharField(_("joined at"), max_length=8, choices=EnrolmentChannel.choices, default="web")
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    before_answered_at = models.DateTimeField(_("before survey answered at"), null=True, blank=True)
    after_answered_at = models.DateTimeField(_("after survey answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at", "-pk"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["course", "participant_key"], name="enrolment_once_per_course"),
        ]
        indexes = [models.Index(fields=["library", "enrolled_at"])]

    def __str__(self):
        return f"#{self.pk} · {self.course_id}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class LessonVisit(models.Model):
    """One participation (lượt): a participant opened a lesson on a day."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="visits")
    lesson = models.ForeignKey(LessonPage, null=True, on_delete=models.SET_NULL, related_name="visits")
    day = models.DateField(_("day"))
    opens = models.PositiveIntegerField(_("times opened"), default=1)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lesson visit")
        verbose_name_plural = _("lesson visits")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson", "day"], name="lesson_visit_once_a_day"),
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.enrolment_id} · {self.lesson_id} · {self.day}"


class LessonCompletion(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="completions")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        constraints = [models.UniqueConstraint(fields=["enrolment", "lesson"], name="lesson_completion_once")]

    def __str__(self):
        return f"{self.enrolment_id} · {self.lesson_id}"


# --- Surveys -----------------------------------------------------------------------------


class QuestionKind(models.TextChoices):
    LIKERT = "likert", _("Scale from 1 to 5")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Free text")


class LikertScale(models.TextChoices):
    SATISFACTION = "satisfaction", _("Satisfaction (very dissatisfied … very satisfied)")
    AGREEMENT = "agreement", _("Agreement (strongly disagree … strongly agree)")
    CONFIDENCE = "confidence", _("Confidence (not at all … fully confident)")


LIKERT_LABELS = {
    LikertScale.SATISFACTION: [
        _("Very dissatisfied"),
        _("Dissatisfied"),
        _("Neutral"),
        _("Satisfied"),
        _("Very satisfied"),
    ],
    LikertScale.AGREEMENT: [
        _("Strongly disagree"),
        _("Disagree"),
        _("Neither agree nor disagree"),
        _("Agree"),
        _("Strongly agree"),
    ],
    LikertScale.CONFIDENCE: [
        _("Not at all confident"),
        _("Slightly confident"),
        _("Somewhat confident"),
        _("Confident"),
        _("Fully confident"),
    ],
}


class SurveyTemplate(TimestampedModel, ClusterableModel):
    """A questionnaire that courses answer before and after. A template without a library
    is shared by every centre (e.g. the Department's standard questionnaire); only a city
    administrator edits it. Once answered, its questions are frozen so before and after
    stay comparable (see ``SurveyQuestion.clean`` and the admin form)."""

    name = models.CharField(_("name"), max_length=200)
    intro = models.TextField(_("introduction for respondents"), blank=True)
    library = models.ForeignKey(
        Library,
        verbose_name=_("centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_templates",
        help_text=_("Empty: shared by every centre."),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("library")]),
        FieldPanel("intro"),
        InlinePanel("questions", label=_("Questions"), min_num=1),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")

    def __str__(self):
        return self.name

    @property
    def is_in_use(self) -> bool:
        return self.pk is not None and SurveyResponse.objects.filter(template=self).exists()


class SurveyQuestion(Orderable):
    template = ParentalKey(SurveyTemplate, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.LIKERT)
    text = models.CharField(_("question"), max_length=500)
    scale = models.CharField(
        _("scale"),
        max_length=16,
        choices=LikertScale.choices,
        default=LikertScale.SATISFACTION,
        help_text=_("For scale questions: what 1 and 5 mean."),
    )
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("For choice questions: one choice per line, at least two.")
    )
    required = models.BooleanField(_("required"), default=False)

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required")]),
        FieldPanel("text"),
        FieldPanel("scale"),
        FieldPanel("choices"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        seen: list[str] = []
        for line in self.choices.splitlines():
            line = " ".join(line.split())
            if line and line not in seen:
                seen.append(line)
        return seen

    @property
    def likert_labels(self) -> list[str]:
        return [str(label) for label in LIKERT_LABELS[LikertScale(self.scale)]]

    def clean(self):
        super().clean()
        if self.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE} and len(self.choice_list) < 2:
            raise ValidationError({"choices": _("Give at least two choices, one per line.")})
        if self.kind in {QuestionKind.LIKERT, QuestionKind.TEXT} and self.choices.strip():
            raise ValidationError({"choices": _("Only choice questions have choices; leave this empty.")})


class SurveyPhase(models.TextChoices):
    BEFORE = "before", _("Before the course")
    AFTER = "after", _("After the course")


class SurveyResponse(models.Model):
    """One answer sheet. ``answers`` maps a question's id (as text) to its answer: an
    integer 1–5, a choice, a list of choices, or text; unanswered questions are absent.
    One JSON document per sheet, like Wagtail's form submissions: the results read every
    sheet of a course at once, and 20,000 rows read far faster than 150,000."""

    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="survey_responses")
    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="responses")
    phase = models.CharField(_("phase"), max_length=6, choices=SurveyPhase.choices)
    pair_key = models.CharField(max_length=64, editable=False)
    enrolment = models.ForeignKey(
        Enrolment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="named_survey_responses",
        help_text=_("Empty when the participant answered anonymously."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    answers = models.JSONField(default=dict)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["course", "phase", "pair_key"], name="survey_response_once_per_phase"),
        ]

    def __str__(self):
        return f"{self.course_id} · {self.phase} · #{self.pk}"


class LearningNeed(models.Model):
    """One answer to a centre's public learning-needs survey ("cần gì học nấy"). No name
    or contact is asked for."""

    library = models.ForeignKey(Library, verbose_name=_("centre"), on_delete=models.CASCADE, related_name="+")
    topics = models.JSONField(_("topics"), default=list)
    other_topic = models.CharField(_("other topic"), max_length=200, blank=True)
    times = models.JSONField(_("preferred times"), default=list)
    formats = models.JSONField(_("preferred formats"), default=list)
    wish = models.TextField(_("wish"), blank=True, validators=[MaxLengthValidator(1000)])
    age_group = models.CharField(_("age group"), max_length=10, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN)
    ward = models.CharField(_("ward"), max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("learning need")
        verbose_name_plural = _("learning needs")
        indexes = [models.Index(fields=["library", "submitted_at"])]

    def __str__(self):
        return f"{self.library_id} · {self.submitted_at:%d/%m/%Y}"


# --- Practice ----------------------------------------------------------------------------


class PracticeSession(models.Model):
    """A practice slot for a course's online learners at a partner centre (e.g. the
    district's continuing-education centre). ``library`` is the centre that runs the
    course and manages the slot; ``host`` is where learners go. Admin: Community
    courses → Practice sessions."""

    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.PROTECT, related_name="practice_sessions"
    )
    library = models.ForeignKey(
        Library, verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    host = models.ForeignKey(Library, verbose_name=_("held at"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("room or place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])
    note = models.CharField(_("note"), max_length=300, blank=True, help_text=_("E.g. bring your smartphone."))

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("practice session")
        verbose_name_plural = _("practice sessions")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="practice_session_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="practice_session_ends_after_start"
            ),
        ]

    def __str__(self):
        start = timezone.localtime(self.starts_at)
        return f"{self.course.title} · {start:%d/%m/%Y %H:%M}"

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The session must end after it starts.")})


class PracticeRegistration(models.Model):
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="registrations")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="practice_registrations")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("practice registration")
        verbose_name_plural = _("practice registrations")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="practice_registration_once"),
        ]

    def __str__(self):
        return f"{self.session_id} · {self.enrolment_id}"


# --- Consent -----------------------------------------------------------------------------


class ConsentRecord(models.Model):
    """Consent given by a resident (Decree 13/2023/NĐ-CP) when joining a course or
    answering the learning-needs survey: the exact text shown (``text``, verbatim, in the
    language it was shown in), its version (``community_courses.consent``) and when. It
    belongs to the enrolment (and so the person) or to the survey answer, which stays
    anonymous: a needs answer's consent names nobody."""

    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    version = models.CharField(_("consent text version"), max_length=20)
    language = models.CharField(_("language"), max_length=10)
    text = models.TextField(_("consent text shown"))
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.CASCADE, related_name="consents")
    learning_need = models.ForeignKey(
        LearningNeed, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reader = models.ForeignKey(
        "lending.Reader", null=True, blank=True, on_delete=models.SET_NULL, related_name="consent_records"
    )

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self):
        return f"{self.get_purpose_display()} · {self.version} · #{self.pk}"
