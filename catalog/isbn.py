"""ISBN normalisation and checksum validation (ISBN-10 is stored as ISBN-13)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-–‐.]")


def _isbn10_valid(digits: str) -> bool:
    total = sum((10 - i) * (10 if ch in "Xx" else int(ch)) for i, ch in enumerate(digits))
    return total % 11 == 0


def _isbn13_check_digit(first12: str) -> str:
    total = sum(int(ch) * (1 if i % 2 == 0 else 3) for i, ch in enumerate(first12))
    return str((10 - total % 10) % 10)


def isbn_normalise(value: str) -> str:
    """Return the ISBN-13 for an ISBN-10 or ISBN-13 with any separators.

    Raises ``ValidationError`` with a reason a librarian understands."""
    raw = _SEPARATORS.sub("", value or "").upper()
    if raw.startswith("ISBN"):
        raw = raw[4:].lstrip(":")
    if len(raw) == 10 and re.fullmatch(r"\d{9}[\dX]", raw):
        if not _isbn10_valid(raw):
            raise ValidationError(_("ISBN %(isbn)s has a wrong check digit."), params={"isbn": value})
        body = "978" + raw[:9]
        return body + _isbn13_check_digit(body)
    if len(raw) == 13 and raw.isdigit():
        if not raw.startswith(("978", "979")):
            raise ValidationError(_("ISBN %(isbn)s must start with 978 or 979."), params={"isbn": value})
        if _isbn13_check_digit(raw[:12]) != raw[12]:
            raise ValidationError(_("ISBN %(isbn)s has a wrong check digit."), params={"isbn": value})
        return raw
    raise ValidationError(_("%(isbn)s is not an ISBN: expected 10 or 13 digits."), params={"isbn": value})
