"""Settings shared by every environment. Values that differ between machines come
from the environment (see README, "Configuration")."""

import datetime
from pathlib import Path

from django.utils.translation import gettext_lazy as _

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

from .email import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_str
from .search import *  # noqa: F403

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Our apps first so their templates and translations take precedence.
    "library_site.libraries",
    "library_site.portals",
    "library_site.accounts",
    "catalog",
    "lending",
    "community_courses",
    "search",
    "reports",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "library_site.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "library_site.middleware.ContentSecurityPolicyMiddleware",
    "library_site.middleware.PermissionsPolicyMiddleware",
    "library_site.middleware.BadParameterMiddleware",
    "lending.middleware.ReaderSessionMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Turns a sign-in refused by the throttle into its message (lending.auth); last, so
    # it sees the response of every password form.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "library_site.urls"
WSGI_APPLICATION = "library_site.wsgi.application"
ASGI_APPLICATION = "library_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "csp.context_processors.nonce",  # CSP_NONCE for our few inline scripts and styles
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://user:password@host:5432/name; default: SQLite under var/.
DATABASE_URL = env_str("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'library.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server and the task worker share the file: wait for locks instead of
    # failing, take the write lock at BEGIN, and let readers run beside a writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks (Django's tasks API through the django-tasks backport) ----------
# Work started from a web request (imports, card batches, reindex) is enqueued in the
# database and run by `manage.py db_worker`, which `make demo` starts beside the server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Auth -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "reader:login"
WAGTAILADMIN_LOGIN_URL = "wagtailadmin_login"

# --- Two-step sign-in for staff (django-otp; library_site.accounts) -----------------------
# After the password, staff who have an authenticator app set up type its 6-digit code (or
# a backup code) before any admin page or staff-only URL below opens. City administrators
# (superusers) must set one up at their first sign-in; OTP_REQUIRED_FOR_STAFF asks it of
# every library's staff too. Tests turn the superuser rule off (settings/test.py) so that
# force_login keeps working; tests/accounts turn it back on.
OTP_REQUIRED_FOR_SUPERUSERS = env_bool("OTP_REQUIRED_FOR_SUPERUSERS", True)
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF", False)
# URL prefixes that need the second step (staff screens showing personal data).
OTP_PROTECTED_PATH_PREFIXES = ["/admin/", "/django-admin/", "/lending/kiosk/start/"]
# Wrong codes allowed in one sign-in before the session is signed out; the device itself
# also waits 1, 2, 4, 8… seconds after each wrong code (django-otp's throttling).
OTP_MAX_FAILURES = env_int("OTP_MAX_FAILURES", 5)
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The name an authenticator app shows beside the account.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Thu vien so TP.HCM")

# --- Languages and time ---------------------------------------------------------------
# Vietnamese first, English second. Source strings are English; Vietnamese lives in
# locale/vi and is compiled by `make` (compilemessages).
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("vi", _("Vietnamese"))]

# --- Static and media -----------------------------------------------------------------
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", "") or VAR_DIR / "static")
STATIC_URL = "/static/"
# WhiteNoise serves STATIC_ROOT (filled by collectstatic); in development and tests it
# finds files in the apps directly.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", "") or VAR_DIR / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Uploads larger than this are refused (bytes); Wagtail's own limits follow it.
MAX_UPLOAD_SIZE = env_int("MAX_UPLOAD_SIZE", 200 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Wagtail -----------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Thư viện số TP.HCM"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "epub", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = MAX_UPLOAD_SIZE
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env_int("MAX_IMAGE_UPLOAD_SIZE", 20 * 1024 * 1024)
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 64_000_000
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail logs every page edit and publish at INFO; the audit log keeps them anyway.
        "wagtail": {"level": env_str("WAGTAIL_LOG_LEVEL", "WARNING")},
        # One line per task state change is noise; failures are still logged.
        "django_tasks": {"level": "WARNING"},
        # django-axes logs every sign-in with its account and address: personal data.
        "axes": {"level": "ERROR"},
        "django_tasks_db": {"level": env_str("TASKS_LOG_LEVEL", "WARNING")},
    },
}
# --- Portals -------------------------------------------------------------------------------
# Host name given to a new library's Wagtail Site ({code} = the library code) and its port;
# every portal is also reachable by path on the landing site.
PORTAL_HOST_TEMPLATE = env_str("PORTAL_HOST_TEMPLATE", "{code}.localhost")
PORTAL_PORT = env_int("PORTAL_PORT", 8000)

