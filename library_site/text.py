"""Vietnamese text helpers (NFC, folding, match keys) shared by every app: catalog, imports,
search, lending and courses. App-neutral: imports nothing from the apps."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


class _FoldTable(dict):
    """``str.translate`` table that drops combining marks, filled as characters are met
    (a table of every code point would cost a third of a second at start-up). Python's
    usual "decompose and drop combining marks" trick leaves đ/Đ alone: they are letters
    of their own, not d with a mark, so they are mapped here too. One C-level translate
    instead of a generator over every character: folding is on the hot path of imports
    and search indexing."""

    def __missing__(self, code_point: int):
        value = None if unicodedata.combining(chr(code_point)) else code_point
        self[code_point] = value
        return value


_FOLD_TABLE = _FoldTable({ord("đ"): "d", ord("Đ"): "D"})


def nfc(value: str | None) -> str:
    """Unicode NFC with runs of whitespace collapsed; Vietnamese arrives in NFC and NFD."""
    if not value:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str | None) -> str:
    """Lower-case text without diacritics: "Đất rừng" → "dat rung"."""
    return unicodedata.normalize("NFD", nfc(value)).translate(_FOLD_TABLE).lower()


def match_key(value: str | None) -> str:
    """Folded text with punctuation removed, for duplicate detection."""
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", fold(value))).strip()
