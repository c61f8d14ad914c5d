"""Background work of lending, run by the task worker (``manage.py db_worker``): printing
a batch of reader cards, and telling a reader at once that their hold is ready.

The selection and card issuing here are shared with ``manage.py print_cards``:

- a class (or the whole library) means its **active** members;
- an explicit list (``CardBatch.membership_ids``, ``print_cards --reader``) means those
  members of the library who have not left, so a lost card can be replaced for a
  suspended reader too;
- members without a valid card (none, revoked, or expired) get one
  (``lending.services.cards.card_issue``) before printing;
- members who have not chosen a password yet get a new one-time activation code, printed
  on slips after the cards (``lending.services.activation``).
"""

import io
import logging
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from django_tasks import task

from lending.card_render import activation_slips_pdf_write, cards_pdf_write, cards_png
from lending.models import (
    Card,
    CardBatch,
    CardRevocation,
    Membership,
    MembershipStatus,
    NoticeKind,
    ReaderCategory,
    RosterSync,
)
from lending.services.activation import activation_slips_issue
from lending.services.cards import card_issue
from lending.services.notices import notices_send
from lending.services.roster import roster_sync
from lending.services.roster_history import roster_upload_file_delete
from library_site.libraries.models import Library

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 1.0


def card_print_memberships(
    *, library: Library, class_name: str = "", membership_ids: Iterable[int] | None = None
) -> QuerySet[Membership]:
    """The memberships to print cards for (see the module docstring), by class then name."""
    memberships = Membership.objects.filter(library=library)
    if membership_ids:
        memberships = memberships.filter(pk__in=list(membership_ids)).exclude(status=MembershipStatus.LEFT)
    else:
        memberships = memberships.filter(status=MembershipStatus.ACTIVE)
    if class_name:
        memberships = memberships.filter(class_name__iexact=class_name.strip())
    return memberships.order_by("class_name", "reader__full_name", "pk")


def card_print_cards(memberships: QuerySet[Membership], *, today=None) -> tuple[list[Card], int]:
    """The valid card of each membership, ready to draw, and how many were issued now for
    members who had none, a revoked one or an expired one."""
    today = today or timezone.localdate()
    current = {
        card.membership_id: card
        for card in Card.objects.filter(membership__in=memberships, revoked_at__isnull=True).only(
            "pk", "membership_id", "valid_until"
        )
    }
    issued = 0
    for membership in memberships.only("pk", "reader_id", "category"):
        card = current.get(membership.pk)
        if card is not None and card.valid_until >= today:
            continue
        reason = (
            CardRevocation.OTHER if membership.category == ReaderCategory.RESIDENT else CardRevocation.NEW_SCHOOL_YEAR
        )
        card_issue(membership=membership, replaces_because=reason)
        issued += 1
    cards = (
        Card.objects.filter(membership__in=memberships, revoked_at__isnull=True)
        .select_related("reader__user", "membership__library__logo", "membership__library__site")
        .order_by("membership__class_name", "reader__full_name", "pk")
    )
    return list(cards), issued


def card_file_name(card: Card) -> str:
    """``<card number>.png``, with characters a file name cannot hold replaced."""
    return card.number.replace("/", "_").replace("\\", "_") + ".png"


