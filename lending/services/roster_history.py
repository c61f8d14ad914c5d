"""What happens to a roster sync after it is uploaded: its file is deleted once it is no
longer needed (applied, failed, cancelled or abandoned), and an applied sync's leaves can
be undone for ``ROSTER_UNDO_DAYS``.

The uploaded file is a school's whole list of children (names, IDs, dates of birth): it
stays in private storage only while the upload waits for its preview and the librarian's
confirmation, and the preview's list of changes goes with it a day later
(``ROSTER_UPLOAD_KEEP_HOURS``); what remains are counts and, for the undo, membership and
card ids (``RosterSync.leaves``).
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lending.models import Card, CardRevocation, Membership, MembershipStatus, RosterSync


def roster_upload_file_delete(*, sync: RosterSync) -> None:
    """Delete the uploaded file of ``sync`` from storage (if it is still there)."""
    if sync.file:
        sync.file.storage.delete(sync.file.name)
        sync.file = ""
        RosterSync.objects.filter(pk=sync.pk).update(file="")


def roster_upload_cancel(*, sync: RosterSync) -> bool:
    """Drop an upload that was not applied: its file and its list of changes go. False
    when the sync is no longer waiting (being applied, or finished)."""
    waiting = RosterSync.objects.filter(
        pk=sync.pk, status__in=[RosterSync.Status.UPLOADED, RosterSync.Status.PREVIEWING, RosterSync.Status.PREVIEWED]
    )
    if not waiting.update(status=RosterSync.Status.CANCELLED, finished_at=timezone.now()):
        return False
    sync.refresh_from_db()
    sync.report.pop("changes", None)
    RosterSync.objects.filter(pk=sync.pk).update(report=sync.report)
    roster_upload_file_delete(sync=sync)
    return True


def roster_uploads_purge(*, now: datetime.datetime | None = None) -> int:
    """Uploads older than ``ROSTER_UPLOAD_KEEP_HOURS``: those still pending are abandoned
    (their file deleted), and no sync keeps its list of changes (names) past then.
    Returns how many files were deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.ROSTER_UPLOAD_KEEP_HOURS)
    stale = RosterSync.objects.filter(created_at__lt=cutoff)
    stale.filter(status__in=RosterSync.PENDING).update(status=RosterSync.Status.EXPIRED, finished_at=timezone.now())
    deleted = 0
    for sync in stale.exclude(file=""):
        roster_upload_file_delete(sync=sync)
        deleted += 1
    for sync in stale.filter(report__has_key="changes"):
        sync.report.pop("changes")
        RosterSync.objects.filter(pk=sync.pk).update(report=sync.report)
    return deleted


def roster_sync_undo_until(*, sync: RosterSync) -> datetime.datetime | None:
    """The last moment the leaves of ``sync`` can be undone, or None if they never can
    (not applied, nobody left, or undone already)."""
    if sync.status != RosterSync.Status.APPLIED or not sync.leaves or sync.undone_at or not sync.applied_at:
        return None
    return sync.applied_at + datetime.timedelta(days=settings.ROSTER_UNDO_DAYS)


def roster_sync_undoable(*, sync: RosterSync, now: datetime.datetime | None = None) -> bool:
    until = roster_sync_undo_until(sync=sync)
    return until is not None and (now or timezone.now()) <= until


@transaction.atomic
def roster_sync_undo(
    *, sync: RosterSync, user: AbstractBaseUser | None = None, now: datetime.datetime | None = None
) -> int:
    """Reverse the leaves of an applied sync: each membership it marked as left gets its
    previous status back (``left_on`` cleared) and the card the sync revoked works again —
    the same card, so the student's printed card needs no reprint. A membership that is
    no longer left (back on a later roster, or set by hand) or that has a valid card of
    its own since is left as it is. Once only, within ``ROSTER_UNDO_DAYS``. Returns how
    many members were restored."""
    now = now or timezone.now()
    # The row lock makes a second click (or a second librarian) wait, then find the
    # sync undone already, instead of undoing it twice.
    sync = RosterSync.objects.select_for_update().get(pk=sync.pk)
    if sync.undone_at:
        raise ValidationError(_("The leaves of this roster sync were undone already."), code="undone")
    if sync.status != RosterSync.Status.APPLIED or not sync.leaves:
        raise ValidationError(_("This roster sync marked nobody as left: there is nothing to undo."), code="nothing")
    if not roster_sync_undoable(sync=sync, now=now):
        raise ValidationError(
            _("The leaves of a roster sync can be undone for %(days)d days only.")
            % {"days": settings.ROSTER_UNDO_DAYS},
            code="too_late",
        )
    by_id = {leave["membership"]: leave for leave in sync.leaves}
    memberships = Membership.objects.select_for_update().filter(library=sync.library, pk__in=list(by_id))
    restored = 0
    for membership in memberships:
        if membership.status != MembershipStatus.LEFT:
            continue
        leave = by_id[membership.pk]
        membership.status = leave["status"]
        membership.left_on = None
        membership.save(update_fields=["status", "left_on", "updated_at"])
        if not membership.cards.filter(revoked_at__isnull=True).exists():
            # At most one: a membership has one valid card at a time.
            Card.objects.filter(
                pk__in=leave["cards"][:1], membership=membership, revoked_reason=CardRevocation.LEFT
            ).update(revoked_at=None, revoked_reason="")
        restored += 1
    sync.undone_at = now
    sync.undone_by = user
    sync.save(update_fields=["undone_at", "undone_by"])
    return restored
