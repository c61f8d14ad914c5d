"""Shared Hypothesis settings and strategies of the property tests.

``BOUNDED`` keeps each property small (about 40 examples, no deadline, no example
database in the working tree), so every property module runs in seconds on SQLite. The
Django client and database are shared by a test's examples on purpose: each example
compares counts before and after itself, so earlier examples do not matter."""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "bounded",
    max_examples=40,
    deadline=None,
    database=None,
    # The same examples on every run (CI must not turn red on a new random draw);
    # HYPOTHESIS_EXPLORE=1 draws new ones, to look for bugs on purpose.
    derandomize=not os.environ.get("HYPOTHESIS_EXPLORE"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
BOUNDED = settings.get_profile("bounded")  # applied per test: other modules keep their own settings

VIETNAMESE = "Đđăâêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
# Text a cell may hold: Vietnamese (NFC and NFD), NUL and other control characters,
# formula-like values, separators and quotes, and now and then a very long value.
CELL = st.one_of(
    st.text(alphabet=st.sampled_from(VIETNAMESE + "abc XYZ0123456789"), max_size=30),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2",
            "@SUM(A1)",
            "'=1+2",
            "\x00",
            "Toán\x00 6",
            "a\x1bb",
            "\u200b",
            "Đất rừng phương Nam",
            "Đa\u0301t ru\u0300ng",  # NFD
            "a;b,c",
            '"quoted"',
            "line\nbreak",
            "9.78604E+12",
            "978-604-2-12345-6",
            "6-9",
            "Mầm non",
            "x" * 5000,
        ]
    ),
)
