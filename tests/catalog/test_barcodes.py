import pytest
import zxingcpp

from library_site.printing.barcodes import barcode_image


def decode(image) -> list[tuple[str, zxingcpp.BarcodeFormat]]:
    return [(found.text, found.format) for found in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(
    "value",
    [
        "CK000001",  # a barcode as librarians type them
        "TV00000042",  # as the catalog generates them
        "ab-12",  # lower case and a hyphen
        "12345678901234567890123456789012",  # the longest allowed: 32 digits
        "THCS-CAU-KIEU-2026-0000000000001",  # the longest allowed: 32 mixed characters
    ],
)
def test_barcode_reads_back_as_the_same_text(value):
    # Given a copy's barcode value
    # When it is drawn and scanned
    image = barcode_image(value)

    # Then the scanner reads a Code 128 with exactly that value
    assert decode(image) == [(value, zxingcpp.BarcodeFormat.Code128)]


def test_long_barcode_narrows_to_fit_a_small_label_and_still_scans():
    value = "THCS-CAU-KIEU-2026-0000000000001"
    wide = barcode_image(value, dpi=300)

    narrow = barcode_image(value, dpi=300, max_width_mm=40)

    assert narrow.width < wide.width
    assert narrow.width <= 40 * 300 / 25.4
    assert decode(narrow) == [(value, zxingcpp.BarcodeFormat.Code128)]


def test_bars_have_the_requested_height_and_the_value_is_printed_below():
    bars_only = barcode_image("CK000001", dpi=300, height_mm=10, text=False)
    with_text = barcode_image("CK000001", dpi=300, height_mm=10)

    assert bars_only.height == round(10 * 300 / 25.4)
    assert bars_only.info["dpi"] == (300, 300)
    # Under the bars there is a band of printed text.
    text_band = with_text.crop((0, bars_only.height, with_text.width, with_text.height))
    assert text_band.height > 0
    assert text_band.getextrema()[0] == 0  # some black ink


@pytest.mark.parametrize("value", ["", "Sách-001"])
def test_values_code_128_cannot_carry_are_refused(value):
    with pytest.raises(ValueError, match="barcode needs a value|cannot encode"):
        barcode_image(value)
