"""What the report screens share."""

import re

from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from library_site.libraries.models import Library

LIBRARY_CODE_RE = re.compile(r"\A[-a-zA-Z0-9_]{1,50}\Z")


def library_from_request(request, libraries: QuerySet[Library]) -> Library:
    """The library named by ``?library=<code>``, which must be one of ``libraries`` (those
    whose figures the user may read); the first of them by name when none is named.
    A malformed code is a 400, an unknown one a 404, another's library a 403 (Wagtail shows
    it as a redirect to the dashboard with a message)."""
    code = request.GET.get("library", "").strip()
    if not code:
        first = libraries.order_by("name", "pk").first()
        if first is None:
            raise PermissionDenied
        return first
    if not LIBRARY_CODE_RE.match(code):
        raise BadRequest(_("Unknown library code."))
    library = Library.objects.filter(code=code).first()
    if library is None:
        raise Http404(_("No library with this code."))
    if not libraries.filter(pk=library.pk).exists():
        raise PermissionDenied
    return library
