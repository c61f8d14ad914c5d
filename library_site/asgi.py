"""ASGI entry point (for an ASGI server such as uvicorn)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "library_site.settings.production")

application = get_asgi_application()
