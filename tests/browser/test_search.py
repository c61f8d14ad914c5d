"""The online catalog in a browser: a reader on a school's portal searches without
diacritics (with autocomplete), narrows the results by a facet — announced to screen
readers — and opens a record."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import MaterialKind
from tests.factories.catalog import RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def indexed_catalog(database_search_settings, library):
    from search.engines import search_engine

    records = [
        RecordFactory(library=library, title="Đất rừng phương Nam", authors=["Đoàn Giỏi"], year=2019),
        RecordFactory(library=library, title="Đất nước đứng lên", authors=["Nguyên Ngọc"], kind=MaterialKind.EBOOK),
        RecordFactory(library=library, title="Đất và người", authors=["Lê Văn Tám"], year=2001),
    ]
    engine = search_engine()
    engine.create()
    engine.rebuild()
    return records


def test_reader_searches_narrows_by_a_facet_and_opens_a_record(live_server, page, library, indexed_catalog):
    page.goto(f"{live_server.url}/{library.code}/")

    box = page.locator("#site-search-q")
    box.fill("dat rung")
    # Autocomplete: a listbox of suggestions tied to the combobox.
    option = page.get_by_role("option", name="Đất rừng phương Nam")
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "site-search-q-option-0")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")

    box.fill("dat")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/tim-kiem/\?"))
    results = page.locator(".results__list > li")
    expect(results).to_have_count(3)
    expect(page.locator(".result__title mark").first).to_have_text("Đất")

    page.locator("#facet-kind-ebook").check()

    expect(results).to_have_count(1)
    expect(page.locator("#search-live")).to_have_text(re.compile(r"^1\b"))
    expect(page.locator("#facet-kind-ebook")).to_be_checked()
    expect(page).to_have_url(re.compile(r"kind=ebook"))

    page.get_by_role("link", name="Đất nước đứng lên").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Đất nước đứng lên")
    expect(page.locator(f'a[href="/ban-doc/tai-lieu/{indexed_catalog[1].pk}/"]')).to_be_visible()
