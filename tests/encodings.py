"""Encoding helpers for tests that build files the way older Vietnamese software wrote them."""

import unicodedata

CP1258_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258_encode(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: a base letter (â, ơ…) plus a combining tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        mark = next(mark for mark in CP1258_TONE_MARKS if mark in decomposed)
        base = unicodedata.normalize("NFC", decomposed.replace(mark, "", 1))
        out += (base + mark).encode("cp1258")
    return bytes(out)
