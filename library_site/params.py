"""Whole numbers from a request: ids, pages, years, limits, byte offsets.

``int()`` is the wrong parser for what a browser or a script sends: it accepts digits of
any script (``"١٢"`` is 12), ``str.isdigit()`` is true for ``"²"`` that ``int()`` then
refuses, and 5,000 digits raise (Python's integer string limit) or overflow the database's
bigint. ``parse_number`` accepts ASCII digits only, at most ``MAX_DIGITS`` of them, within
the bounds given, and raises ``BadParameter`` with a message naming the parameter
otherwise. ``BadParameter`` is a ``django.core.exceptions.BadRequest`` and a
``ValidationError``: a view may let it propagate (``library_site.middleware`` answers 400
with the message, JSON for JSON requests), or catch it as either."""

from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext as _

MAX_DIGITS = 18  # fits a signed 64-bit integer (PostgreSQL bigint, SQLite INTEGER)
MAX_ID = 10**MAX_DIGITS - 1


class BadParameter(ValidationError, BadRequest):
    """A request parameter we cannot use; ``name`` is the parameter, ``message`` says why."""

    def __init__(self, name: str, message: str):
        super().__init__(message, code=name)
        self.name = name


def is_ascii_number(value) -> bool:
    """Whether ``value`` is a non-empty string of ASCII digits (no sign, no spaces)."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def looks_like_number(value) -> bool:
    """Whether ``value`` is written with digits only, of any script (``"²"``, ``"١٢"``):
    a parameter that takes an id or a code reads such a value as an id, and
    ``parse_number`` refuses the ones that are not ASCII."""
    return isinstance(value, str) and value.isdigit()


def parse_number(value, *, name: str, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """``value`` (a string of ASCII digits, surrounding spaces allowed, or an int from
    JSON) as an int between ``minimum`` (0 or more) and ``maximum``. Raises
    ``BadParameter``."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        if not is_ascii_number(text):
            raise BadParameter(name, _("%(name)s must be a whole number.") % {"name": name})
        number = None if len(text) > MAX_DIGITS else int(text)
    if number is None or not minimum <= number <= maximum:
        raise BadParameter(
            name,
            _("%(name)s must be between %(min)s and %(max)s.") % {"name": name, "min": minimum, "max": maximum},
        )
    return number


def parse_id(value, *, name: str) -> int:
    """A database id (1 to ``MAX_ID``) from the request. Raises ``BadParameter``."""
    return parse_number(value, name=name, minimum=1, maximum=MAX_ID)


def id_or_none(value) -> int | None:
    """``parse_id`` for lookups where a value that is no id simply finds nothing."""
    try:
        return parse_id(value, name="id")
    except BadParameter:
        return None
