"""Development: DEBUG on, a fixed insecure key, portals reachable as <code>.localhost."""

from .base import *  # noqa: F403
from .env import env_bool, env_list, env_str

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "") or "django-insecure-dev-only-key-never-use-in-production"
# *.localhost resolves to the loopback address in browsers, so every demo portal can
# have its own Wagtail Site (hostname <code>.localhost) beside 127.0.0.1.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", ".localhost"])
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns about a missing folder)