# --- Catalog ---------------------------------------------------------------------------------
# Digital catalogue files live here, outside MEDIA_ROOT's public URLs; only the view that
# checks access levels (and digital loans) reads them.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", "") or VAR_DIR / "private")
# The largest digital file a librarian may upload (bytes).
CATALOG_MAX_FILE_SIZE = env_int("CATALOG_MAX_FILE_SIZE", 500 * 1024 * 1024)
# Bounds of a CSV or Excel import (catalog, curriculum, roster), checked while the file is
# read so that a small crafted workbook cannot claim a million rows (catalog.importing.workbook):
# rows, columns and values; for .xlsx also its unpacked size, the inflation of any part over
# 1 MB and its number of parts.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 100)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 3_000_000)
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 256 * 1024 * 1024)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 100)
IMPORT_MAX_ZIP_MEMBERS = env_int("IMPORT_MAX_ZIP_MEMBERS", 1000)

# --- Readers ---------------------------------------------------------------------------------
# Days after a reader's last membership ended before `anonymise_readers` removes their
# personal data (Decree 13/2023/NĐ-CP: keep no longer than needed).
READER_RETENTION_DAYS = env_int("READER_RETENTION_DAYS", 365)
# (A library may set its own period for both, 30 to 3650 days, in Libraries in the admin.)
# Days a printed card batch (a whole class's names and IDs) stays downloadable before
# `circulation_daily` deletes its file; the record of who printed it stays.
CARD_BATCH_KEEP_DAYS = env_int("CARD_BATCH_KEEP_DAYS", 7)
# Days the personal-data log (staff reading and changing readers' data) is kept before
# `purge_personal_data_log` (run by `circulation_daily`) deletes older entries.
PERSONAL_DATA_LOG_KEEP_DAYS = env_int("PERSONAL_DATA_LOG_KEEP_DAYS", 365)
# Sign-in (lending.auth): django-axes first, throttling every password form; readers sign
# in with the ID on their card (never in the admin), staff with their user name.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lending.auth.ReaderIDBackend",
    "lending.auth.StaffModelBackend",
]
# Failed sign-ins allowed per account (whichever way its ID is typed) before it is locked
# for LOGIN_LOCK_MINUTES after the last failure, and per client address (a school's
# pupils may all come from one address, hence the higher limit).
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 100)
LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 15)
# Behind reverse proxies, how many of them add to X-Forwarded-For (0: use the
# connection's address; a client can write any X-Forwarded-For it likes).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_HANDLER = "lending.auth.SignInThrottle"
AXES_FAILURE_LIMIT = LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCK_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "lending.auth.login_attempt_key"
AXES_CLIENT_IP_CALLABLE = "lending.auth.client_address"
AXES_LOCKOUT_CALLABLE = "lending.auth.sign_in_locked_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No log of every sign-in with its address: personal data kept for nothing.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "password", "ip_address", "code", "otp_token"]
# A reader's one-time activation code (lending.services.activation) works this many days.
READER_ACTIVATION_CODE_DAYS = env_int("READER_ACTIVATION_CODE_DAYS", 120)
# Roster sync (lending.services.roster): a full roster that would mark more than this share
# of the library's members (of the roster's categories) as left needs the count typed to
# confirm; an applied sync's leaves can be undone for ROSTER_UNDO_DAYS; an uploaded roster
# not applied within ROSTER_UPLOAD_KEEP_HOURS is deleted by `purge_roster_uploads`.
ROSTER_MAX_LEAVE_SHARE = float(env_str("ROSTER_MAX_LEAVE_SHARE", "0.10"))
ROSTER_UNDO_DAYS = env_int("ROSTER_UNDO_DAYS", 30)
ROSTER_UPLOAD_KEEP_HOURS = env_int("ROSTER_UPLOAD_KEEP_HOURS", 24)

