"""The site's HTTP middleware: bad request parameters answered with a 400 that says why,
the Content-Security-Policy (django-csp, with a looser policy for the Wagtail admin) and
the Permissions-Policy header."""

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from csp.middleware import CSPMiddleware, PolicyParts

from library_site.params import BadParameter


class BadParameterMiddleware:
    """A view that lets ``library_site.params.BadParameter`` propagate answers 400 with the
    message: ``{"errors": {name: message}}`` for JSON requests (the API's error shape),
    the ``400.html`` page otherwise. Never a 500.

    A NUL character in the query string or a posted form is refused here, before any
    view: PostgreSQL cannot store or compare text containing one (the driver raises)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = _field_with_nul(request)
        if name is not None:
            return self.process_exception(
                request, BadParameter(name, _("%(name)s contains a character that is not allowed.") % {"name": name})
            )
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, BadParameter):
            return None
        message = exception.messages[0]
        if _wants_json(request):
            return JsonResponse({"errors": {exception.name: message}}, status=400)
        response = TemplateResponse(request, "400.html", {"message": message}, status=400)
        return response.render()


def _field_with_nul(request) -> str | None:
    """The first query-string or form field whose name or value holds a NUL, if any.
    Only url-encoded forms are read here: multipart uploads keep their own handlers."""
    sources = [request.GET]
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        sources.append(request.POST)
    for data in sources:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return key.replace("\x00", "") or "?"
    return None


def _wants_json(request) -> bool:
    return (
        request.path_info.startswith("/api/")
        or request.content_type == "application/json"
        or "application/json" in request.headers.get("Accept", "")
    )


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with two policies: ``CONTENT_SECURITY_POLICY`` for the site
    (scripts and styles from our own origin, inline ones only with the request's nonce),
    and ``CONTENT_SECURITY_POLICY_ADMIN_DIRECTIVES`` under ``CSP_ADMIN_PATH_PREFIXES``:
    Wagtail's admin still writes inline scripts (date pickers, inline panels) and style
    attributes, and a nonce in a directive makes browsers ignore ``'unsafe-inline'``."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        admin_prefixes = tuple(getattr(settings, "CSP_ADMIN_PATH_PREFIXES", ()))
        if not report_only and parts.config is None and request.path_info.startswith(admin_prefixes):
            parts.config = dict(settings.CONTENT_SECURITY_POLICY_ADMIN_DIRECTIVES)
            parts.nonce = None
        return parts


def allow_features(*features: str):
    """View decorator: the response's Permissions-Policy lets this page (same origin)
    use ``features`` that the site otherwise denies, e.g. ``allow_features("camera")``
    for the kiosk's card scanning by camera."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.permissions_policy_allow = frozenset(features)
            return response

        return wrapped

    return decorator


class PermissionsPolicyMiddleware:
    """Sets ``Permissions-Policy``: every feature in ``PERMISSIONS_POLICY_DENY`` is denied
    (``camera=()``) unless the view allowed it for its own origin with ``allow_features``
    (``camera=(self)``). Embedded frames (course videos) inherit the denial."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            allowed = getattr(response, "permissions_policy_allow", frozenset())
            response["Permissions-Policy"] = ", ".join(
                f"{feature}=(self)" if feature in allowed else f"{feature}=()"
                for feature in settings.PERMISSIONS_POLICY_DENY
            )
        return response
