"""Reads of the catalog: who may open a digital file, and what it is called on download."""

import mimetypes
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from catalog.models import AccessLevel, DigitalFile, DigitalFormat
from library_site.libraries.selectors import user_is_library_staff


@dataclass(frozen=True)
class AccessDecision:
    """``status`` is what the file view answers: 200 (allowed), 302 (sign in first),
    403 (signed in but not allowed) or 404 (withdrawn). ``reason`` is shown to the user."""

    allowed: bool
    reason: str
    status: int


def digital_file_loan_check() -> Callable[..., bool] | None:
    """The digital-loan check named by ``settings.CATALOG_DIGITAL_LOAN_CHECK`` (a dotted
    path to ``f(*, user, digital_file) -> bool``), or None until circulation provides one."""
    path = getattr(settings, "CATALOG_DIGITAL_LOAN_CHECK", None)
    return import_string(path) if path else None


def record_visible_to(*, user, record) -> bool:
    """The one rule for every page that shows a record (the online catalog, the reader's
    title page, a digital file's refusal): library staff see everything; others never see
    a withdrawn or staff-only record, not even its title; readers-only records need a
    signed-in user."""
    user = user or AnonymousUser()
    if user_is_library_staff(user):
        return True
    if record.is_withdrawn or record.access_level == AccessLevel.STAFF:
        return False
    return record.access_level != AccessLevel.READERS or (user.is_authenticated and user.is_active)


def digital_file_access(*, user, digital_file: DigitalFile) -> AccessDecision:
    """May ``user`` (possibly anonymous) open ``digital_file``?

    - a withdrawn record's files are gone (404) for everyone but library staff;
    - library staff may open everything, licensed or not;
    - ``PUBLIC``: anyone; ``READERS``: signed-in users; ``STAFF``: library staff only;
      anonymous users are sent to sign in (302) rather than refused;
    - licensed files (``licence_count`` set) need an active digital loan, checked by
      ``CATALOG_DIGITAL_LOAN_CHECK``; without that check readers are refused.
    """
    user = user or AnonymousUser()
    record = digital_file.record
    is_staff = user_is_library_staff(user)
    signed_in = user.is_authenticated and user.is_active

    if record.is_withdrawn and not is_staff:
        return AccessDecision(False, _("This item has been withdrawn from the catalog."), 404)
    if is_staff:
        return AccessDecision(True, "", 200)
    if record.access_level == AccessLevel.STAFF:
        if not signed_in:
            return AccessDecision(False, _("Sign in as library staff to open this file."), 302)
        # Not found rather than refused: a staff-only record's title stays unknown.
        return AccessDecision(False, _("Only library staff can open this file."), 404)
    if record.access_level == AccessLevel.READERS and not signed_in:
        return AccessDecision(False, _("Sign in to open this file."), 302)
    if digital_file.licence_count is not None:
        if not signed_in:
            return AccessDecision(False, _("Sign in and borrow this item to open it."), 302)
        check = digital_file_loan_check()
        if check is None:
            return AccessDecision(
                False, _("This item is lent digitally; borrowing opens once circulation is available."), 403
            )
        if not check(user=user, digital_file=digital_file):
            return AccessDecision(False, _("This item is lent digitally; borrow it to open it during your loan."), 403)
    return AccessDecision(True, "", 200)


def digital_file_download_name(digital_file: DigitalFile) -> str:
    """A readable file name for saving: "<record title> - <label>.<extension>", in NFC
    with characters that file systems refuse taken out."""
    stem = digital_file.record.title
    if digital_file.label:
        stem = f"{stem} - {digital_file.label}"
    stem = unicodedata.normalize("NFC", stem)
    stem = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", stem)
    stem = " ".join(stem.split()).strip(" .")[:150].strip(" .") or "file"
    return f"{stem}{digital_file_extension(digital_file)}"


def digital_file_extension(digital_file: DigitalFile) -> str:
    extension = os.path.splitext(digital_file.file.name or "")[1].lower() if digital_file.file else ""
    if not extension and digital_file.mime_type:
        extension = mimetypes.guess_extension(digital_file.mime_type) or ""
    return extension


def digital_file_url(digital_file: DigitalFile) -> str:
    """Where readers open the file: the access-checked view, with a readable name for files."""
    if digital_file.format == DigitalFormat.LINK or not digital_file.file:
        return reverse("catalog:digital_file", kwargs={"pk": digital_file.pk})
    return reverse(
        "catalog:digital_file_named",
        kwargs={"pk": digital_file.pk, "filename": digital_file_download_name(digital_file)},
    )
