"""Production: PostgreSQL and Elasticsearch from the environment, served by gunicorn,
static files by WhiteNoise. Refuses to start without SECRET_KEY, with DEBUG on, or with
an email backend that writes mail into logs or memory instead of sending it."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_required

DEBUG = env_bool("DEBUG", False)
if DEBUG:
    raise ImproperlyConfigured(
        "DEBUG must be off in production: error pages would show settings, queries and readers' data. "
        "Unset DEBUG, or use library_site.settings.dev on a development machine."
    )
SECRET_KEY = env_required("SECRET_KEY", why="production signs sessions, cards and links with it.")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
    )
# Old keys still accepted for signatures (sessions, reader-card QR codes) after a rotation.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the portal host names in production.")

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405

# HTTPS everywhere; a reverse proxy terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Wagtail's page editor shows its live preview in a same-origin iframe, so DENY would
# break previews; SAMEORIGIN still blocks framing by other sites.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

# Reader notices and password reset links are personal: mail written to the console (the
# default in base), a file or memory would end up in logs or be lost. The dummy backend,
# which drops mail, stays allowed for benchmarks.
MAIL_BACKENDS_NOT_FOR_PRODUCTION = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
if EMAIL_BACKEND in MAIL_BACKENDS_NOT_FOR_PRODUCTION:  # noqa: F405
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND={EMAIL_BACKEND} would write reader notices and password reset links into logs or "  # noqa: F405
        "memory: set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST variables."
    )
