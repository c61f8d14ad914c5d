"""Vietnamese text helpers shared by the catalog, imports and search."""

import re
import unicodedata

# Python's usual "decompose and drop combining marks" trick leaves đ/Đ alone: they are
# letters of their own, not d with a mark.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})
_SPACES = re.compile(r"\s+")


def nfc(value: str | None) -> str:
    """Unicode NFC with runs of whitespace collapsed; Vietnamese arrives in NFC and NFD."""
    if not value:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str | None) -> str:
    """Lower-case text without diacritics: "Đất rừng" → "dat rung"."""
    decomposed = unicodedata.normalize("NFD", nfc(value).translate(_FOLD_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def match_key(value: str | None) -> str:
    """Folded text with punctuation removed, for duplicate detection."""
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", fold(value))).strip()
