"""Property tests: whatever a client puts in the search API's query string, the answer is
a decision (200 or 400), never a server error (the desk's and kiosks' scans have theirs in
``tests/lending/test_scan_properties.py``).
Examples are bounded (``BOUNDED``) so the suite stays fast; Hypothesis keeps no example
database in the working tree."""

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from search.selectors import PARAMS

pytestmark = pytest.mark.django_db

settings.register_profile(
    "bounded",
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=not os.environ.get("HYPOTHESIS_EXPLORE"),  # as in tests/properties.py
    # The Django client and the database are shared by the examples on purpose: the
    # requests only read (a scan at most counts a failure), so no reset is needed.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BOUNDED = settings.get_profile("bounded")  # applied per test: other modules keep their own settings

NUMBER_LIKE = st.one_of(
    st.from_regex(r"\A-?[0-9]{1,30}\Z"),
    st.sampled_from(["²", "9" * 5000, "1e3", " ", "١٢", "0", "00001", "٣", "𝟙", "Ⅻ"]),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=25),
)
ANY_VALUE = st.one_of(NUMBER_LIKE, st.text(max_size=40))
QUERY_NAMES = sorted({name for names in PARAMS.values() for name in names} | {"thu-vien"})


@pytest.fixture
def client(client):
    client.raise_request_exception = False
    return client


@BOUNDED
@given(params=st.dictionaries(st.sampled_from(QUERY_NAMES), ANY_VALUE, max_size=4))
@example(params={"library": "²"})  # the 500s this test was written for
@example(params={"library": "9" * 5000, "page": "9" * 5000})
def test_the_search_api_never_answers_a_server_error(client, database_engine, library, params):
    response = client.get("/api/search/", params)

    assert response.status_code in (200, 400), (params, response.content[:300])
    if response.status_code == 400:
        assert response.json()["errors"]