def cards_zip_write(
    cards: list[Card], out, *, progress: Callable[[int, int], None] | None = None, slips: Sequence = ()
) -> None:
    """A zip of one PNG per card (stored: PNGs are compressed already), and the
    activation slips as ``activation-slips.pdf`` when there are any."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for done, (card, png) in enumerate(cards_png(cards), start=1):
            archive.writestr(card_file_name(card), png)
            if progress:
                progress(done, len(cards))
        if slips:
            buffer = io.BytesIO()
            activation_slips_pdf_write(slips, buffer)
            archive.writestr("activation-slips.pdf", buffer.getvalue())


@task()
def card_batch_run(batch_id: int) -> str:
    """Draw the cards of a ``CardBatch`` into a PDF or a zip of PNGs in ``batch.file``,
    recording progress on the batch row so the admin page can show it."""
    batch = CardBatch.objects.select_related("library").get(pk=batch_id)
    batches = CardBatch.objects.filter(pk=batch_id)
    batches.update(status=CardBatch.Status.RUNNING, processed=0, total=0, error="")
    last_update = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last_update
        now = time.monotonic()
        if now - last_update >= PROGRESS_SECONDS or done == total:
            batches.update(processed=done, total=total)
            last_update = now

    try:
        memberships = card_print_memberships(
            library=batch.library, class_name=batch.class_name, membership_ids=batch.membership_ids or None
        )
        cards, _issued = card_print_cards(memberships)
        if not cards:
            raise ValueError(gettext("No member to print a card for: check the class or the selected members."))
        batches.update(total=len(cards))
        scope = batch.class_name or ("selected" if batch.membership_ids else "all")
        extension = "pdf" if batch.format == "pdf" else "zip"
        name = f"cards-{batch.library.code}-{scope}-{batch.pk}.{extension}"
        with tempfile.TemporaryFile() as spool:
            # Readers without a password of their own get a new activation code, printed
            # on slips after the cards (lending.services.activation).
            slips = activation_slips_issue(cards=cards)
            if batch.format == "pdf":
                cards_pdf_write(cards, spool, progress=progress, slips=slips)
            else:
                cards_zip_write(cards, spool, progress=progress, slips=slips)
            spool.seek(0)
            batch.file.save(name, File(spool, name=name), save=False)
    except Exception as exc:  # the batch row must say what went wrong, whatever it was
        logger.exception("Card batch %s failed", batch_id)
        batches.update(status=CardBatch.Status.FAILED, error=str(exc), finished_at=timezone.now())
        return CardBatch.Status.FAILED
    batches.update(
        status=CardBatch.Status.DONE,
        file=batch.file.name,
        processed=len(cards),
        total=len(cards),
        finished_at=timezone.now(),
    )
    return CardBatch.Status.DONE


@task()
def hold_ready_notices_send() -> int:
    """Email hold-ready notices now (queued when a copy goes to the hold shelf) rather
    than at the next ``circulation_daily``; the daily run would find them already sent."""
    return notices_send(kinds=[NoticeKind.HOLD_READY])[NoticeKind.HOLD_READY]


@task()
def roster_sync_run(sync_id: int) -> str:
    """Preview (an ``UPLOADED`` sync: read and compare, write nothing) or apply (an
    ``APPLYING`` sync, confirmed by the librarian) the uploaded roster of a ``RosterSync``,
    recording progress on its row so the admin page can show it. Reading a large or
    hostile spreadsheet happens here, never in a web request. The file is deleted once the
    sync is applied or fails, and as soon as a preview finds errors (it cannot be applied)."""

    sync = RosterSync.objects.select_related("library", "user").get(pk=sync_id)
    rows = RosterSync.objects.filter(pk=sync_id)
    apply = sync.status == RosterSync.Status.APPLYING
    if not apply and not rows.filter(status=RosterSync.Status.UPLOADED).update(
        status=RosterSync.Status.PREVIEWING, processed=0, error=""
    ):
        return sync.status  # cancelled, abandoned or already previewed meanwhile

    def progress(done: int, total: int) -> None:
        rows.update(processed=done, total=total)

    try:
        with sync.file.open("rb") as handle:
            data = handle.read()
        report = roster_sync(
            library=sync.library,
            data=data,
            school_year=sync.school_year,
            local_ids=sync.local_ids,
            full=sync.full,
            dry_run=not apply,
            confirm_leaves=sync.confirmed_leaves,
            user=sync.user,
            record=sync if apply else None,
            progress=progress,
        )
    except Exception as exc:  # the row must say what went wrong, whatever it was
        if not isinstance(exc, ValidationError):
            logger.exception("Roster sync %s failed", sync_id)
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        rows.exclude(status__in=[RosterSync.Status.CANCELLED, RosterSync.Status.EXPIRED]).update(
            status=RosterSync.Status.FAILED, error=message, finished_at=timezone.now()
        )
        roster_upload_file_delete(sync=sync)
        return RosterSync.Status.FAILED
    if apply:
        roster_upload_file_delete(sync=sync)
        return RosterSync.Status.APPLIED
    rows.filter(status=RosterSync.Status.PREVIEWING).update(
        status=RosterSync.Status.PREVIEWED,
        report=report.as_dict(),
        processed=report.total,
        total=report.total,
    )
    if report.errors:
        roster_upload_file_delete(sync=sync)
    return RosterSync.Status.PREVIEWED
