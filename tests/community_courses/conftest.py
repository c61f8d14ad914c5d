from django.utils import translation

import pytest


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English source strings, whatever translations are compiled."""
    with translation.override("en"):
        yield
