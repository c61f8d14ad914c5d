"""Vietnamese query helpers shared by both engines.

``normalise_query`` — what every engine does to a query first: NFC (some keyboards send
decomposed characters), whitespace collapsed, control characters dropped.

``input_method_decode`` — queries typed with the Vietnamese input method switched off. A
reader who meant "truyện kiều" types the keys of Telex ("truyeenj kieeuf") or VNI
("truye65n kie62u") and gets them as plain letters. We recognise such words and convert them
back. The decoder is deliberately conservative: a word is converted only when it carries
Telex/VNI marks *and* the result is a valid Vietnamese syllable (initial + rhyme + a tone
that the rhyme allows), and the whole query is left alone (``None``) as soon as one word is
neither Vietnamese nor decodable — an English title, "dat rung" typed without diacritics or
ordinary accented Vietnamese are never rewritten.
"""

import re
import unicodedata

from library_site.text import fold, nfc

__all__ = ["input_method_decode", "normalise_query", "decode_word"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORD = re.compile(r"[^\W_]+")

# --- Vietnamese syllables -------------------------------------------------------------

INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip

# Rhymes (vần) with their vowel marks, without tone. After "qu"/"gi" the glide belongs to
# the initial, so "quốc" is qu + ôc and "giữa" is gi + ưa.
RHYMES = frozenset(
    rhyme
    for line in (
        "a ai ao au ay ac ach am an ang anh ap at",
        "ăc ăm ăn ăng ăp ăt",
        "âc âm ân âng âp ât âu ây",
        "e eo ec em en eng ep et",
        "ê êu êch êm ên ênh êp êt",
        "i ia iu ich im in inh ip it iêc iêm iên iêng iêp iêt iêu",
        "yêm yên yêng yêt yêu y ych ynh yt",
        "o oi oc om on ong op ot ooc oong",
        "ô ôi ôc ôm ôn ông ôp ôt",
        "ơ ơi ơm ơn ơp ơt",
        "u ua ui uc um un ung up ut uôc uôi uôm uôn uông uôt",
        "ư ưa ưi ưu ưc ưm ưn ưng ưt ươc ươi ươm ươn ương ươp ươt ươu",
        "oa oai oay oac oach oam oan oang oanh oap oat",
        "oăc oăm oăn oăng oăt",
        "oe oeo oen oet",
        "uy uya uych uynh uyt uyu uyn uyên uyêt",
        "uân uâng uât uây uê uêch uênh uơ",
    )
    for rhyme in line.split()
)
FOLDED_RHYMES = frozenset(fold(rhyme) for rhyme in RHYMES)

FINAL_CONSONANTS = ("ng", "nh", "ch", "c", "m", "n", "p", "t")
STOP_FINALS = ("c", "ch", "p", "t")  # such rhymes take only the sắc or nặng tone
MARKED_VOWELS = "ăâêôơư"
VOWELS = "aăâeêioôơuưy"
FRONT_VOWELS = "eêiy"

# Tones as combining marks.
SAC, HUYEN, HOI, NGA, NANG = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
TELEX_TONES = {"s": SAC, "f": HUYEN, "r": HOI, "x": NGA, "j": NANG}
VNI_TONES = {"1": SAC, "2": HUYEN, "3": HOI, "4": NGA, "5": NANG}

# English words that happen to decode as Telex ("as" → "á", "this" → "thí"): a query made
# only of such words and plain syllables stays English.
ENGLISH_LOOKALIKES = frozenset(
    word
    for line in (
        "as is us of or has his bus box max mix tax sex hex lax sax tex six nix",
        "car bar tar mar char her per nor our cur bur thus this mas dos los",
        "dax lox cox pox vox tux lux hax sos bias",
    )
    for word in line.split()
)


def _split_syllable(letters: str) -> tuple[str, str] | None:
    """(initial, rhyme) of a lower-case syllable with vowel marks, or None."""
    for initial in INITIALS:
        if not letters.startswith(initial):
            continue
        rhyme = letters[len(initial) :]
        if rhyme not in RHYMES:
            continue
        first = rhyme[0]
        # Spelling rules: k/gh/ngh before e ê i y, c/g/ng elsewhere.
        if initial in ("c", "ng") and first in FRONT_VOWELS:
            continue
        if initial in ("k", "gh", "ngh") and first not in FRONT_VOWELS:
            continue
        if initial == "g" and first in "eê":
            continue
        if initial == "qu" and first in "uo":
            continue
        return initial, rhyme
    return None


def is_plain_syllable(word: str) -> bool:
    """Whether ``word`` (lower case, no diacritics) could be a Vietnamese syllable typed
    without them ("dat", "rung", "phuong")."""
    for initial in INITIALS:
        folded_initial = fold(initial)
        if word.startswith(folded_initial) and word[len(folded_initial) :] in FOLDED_RHYMES:
            return True
    return False


def _tone_position(rhyme: str) -> int:
    """Index in ``rhyme`` of the vowel that carries the tone (traditional placement:
    "hòa", "thủy", "người", "truyện")."""
    final = next((f for f in FINAL_CONSONANTS if rhyme.endswith(f) and len(rhyme) > len(f)), "")
    vowels = rhyme[: len(rhyme) - len(final)]
    if "ươ" in vowels:
        return vowels.index("ươ") + 1
    for index, char in enumerate(vowels):
        if char in MARKED_VOWELS:
            return index
    if final:
        return len(vowels) - 1
    if len(vowels) == 3:
        return 1
    return 0


def _compose(letters: str, tone: str) -> str | None:
    """The syllable with its tone, or None when ``letters`` is not a syllable or the rhyme
    cannot take that tone."""
    parts = _split_syllable(letters)
    if parts is None:
        return None
    initial, rhyme = parts
    if not tone:
        return letters
    if rhyme.endswith(STOP_FINALS) and tone not in (SAC, NANG):
        return None
    position = _tone_position(rhyme)
    rhyme = rhyme[:position] + unicodedata.normalize("NFC", rhyme[position] + tone) + rhyme[position + 1 :]
    return initial + rhyme


# --- Telex ----------------------------------------------------------------------------

_TELEX_VOWEL_KEYS = (
    ("uwow", "ươ"),
    ("uow", "ươ"),
    ("uwo", "ươ"),
    ("aa", "â"),
    ("aw", "ă"),
    ("ee", "ê"),
    ("oo", "ô"),
    ("ow", "ơ"),
    ("uw", "ư"),
    ("w", "ư"),
)


def _telex_decode(word: str) -> str | None:
    """One lower-case ASCII word typed in Telex, or None."""
    first_vowel = next((i for i, ch in enumerate(word) if ch in "aeiouyw"), None)
    if first_vowel is None:
        return None
    head, tail = word[:first_vowel], word[first_vowel:]
    tones = [ch for ch in tail if ch in TELEX_TONES]
    if len(tones) > 1:
        return None
    tone = TELEX_TONES[tones[0]] if tones else ""
    letters = head + "".join(ch for ch in tail if ch not in TELEX_TONES)
    marked = False
    if letters.startswith("dd"):
        letters, marked = "đ" + letters[2:], True
    for keys, vowel in _TELEX_VOWEL_KEYS:
        if keys in letters:
            letters, marked = letters.replace(keys, vowel), True
    if not (marked or tone):
        return None
    return _compose(letters, tone)


# --- VNI ------------------------------------------------------------------------------

_VNI_MARKS = {"6": {"a": "â", "e": "ê", "o": "ô"}, "7": {"o": "ơ", "u": "ư"}, "8": {"a": "ă"}, "9": {"d": "đ"}}


def _vni_decode(word: str) -> str | None:
    """One lower-case word typed in VNI (ASCII letters and digits), or None."""
    if not word[0].isalpha() or not any(ch.isdigit() for ch in word):
        return None
    letters: list[str] = []
    tone = ""
    for char in word:
        if char.isalpha():
            letters.append(char)
        elif char in VNI_TONES:
            if tone or not any(ch in VOWELS for ch in letters):
                return None
            tone = VNI_TONES[char]
        elif char in _VNI_MARKS:
            marks = _VNI_MARKS[char]
            index = next((i for i in range(len(letters) - 1, -1, -1) if letters[i] in marks), None)
            if index is None:
                return None
            letters[index] = marks[letters[index]]
            # "uo7" is ươ: the horn goes on both vowels.
            if char == "7" and letters[index] == "ơ" and index and letters[index - 1] == "u":
                letters[index - 1] = "ư"
        else:  # "0" (no tone) and anything else: not a syllable we would convert
            return None
    return _compose("".join(letters), tone)


# --- Queries --------------------------------------------------------------------------


def normalise_query(text: str | None) -> str:
    """NFC, whitespace collapsed, control characters removed."""
    return nfc(_CONTROL.sub(" ", text or ""))


def _restore_case(original: str, decoded: str) -> str:
    if original.isupper() and len(original) > 1:
        return decoded.upper()
    if original[0].isupper():
        return decoded[0].upper() + decoded[1:]
    return decoded


def decode_word(word: str) -> str | None:
    """The Vietnamese syllable a Telex/VNI word stands for, or None when ``word`` carries
    no input-method keys or does not decode to a valid syllable."""
    if not word or not word.isascii() or not word.isalnum():
        return None
    lower = word.lower()
    if lower.isalpha():
        if is_plain_syllable(lower):  # "xoong", "dat": already a syllable, keep it
            return None
        decoded = _telex_decode(lower)
    else:
        decoded = _vni_decode(lower)
    return _restore_case(word, decoded) if decoded else None


def input_method_decode(text: str | None) -> str | None:
    """The query as Vietnamese when it was typed in Telex or VNI with the input method
    off ("truyeenj kieeuf" and "truye65n kie62u" → "truyện kiều"); None when it is not
    such input (nothing to convert, or a word that is neither Vietnamese nor decodable)."""
    query = normalise_query(text)
    if not query:
        return None
    converted = 0
    lookalikes = 0
    pieces: list[str] = []
    position = 0
    for match in _WORD.finditer(query):
        word = match.group()
        pieces.append(query[position : match.start()])
        position = match.end()
        replacement = word
        if word.isdigit() or not word.isascii():
            pass  # a number, or a word already typed with diacritics
        elif is_plain_syllable(word.lower()):
            pass
        else:
            decoded = decode_word(word)
            if decoded is None:
                return None  # an English (or otherwise foreign) word: leave the query alone
            converted += 1
            lookalikes += word.lower() in ENGLISH_LOOKALIKES
            replacement = decoded
        pieces.append(replacement)
    pieces.append(query[position:])
    if not converted or converted == lookalikes:
        return None
    return "".join(pieces)