# --- Circulation -----------------------------------------------------------------------------
# Licensed digital files open only during a digital loan (lending.services.digital, lending.selectors).
CATALOG_DIGITAL_LOAN_CHECK = "lending.selectors.digital_loan_check"
# Days after a loan, hold or digital loan ended before `anonymise_loans` detaches it from
# the reader (the counts by library, category and title stay for statistics).
LOAN_HISTORY_RETENTION_DAYS = env_int("LOAN_HISTORY_RETENTION_DAYS", 365)
# `circulation_daily` reminds readers this many days before a loan is due.
NOTICE_DUE_SOON_DAYS = env_int("NOTICE_DUE_SOON_DAYS", 2)

# --- Community courses -----------------------------------------------------------------------
# Survey results, free-text answers and report rows covering fewer people than this are
# hidden, so no one's answers can be singled out.
SURVEY_MIN_GROUP_SIZE = env_int("SURVEY_MIN_GROUP_SIZE", 5)

# --- Programme reports: small groups -----------------------------------------------------------
# Report figures counting fewer people than this (active readers of a month, a course's
# participants) are suppressed, as survey results are.
REPORT_MIN_GROUP_SIZE = env_int("REPORT_MIN_GROUP_SIZE", 5)

# --- Programme reports: digital-coverage index ------------------------------------------------
# Share (percent) of a school's lessons that should have a digital material, per school level
# (the 2018 curriculum's grade levels): 25% per grade for preschools, 25% per subject and grade
# for primary schools, 35% per subject and grade for lower secondary schools. A level absent
# here is reported without a target.
COVERAGE_TARGETS = {
    "preschool": env_int("COVERAGE_TARGET_PRESCHOOL", 25),
    "primary": env_int("COVERAGE_TARGET_PRIMARY", 25),
    "lower_secondary": env_int("COVERAGE_TARGET_LOWER_SECONDARY", 35),
}

# --- Cache -----------------------------------------------------------------------------------
# "default" stays in process memory: Wagtail keeps image renditions there and reads it on
# every page. "shared" is in the database, so every gunicorn worker sees the same reader
# sign-in failure counts; create its table with `manage.py createcachetable` (make demo
# and the test runner do).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"},
}

# --- Security headers ------------------------------------------------------------------------
# Content-Security-Policy (django-csp): our own scripts, styles, fonts and images; inline
# <script>/<style> only with the request's nonce (nonce="{{ CSP_NONCE }}"); course videos
# from YouTube (nocookie) and, as files, from any https host. The Wagtail admin gets
# CONTENT_SECURITY_POLICY_ADMIN_DIRECTIVES (library_site.middleware says why).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:", "https:"],
        "frame-src": [SELF, "https://www.youtube-nocookie.com", "https://www.youtube.com"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [SELF],
    },
}
CSP_ADMIN_PATH_PREFIXES = ["/admin/", "/django-admin/"]
CONTENT_SECURITY_POLICY_ADMIN_DIRECTIVES = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", "https://www.gravatar.com"],
}
# Permissions-Policy: these browser features are off everywhere; a view opts in for its
# own origin with library_site.middleware.allow_features (the kiosk's camera).
PERMISSIONS_POLICY_DENY = ["camera", "microphone", "geolocation", "payment", "usb"]

# --- Reader sessions -------------------------------------------------------------------------
# Readers sign in on shared school PCs: their session ends when the browser closes and
# after this many seconds without a request (lending.middleware). Staff sessions keep
# Django's defaults.
READER_SESSION_IDLE_SECONDS = env_int("READER_SESSION_IDLE_SECONDS", 7200)
