"""Root pytest configuration: fixtures live in tests/fixtures/<area>.py, named after the
object and its state (``library``, ``librarian``, ``other_library``)."""

pytest_plugins = [
    "tests.fixtures.libraries",
    "tests.fixtures.portals",
    "tests.fixtures.catalog",
    "tests.fixtures.lending",
    "tests.fixtures.search",
    "tests.fixtures.courses",
]
