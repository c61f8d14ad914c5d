"""Readers, their memberships of libraries, and their cards.

- ``Reader`` — one person, one identity. Identified by an ID *within its issuing
  authority*: the education sector database (national student and staff IDs, issuer
  ``moet``) or, for a local number, the library that issued it (issuer = library code).
  A student who is also a resident at a ward centre keeps one Reader with two
  memberships. A reader may have a user account (``user``) to sign in with the ID.
- ``Membership`` — the reader at one library: category (student, teacher/staff,
  resident), class and school year for students, status (active, suspended, left) and,
  for residents, the consent record Decree 13/2023/NĐ-CP asks for.
- ``Card`` — a printed reader card of one membership. Serials count up per reader; a
  new card (lost, damaged, new school year) revokes the previous one, so the old QR code
  is refused when scanned.

Personal data is kept to what circulation needs: no gender, no address; after the
retention period a reader who left is anonymised (``reader_anonymise``).
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from wagtail.models import BaseLogEntry, BaseLogEntryManager
from wagtail.permissions import policy_registry

from catalog.models import private_storage
from library_site.libraries.models import BackgroundJob, Library, TimestampedModel

NATIONAL_ISSUER = "moet"


class ReaderCategory(models.TextChoices):
    STUDENT = "student", _("Student")
    STAFF = "staff", _("Teacher or staff")
    RESIDENT = "resident", _("Resident")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left")


id_number_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9\-./]{0,63}$", _("An ID has letters without diacritics, digits, and - . / only.")
)


class Reader(TimestampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reader"
    )
    id_issuer = models.CharField(
        _("ID issued by"),
        max_length=40,
        default=NATIONAL_ISSUER,
        help_text=_("“moet” for the education sector database (national IDs), else the code of the issuing library."),
    )
    id_number = models.CharField(_("student or staff ID"), max_length=64, validators=[id_number_validator])
    full_name = models.CharField(_("full name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    photo = models.ImageField(_("photo"), storage=private_storage, upload_to="readers/", blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # The one-time activation code a reader signs in with before choosing a password
    # (``lending.services.activation``): only its keyed hash is kept; the code itself is
    # printed once, on the activation slips of a card batch or a single slip.
    activation_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    activation_code_issued_at = models.DateTimeField(
        _("activation code issued at"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["full_name", "pk"]
        verbose_name = _("reader")
        verbose_name_plural = _("readers")
        constraints = [models.UniqueConstraint(fields=["id_issuer", "id_number"], name="reader_unique_id_per_issuer")]

    def __str__(self):
        return f"{self.full_name} ({self.display_id})"

    @property
    def display_id(self) -> str:
        """The ID as printed and typed: national IDs alone, local ones with their issuer."""
        return self.id_number if self.id_issuer == NATIONAL_ISSUER else f"{self.id_issuer}:{self.id_number}"


class Membership(TimestampedModel):
    reader = models.ForeignKey(Reader, verbose_name=_("reader"), on_delete=models.CASCADE, related_name="memberships")
    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="memberships"
    )
    category = models.CharField(_("category"), max_length=10, choices=ReaderCategory.choices)
    class_name = models.CharField(_("class"), max_length=20, blank=True, help_text=_("E.g. 7A3."))
    school_year = models.CharField(_("school year"), max_length=9, blank=True, help_text=_("E.g. 2025-2026."))
    status = models.CharField(
        _("status"), max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=20, blank=True)
    consent_given_by = models.CharField(
        _("consent given by"),
        max_length=200,
        blank=True,
        help_text=_("The reader, or the parent or guardian of a child."),
    )

    class Meta:
        ordering = ["library", "class_name", "reader__full_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["reader", "library"], name="membership_unique_per_library")]
        indexes = [models.Index(fields=["library", "status", "class_name"])]

    def __str__(self):
        return f"{self.reader.full_name} · {self.library.short_name}"

    def save(self, *args, **kwargs):
        # Whatever marks a member as left (the admin form, the roster, a service), the
        # leaving date is what starts the retention period: without it the reader would
        # never be anonymised. A member who comes back has no leaving date.
        # ``_left_just_now`` tells the post-save receiver to revoke the member's cards.
        self._left_just_now = False
        if self.status == MembershipStatus.LEFT:
            self._left_just_now = (
                self._state.adding
                or Membership.objects.filter(pk=self.pk).exclude(status=MembershipStatus.LEFT).exists()
            )
            if self.left_on is None:
                self.left_on = timezone.localdate()
        else:
            self.left_on = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "left_on"}
        super().save(*args, **kwargs)


class CardRevocation(models.TextChoices):
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")
    NEW_SCHOOL_YEAR = "new_school_year", _("New school year")
    LEFT = "left", _("Reader left")
    OTHER = "other", _("Other")


class Card(models.Model):
    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="cards"
    )
    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="cards", editable=False)
    serial = models.PositiveIntegerField(_("serial"))
    # issuer (40) + ID (64) + serial, with separators: room for the longest IDs.
    number = models.CharField(_("card number"), max_length=120, unique=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    valid_until = models.DateField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("revoked because"), max_length=20, choices=CardRevocation.choices, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("reader card")
        verbose_name_plural = _("reader cards")
        constraints = [
            models.UniqueConstraint(fields=["reader", "serial"], name="card_unique_serial_per_reader"),
            models.UniqueConstraint(
                fields=["membership"], condition=models.Q(revoked_at__isnull=True), name="card_one_valid_per_membership"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PersonalDataLogEntryManager(BaseLogEntryManager):
    """Log entries about readers and their memberships, cards, loans and holds.

    Wagtail labels a log entry with ``str(instance)`` (a reader's name and ID) and lets
    everyone with a model permission read every entry in *Site history*. Here the label
    never holds personal data, and staff read only the entries of objects they may view
    (``lending.permissions``): the log outlives the data it is about (Decree 13/2023)."""

    def get_instance_title(self, instance):
        return personal_data_log_label(instance._meta, instance.pk)

    def log_action(self, instance, action, **kwargs):
        kwargs.update(object_id=str(instance.pk))
        kwargs.pop("title", None)
        return super().log_action(instance, action, **kwargs)

    def for_instance(self, instance):
        return self.filter(
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
            object_id=str(instance.pk),
        )

    def viewable_by_user(self, user):
        if user.is_superuser:
            return self.all()
        visible = models.Q(pk__in=[])
        for model in personal_data_models():
            policy = policy_registry.get_by_type(model)
            if not policy.user_has_any_permission(user, ["view", "change"]):
                continue
            ids = (
                policy.instances_user_has_permission_for(user, "view")
                .annotate(pk_text=Cast("pk", models.CharField()))
                .values("pk_text")
            )
            visible |= models.Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
        return self.filter(visible)


def personal_data_log_label(opts, pk) -> str:
    return f"{capfirst(opts.verbose_name)} #{pk}"


class PersonalDataLogEntry(BaseLogEntry):
    """The admin history of a personal-data object (see ``PersonalDataLogEntryManager``)."""

    object_id = models.CharField(max_length=255, db_index=True)

    objects = PersonalDataLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("personal data log entry")
        verbose_name_plural = _("personal data log entries")

    def __str__(self):
        return f"PersonalDataLogEntry {self.pk}: {self.action} on {self.object_verbose_name} {self.object_id}"


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved: personal data erased")
    REFUSED = "refused", _("Refused")


class ErasureRequest(models.Model):
    """A reader's request to erase their personal data (Decree 13/2023/NĐ-CP), made from
    their account and decided by the staff of a library where they are a member. Approval
    runs ``reader_anonymise`` (statistics kept); a refusal carries a note the reader reads.
    One pending request per reader (a partial unique constraint). The row stays as the
    record that the request was made and decided; its free-text reason is cleared on
    approval."""

    reader = models.ForeignKey(
        Reader, verbose_name=_("reader"), on_delete=models.CASCADE, related_name="erasure_requests"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    staff_note = models.TextField(_("note from the library"), blank=True, max_length=1000)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["reader"],
                condition=models.Q(status="pending"),
                name="erasure_request_one_pending_per_reader",
            )
        ]

    def __str__(self):
        # Never the reader's name: the label of admin log entries and breadcrumbs.
        return personal_data_log_label(self._meta, self.pk)


class CardBatch(BackgroundJob):
    """A batch of cards printed from the admin: runs in the task worker, records progress,
    and keeps the resulting PDF (or zip of PNGs) in private storage for download during
    ``CARD_BATCH_KEEP_DAYS`` (``card_batches_purge``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    library = models.ForeignKey(Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    class_name = models.CharField(_("class"), max_length=20, blank=True)
    membership_ids = models.JSONField(default=list, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=[("pdf", "PDF"), ("png", "PNG (zip)")], default="pdf")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(storage=private_storage, upload_to="cards/%Y/%m/", blank=True)
    # The file (a whole class's names, IDs and photos) is deleted after CARD_BATCH_KEEP_DAYS;
    # the row stays as the record of who printed which class when.
    file_deleted_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("card batch")
        verbose_name_plural = _("card batches")

    def __str__(self):
        return f"{self.library.short_name} {self.class_name or ''} ({self.get_status_display()})"


class LoanRule(models.Model):
    """How long and how much a category of reader may borrow of a kind of material at a
    library. Empty ``material_kind`` is the library's default for the category; the most
    specific rule wins (see ``lending.services.circulation.loan_rule_for``)."""

    library = models.ForeignKey(Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="loan_rules")
    category = models.CharField(_("reader category"), max_length=10, choices=ReaderCategory.choices)
    material_kind = models.CharField(_("material kind"), max_length=24, blank=True)
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=14)
    max_loans = models.PositiveSmallIntegerField(_("loans at once"), default=3)
    max_renewals = models.PositiveSmallIntegerField(_("renewals"), default=1)
    hold_pickup_days = models.PositiveSmallIntegerField(_("hold pickup window (days)"), default=3)

    class Meta:
        verbose_name = _("loan rule")
        verbose_name_plural = _("loan rules")
        constraints = [
            models.UniqueConstraint(fields=["library", "category", "material_kind"], name="loan_rule_unique")
        ]

    def __str__(self):
        return f"{self.library.short_name} · {self.get_category_display()} · {self.material_kind or '*'}"


class ClosedDay(models.Model):
    """A day the library is closed (holiday, Tết): due dates move to the next open day."""

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [models.UniqueConstraint(fields=["library", "date"], name="closed_day_unique")]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.reason}"


class LoanEnd(models.TextChoices):
    RETURNED = "returned", _("Returned")
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Returned damaged")


class Loan(models.Model):
    """A physical copy lent to a reader. At most one open loan per copy (a partial unique
    constraint), so two desks can never lend the same copy twice. ``ended_as`` says how
    it ended: returned, returned damaged, or the copy was lost."""

    # Listed in the admin as a snippet, but nothing references a loan: skip Wagtail's
    # reference index (a background task per checkout otherwise).
    wagtail_reference_index_ignore = True

    copy = models.ForeignKey("catalog.Copy", verbose_name=_("copy"), on_delete=models.PROTECT, related_name="loans")
    membership = models.ForeignKey(
        Membership, verbose_name=_("member"), null=True, on_delete=models.PROTECT, related_name="loans"
    )
    # Kept when the history is anonymised (membership cleared), so statistics still count
    # loans by category without knowing who borrowed.
    reader_category = models.CharField(_("reader category"), max_length=10, choices=ReaderCategory.choices)
    library = models.ForeignKey(Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="loans")
    borrowed_at = models.DateTimeField(_("borrowed at"), auto_now_add=True)
    due_on = models.DateField(_("due on"))
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    ended_as = models.CharField(_("ended as"), max_length=10, choices=LoanEnd.choices, blank=True)
    returned_at_kiosk = models.CharField(
        _("returned at kiosk"),
        max_length=60,
        blank=True,
        help_text=_("The self-service kiosk where the reader returned the copy; empty for returns at the desk."),
    )

    class Meta:
        ordering = ["-borrowed_at"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            models.UniqueConstraint(
                fields=["copy"], condition=models.Q(returned_at__isnull=True), name="loan_one_open_per_copy"
            )
        ]
        indexes = [models.Index(fields=["membership", "returned_at"]), models.Index(fields=["due_on"])]

    def __str__(self):
        return f"{self.copy.barcode} → {self.membership.reader.full_name if self.membership else '—'}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class HoldStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    READY = "ready", _("Ready for pickup")
    COLLECTED = "collected", _("Collected")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


HOLD_OPEN = [HoldStatus.WAITING, HoldStatus.READY]


class Hold(models.Model):
    """A reader's reservation of a record (any copy) at a pickup library. First come,
    first served: the oldest waiting hold gets the next copy of the pickup library that
    comes back, which then waits on the hold shelf (``copy``, status READY) until
    ``expires_on``; uncollected, it passes to the next reader.

    ``membership`` is the reader at the pickup library; it is cleared when the history is
    anonymised (``reader_category`` keeps the count by category)."""

    wagtail_reference_index_ignore = True  # see Loan

    record = models.ForeignKey(
        "catalog.Record", verbose_name=_("record"), on_delete=models.PROTECT, related_name="holds"
    )
    membership = models.ForeignKey(
        Membership, verbose_name=_("member"), null=True, on_delete=models.PROTECT, related_name="holds"
    )
    reader_category = models.CharField(_("reader category"), max_length=10, choices=ReaderCategory.choices)
    pickup_library = models.ForeignKey(
        Library, verbose_name=_("pickup library"), on_delete=models.PROTECT, related_name="holds"
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.WAITING)
    copy = models.ForeignKey(
        "catalog.Copy",
        verbose_name=_("copy on the hold shelf"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holds",
    )
    ready_at = models.DateTimeField(_("ready since"), null=True, blank=True)
    expires_on = models.DateField(_("collect by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["placed_at", "pk"]
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "record"],
                condition=models.Q(status__in=HOLD_OPEN),
                name="hold_one_open_per_member_and_record",
            ),
            models.UniqueConstraint(
                fields=["copy"], condition=models.Q(status=HoldStatus.READY), name="hold_one_ready_per_copy"
            ),
        ]
        indexes = [models.Index(fields=["record", "pickup_library", "status", "placed_at"])]

    def __str__(self):
        return f"{self.record} · {self.get_status_display()}"


class DigitalLoan(models.Model):
    """A licensed digital file lent to a reader until ``expires_at``: access ends by
    itself then (``digital_loan_check`` compares the time), no job needed. A reader may
    give it back early (``returned_at``). Active loans never outnumber the file's
    licences: the file's row is locked while a loan is created."""

    digital_file = models.ForeignKey(
        "catalog.DigitalFile", verbose_name=_("digital file"), on_delete=models.PROTECT, related_name="loans"
    )
    membership = models.ForeignKey(
        Membership, verbose_name=_("member"), null=True, on_delete=models.PROTECT, related_name="digital_loans"
    )
    reader_category = models.CharField(_("reader category"), max_length=10, choices=ReaderCategory.choices)
    borrowed_at = models.DateTimeField(_("borrowed at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("access until"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        ordering = ["-borrowed_at"]
        verbose_name = _("digital loan")
        verbose_name_plural = _("digital loans")
        indexes = [
            models.Index(fields=["digital_file", "returned_at", "expires_at"]),
            models.Index(fields=["membership", "returned_at", "expires_at"]),
        ]

    def __str__(self):
        return f"{self.digital_file} → {self.membership}"


class DigitalHold(models.Model):
    """A place in the queue for a licensed digital file whose licences are all lent.
    A reader's position is the number of waiting holds placed before theirs, plus one;
    they may borrow once their position is within the free licences. ``ready_since`` is
    set when that happens (and the reader is told); unused within the pickup window, the
    hold expires and the next reader moves up."""

    digital_file = models.ForeignKey(
        "catalog.DigitalFile", verbose_name=_("digital file"), on_delete=models.PROTECT, related_name="holds"
    )
    membership = models.ForeignKey(
        Membership, verbose_name=_("member"), null=True, on_delete=models.PROTECT, related_name="digital_holds"
    )
    reader_category = models.CharField(_("reader category"), max_length=10, choices=ReaderCategory.choices)
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.WAITING)
    ready_since = models.DateTimeField(_("ready since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["placed_at", "pk"]
        verbose_name = _("digital hold")
        verbose_name_plural = _("digital holds")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "digital_file"],
                condition=models.Q(status=HoldStatus.WAITING),
                name="digital_hold_one_waiting_per_member",
            )
        ]
        indexes = [models.Index(fields=["digital_file", "status", "placed_at"])]

    def __str__(self):
        return f"{self.digital_file} · {self.get_status_display()}"


class NoticeKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    HOLD_READY = "hold_ready", _("Hold ready for pickup")
    DIGITAL_HOLD_READY = "digital_ready", _("Digital item ready to borrow")


class Notice(models.Model):
    """One email sent to a reader. ``key`` names what it was about (kind, object and the
    date it concerns), unique, so the daily command can run again without sending twice."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    reader = models.ForeignKey(Reader, null=True, on_delete=models.SET_NULL, related_name="notices")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self):
        return self.key


class RosterSync(BackgroundJob):
    """One roster upload from the admin (or one ``import_roster`` run) and what became of
    it. The admin's upload is a job of the task worker: the file waits in private storage
    (``file``) while the worker previews it, then applies it once the librarian confirms;
    the file is deleted as soon as the sync is applied, fails, is cancelled or is abandoned
    (``purge_roster_uploads``). ``report`` holds the preview's counts and changes (the
    changes are dropped once the upload is no longer pending, see ``roster_uploads_purge``).

    An applied sync keeps in ``leaves`` what its leaves undid — for each membership it
    marked as left: its id, its status before and the ids of the cards it revoked; ids
    only, never a copy of personal data — so ``roster_sync_undo`` can reverse them for
    ``ROSTER_UNDO_DAYS``. Listed on the *Roster import* admin screen."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PREVIEWING = "previewing", _("Preview running")
        PREVIEWED = "previewed", _("Preview ready")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Abandoned")

    PENDING = (Status.UPLOADED, Status.PREVIEWING, Status.PREVIEWED, Status.APPLYING)

    library = models.ForeignKey(Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    file = models.FileField(storage=private_storage, upload_to="rosters/%Y/%m/", blank=True)
    school_year = models.CharField(_("school year"), max_length=9, blank=True)
    local_ids = models.BooleanField(default=False)
    full = models.BooleanField(_("full roster of the school year"), default=False)
    confirmed_leaves = models.PositiveIntegerField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)
    leaves = models.JSONField(default=list, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("leaves undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(BackgroundJob.Meta):
        verbose_name = _("roster sync")
        verbose_name_plural = _("roster syncs")

    def __str__(self):
        return f"{self.library.short_name} {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.UPLOADED, self.Status.PREVIEWING, self.Status.APPLYING}


def personal_data_models() -> tuple:
    """Models holding a reader's personal data: their admin views are scoped by library
    (``lending.permissions``) and their admin log entries are ``PersonalDataLogEntry`` rows."""
    return (Reader, Membership, Card, Loan, Hold, ErasureRequest)
