"""Email notices to readers: loans due soon, overdue loans, holds ready for pickup and
digital items ready to borrow.

``notices_send`` is run by the daily command and can run again (or twice at once) without
sending anything twice: each item of a notice is a ``Notice`` row with a unique key that
names what it is about and the date it concerns (a renewed loan has a new due date, so it
is reminded again). The rows are written in the same transaction as the email is sent:
if sending fails, no row remains and the next run tries again. One email per reader and
kind lists all of that reader's items."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lending.models import DigitalHold, Hold, HoldStatus, Loan, Notice, NoticeKind, Reader


@dataclass(frozen=True)
class NoticeItem:
    key: str
    title: str
    detail: str  # barcode, library, date — what the reader needs to act


def _loan_items(loans, kind: str, detail: str):
    """(reader, item) of each open loan: ``detail`` is a message with the copy's barcode,
    library and due date."""
    for loan in loans.filter(returned_at__isnull=True).select_related("copy__record", "library", "membership__reader"):
        values = {"barcode": loan.copy.barcode, "library": loan.library.short_name, "date": f"{loan.due_on:%d/%m/%Y}"}
        key = f"{kind}:{loan.pk}:{loan.due_on.isoformat()}"
        yield loan.membership.reader, NoticeItem(key, loan.copy.record.title, detail % values)


def _due_soon(today: datetime.date):
    horizon = today + datetime.timedelta(days=settings.NOTICE_DUE_SOON_DAYS)
    loans = Loan.objects.filter(due_on__gte=today, due_on__lte=horizon)
    return _loan_items(loans, NoticeKind.DUE_SOON, _("copy %(barcode)s, %(library)s, due %(date)s"))


def _overdue(today: datetime.date):
    loans = Loan.objects.filter(due_on__lt=today)
    return _loan_items(loans, NoticeKind.OVERDUE, _("copy %(barcode)s, %(library)s, was due %(date)s"))


def _holds_ready(today: datetime.date):
    holds = Hold.objects.filter(status=HoldStatus.READY, expires_on__gte=today)
    for hold in holds.select_related("record", "pickup_library", "membership__reader"):
        yield (
            hold.membership.reader,
            NoticeItem(
                f"hold_ready:{hold.pk}:{hold.ready_at:%Y%m%d%H%M%S}",
                hold.record.title,
                _("on the hold shelf at %(library)s until %(date)s")
                % {"library": hold.pickup_library.short_name, "date": f"{hold.expires_on:%d/%m/%Y}"},
            ),
        )


def _digital_ready(today: datetime.date):
    holds = DigitalHold.objects.filter(status=HoldStatus.WAITING, ready_since__isnull=False)
    for hold in holds.select_related("digital_file__record", "membership__reader"):
        yield (
            hold.membership.reader,
            NoticeItem(
                f"digital_ready:{hold.pk}:{hold.ready_since:%Y%m%d%H%M%S}",
                hold.digital_file.record.title,
                _("a licence is free: borrow it from your reader page"),
            ),
        )


KEY_BATCH = 500

SOURCES = {
    NoticeKind.DUE_SOON: _due_soon,
    NoticeKind.OVERDUE: _overdue,
    NoticeKind.HOLD_READY: _holds_ready,
    NoticeKind.DIGITAL_HOLD_READY: _digital_ready,
}

SUBJECTS = {
    NoticeKind.DUE_SOON: gettext_noop("Your loans are due soon"),
    NoticeKind.OVERDUE: gettext_noop("Your loans are overdue"),
    NoticeKind.HOLD_READY: gettext_noop("Your hold is ready for pickup"),
    NoticeKind.DIGITAL_HOLD_READY: gettext_noop("A digital item you waited for is ready to borrow"),
}


def notices_send(*, today: datetime.date | None = None, kinds: list[str] | None = None) -> Counter:
    """Send every notice that is due and was not sent before, in the site's language.
    Returns counts of emails per kind, plus ``no_email`` for readers who could not be told
    (they are told once an address is recorded)."""
    today = today or timezone.localdate()
    sent = Counter()
    with translation.override(settings.LANGUAGE_CODE):
        for kind, source in SOURCES.items():
            if kinds is not None and kind not in kinds:
                continue
            candidates = [(reader, item) for reader, item in source(today) if not reader.anonymised_at]
            keys = [item.key for _reader, item in candidates]
            already = set()
            for start in range(0, len(keys), KEY_BATCH):  # SQLite caps the parameters of one query
                batch = keys[start : start + KEY_BATCH]
                already.update(Notice.objects.filter(key__in=batch).values_list("key", flat=True))
            pending: dict[Reader, list[NoticeItem]] = defaultdict(list)
            for reader, item in candidates:
                if item.key not in already:
                    pending[reader].append(item)
            for reader, items in pending.items():
                if not reader.email:
                    sent["no_email"] += 1
                elif _send(reader=reader, kind=kind, items=items):
                    sent[kind] += 1
    return sent


def _send(*, reader: Reader, kind: str, items: list[NoticeItem]) -> bool:
    """Record and send one email; False when another run sent it first."""
    try:
        with transaction.atomic():
            Notice.objects.bulk_create([Notice(key=item.key, kind=kind, reader=reader) for item in items])
            body = render_to_string(
                "lending/email/notice.txt",
                {
                    "reader": reader,
                    "kind": kind,
                    "items": items,
                    "page_url": settings.WAGTAILADMIN_BASE_URL + reverse("reader:loans"),
                },
            )
            subject = _(SUBJECTS[kind])
            EmailMessage(subject=subject, body=body, to=[reader.email]).send()
    except IntegrityError:
        return False
    return True
