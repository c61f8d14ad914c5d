"""Content-Security-Policy and Permissions-Policy: on public pages, in the Wagtail admin
and on the kiosk; our inline scripts and styles carry the request's nonce."""

import re
from pathlib import Path

import pytest

from lending.services.readers import reader_account_ensure

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
APPS = ["library_site", "catalog", "lending", "community_courses", "search"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/(?:ld\+)?json\")([^>]*)>", re.I)
INLINE_STYLE = re.compile(r"<style([^>]*)>", re.I)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def nonce_of(response) -> str:
    (nonce,) = [v for v in directives(response)["script-src"] if v.startswith("'nonce-")]
    return nonce.removeprefix("'nonce-").removesuffix("'")


def test_a_public_page_allows_only_our_own_scripts_and_no_devices(client, library):
    response = client.get("/")

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def test_course_videos_from_youtube_may_be_framed(client, library):
    frame_src = directives(client.get("/"))["frame-src"]

    assert "https://www.youtube-nocookie.com" in frame_src


def test_the_admin_gets_its_own_policy_without_devices(client, superuser):
    client.force_login(superuser)

    response = client.get("/admin/")

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    # Wagtail's date pickers and inline panels are inline scripts; a nonce would switch
    # 'unsafe-inline' off in browsers, so the admin's policy has none.
    assert "'unsafe-inline'" in policy["script-src"]
    assert not any(value.startswith("'nonce-") for value in policy["script-src"])
    assert "camera=()" in response["Permissions-Policy"]


def test_the_desk_page_works_under_the_admin_policy(client, librarian):
    client.force_login(librarian)

    response = client.get("/admin/desk/")

    assert response.status_code == 200
    assert "'unsafe-inline'" in directives(response)["style-src"]  # the desk's <style> block
    assert "camera=()" in response["Permissions-Policy"]


def test_the_reader_card_page_has_no_inline_code_without_the_nonce(client, reader, reader_card):
    client.force_login(reader_account_ensure(reader=reader))

    response = client.get("/ban-doc/the/", {"full": "1"})

    assert response.status_code == 200
    html = response.content.decode()
    assert all("nonce=" in attributes for attributes in INLINE_SCRIPT.findall(html) + INLINE_STYLE.findall(html))
    assert ' style="' not in html
    assert "camera=()" in response["Permissions-Policy"]


def test_the_search_page_has_no_inline_code_without_the_nonce(client, database_engine, library):
    response = client.get("/tim-kiem/", {"q": "đất rừng"})

    assert response.status_code == 200
    html = response.content.decode()
    assert all("nonce=" in attributes for attributes in INLINE_SCRIPT.findall(html) + INLINE_STYLE.findall(html))
    assert ' style="' not in html


def _site_templates():
    for app in APPS:
        for path in (BASE_DIR / app).rglob("templates/**/*.html"):
            if "/admin/" not in path.as_posix():  # admin templates live under the admin's policy
                yield path


@pytest.mark.parametrize("path", sorted(_site_templates()), ids=lambda path: path.relative_to(BASE_DIR).as_posix())
def test_our_public_templates_have_no_inline_code_without_the_nonce(path):
    source = path.read_text()

    assert all('nonce="{{ CSP_NONCE }}"' in attributes for attributes in INLINE_SCRIPT.findall(source))
    assert all('nonce="{{ CSP_NONCE }}"' in attributes for attributes in INLINE_STYLE.findall(source))
    assert ' style="' not in source
    assert not re.search(r"\son[a-z]+=\"", source), "inline event handlers cannot carry a nonce"
