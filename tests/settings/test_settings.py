"""Settings are read from the environment; each case starts a fresh interpreter so the
settings module is evaluated with exactly the environment under test."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

import pytest

from library_site.settings import env

BASE_DIR = Path(__file__).resolve().parents[2]
# Variables of the test run itself that must not leak into the environment under test.
INHERITED_VARIABLES_TO_DROP = {
    "DATABASE_URL",
    "SECRET_KEY",
    "ELASTICSEARCH_URL",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "EMAIL_BACKEND",
}
PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "thuvien.example.edu.vn",
    "DATABASE_URL": "sqlite:////tmp/library-settings-test.sqlite3",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def _run(code: str, settings: str, environ: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED_VARIABLES_TO_DROP}
    clean.update(environ, DJANGO_SETTINGS_MODULE=settings)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


def _setting(name: str, settings: str, environ: dict[str, str]) -> str:
    result = _run(f"from django.conf import settings; print(settings.{name})", settings, environ)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_refuses_to_start_without_secret_key():
    environ = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _run("import django; django.setup()", "library_site.settings.production", environ)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = _run(
        "import django; django.setup()", "library_site.settings.production", {**PRODUCTION_ENV, "SECRET_KEY": "abc"}
    )
    assert result.returncode != 0
    assert "too weak" in result.stderr


@pytest.mark.parametrize("debug", ["1", "true", "on"])
def test_production_refuses_to_start_with_debug_on(debug):
    environ = {**PRODUCTION_ENV, "DEBUG": debug}
    result = _run("import django; django.setup()", "library_site.settings.production", environ)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG must be off in production" in result.stderr


@pytest.mark.parametrize("backend", ["console", "locmem", "filebased", None])
def test_production_refuses_an_email_backend_that_keeps_mail_in_logs_or_memory(backend):
    # Given the console backend by name, the in-memory or file one, or no EMAIL_BACKEND at
    # all (base settings default to the console)
    environ = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_BACKEND"}
    if backend:
        environ["EMAIL_BACKEND"] = f"django.core.mail.backends.{backend}.EmailBackend"

    result = _run("import django; django.setup()", "library_site.settings.production", environ)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "would write reader notices and password reset links" in result.stderr


def test_production_starts_with_smtp_mail_and_debug_off():
    assert _setting("EMAIL_BACKEND", "library_site.settings.production", {**PRODUCTION_ENV, "DEBUG": "0"}) == (
        "django.core.mail.backends.smtp.EmailBackend"
    )


def test_production_passes_the_deployment_checklist():
    result = _run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        "library_site.settings.production",
        PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_database_defaults_to_sqlite_under_var():
    name = _setting("DATABASES['default']['NAME']", "library_site.settings.dev", {})
    assert Path(name) == BASE_DIR / "var" / "library.sqlite3"


def test_database_url_selects_postgresql():
    engine = _setting(
        "DATABASES['default']['ENGINE']",
        "library_site.settings.dev",
        {"DATABASE_URL": "postgres://thuvien:secret@db.internal:5432/thuvien"},
    )
    assert engine == "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("elasticsearch_url", "engine"), [("", "database"), ("https://search.internal:9200", "elasticsearch")]
)
def test_elasticsearch_url_selects_the_search_engine(elasticsearch_url, engine):
    assert _setting("SEARCH_ENGINE", "library_site.settings.dev", {"ELASTICSEARCH_URL": elasticsearch_url}) == engine


def test_elasticsearch_cluster_options_come_from_the_environment():
    environ = {
        "ELASTICSEARCH_URL": "https://search.internal:9200",
        "ELASTICSEARCH_TIMEOUT": "30",
        "ELASTICSEARCH_MAX_RETRIES": "4",
        "ELASTICSEARCH_SHARDS": "2",
        "ELASTICSEARCH_REPLICAS": "0",
        "ELASTICSEARCH_AUTO_REFRESH": "false",
    }
    code = (
        "from django.conf import settings; c = settings.ELASTICSEARCH; "
        "print(c['TIMEOUT'], c['MAX_RETRIES'], c['SHARDS'], c['REPLICAS'], c['AUTO_REFRESH'])"
    )
    result = _run(code, "library_site.settings.dev", environ)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["30", "4", "2", "0", "False"]


def test_time_zone_and_languages():
    assert _setting("TIME_ZONE", "library_site.settings.dev", {}) == "Asia/Ho_Chi_Minh"
    assert _setting("LANGUAGE_CODE", "library_site.settings.dev", {}) == "vi"


def test_malformed_environment_values_name_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env.env_bool("DEBUG")
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        env.env_int("EMAIL_PORT", 25)
    monkeypatch.setenv("ALLOWED_HOSTS", "a.edu.vn, ,b.edu.vn")
    assert env.env_list("ALLOWED_HOSTS") == ["a.edu.vn", "b.edu.vn"]
