"""Queries typed in Telex or VNI with the input method off, and query normalisation."""

import unicodedata

import pytest

from search.vietnamese import decode_word, input_method_decode, is_plain_syllable, normalise_query


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("truyeenj kieeuf", "truyện kiều"),
        ("dduwowngf", "đường"),
        ("tieengs vieetj", "tiếng việt"),
        ("Truyeenj Kieeuf", "Truyện Kiều"),
        ("TIEENGS VIEETJ", "TIẾNG VIỆT"),
        ("hocj sinh", "học sinh"),
        ("lichj suwr vieetj nam", "lịch sử việt nam"),
        ("thw vieenj", "thư viện"),
        ("ngwowif", "người"),
        ("nguyeenx du", "nguyễn du"),
        ("quoocs ngwx", "quốc ngữ"),
        ("giuwax", "giữa"),
        ("hoaf", "hòa"),
        ("thuyr", "thủy"),
        ("toans lowps 5", "toán lớp 5"),
        ("ddaats nuwowcs", "đất nước"),
        ("mawtj trowif", "mặt trời"),
        ("dees menf phieeu luwu kys", "dế mèn phiêu lưu ký"),
        ("Tawts ddenf", "Tắt đèn"),
        ("sachs giaos khoa", "sách giáo khoa"),
        ("tieesng", "tiếng"),  # the tone key may come before the final consonant
    ],
)
def test_telex(typed, meant):
    assert input_method_decode(typed) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("truye65n kie62u", "truyện kiều"),
        ("d9u7o7ng2", "đường"),
        ("d9uo7ng2", "đường"),
        ("tie61ng vie65t", "tiếng việt"),
        ("Nguye64n Du", "Nguyễn Du"),
        ("lo71p 10", "lớp 10"),
        ("ta81t d9e2n", "tắt đèn"),
        ("ho5c sinh", "học sinh"),
    ],
)
def test_vni(typed, meant):
    assert input_method_decode(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "dat rung phuong nam",  # folded Vietnamese: found as it is
        "Dat Rung",
        "Đất rừng phương Nam",  # ordinary Vietnamese
        "Tắt đèn",
        "harry potter",  # English
        "the history of vietnam",
        "this is",  # English words that look like Telex tones
        "as",
        "bus box",
        "xoong",  # a real syllable with a doubled vowel
        "toan 7",
        "ISBN 9786042124522",
        "covid19",
        "10a1",
        "hello world",
        "tieengs python",  # one foreign word: leave the whole query alone
        "ssss",
        "ddd",
    ],
)
def test_not_input_method_text(text):
    assert input_method_decode(text) is None


@pytest.mark.parametrize(
    "word",
    ["tatss", "hocjf", "d9d9", "a6a6", "kas", "ngees"],
)
def test_words_that_are_not_valid_syllables_are_not_converted(word):
    # Two tones, marks with nothing to mark, or spelling Vietnamese does not allow
    # ("cá" is spelt with c and "nghế" with ngh: "kas" and "ngees" are not syllables).
    assert decode_word(word) is None


def test_a_stop_final_takes_only_the_sharp_or_heavy_tone():
    assert decode_word("hocj") == "học"
    assert decode_word("hocs") == "hóc"
    assert decode_word("hocf") is None
    assert decode_word("ho2c") is None


def test_punctuation_and_spacing_are_kept():
    assert input_method_decode("truyeenj kieeuf, nguyeenx du") == "truyện kiều, nguyễn du"


def test_decomposed_input_is_not_mistaken_for_telex():
    assert input_method_decode(unicodedata.normalize("NFD", "Đất rừng")) is None


@pytest.mark.parametrize("word", ["dat", "rung", "phuong", "nam", "nguyen", "truyen", "kieu", "quoc", "gi"])
def test_plain_syllables(word):
    assert is_plain_syllable(word)


@pytest.mark.parametrize("word", ["harry", "potter", "python", "str", "ba1"])
def test_not_plain_syllables(word):
    assert not is_plain_syllable(word)


def test_normalise_query():
    assert normalise_query(unicodedata.normalize("NFD", "  Đất\t rừng \n")) == "Đất rừng"
    assert normalise_query("a\x00b") == "a b"
    assert normalise_query(None) == ""
