"""The gate of staff two-step sign-in.

Under ``OTP_PROTECTED_PATH_PREFIXES`` (the Wagtail admin, Django's admin, the desk's card
scanner), a signed-in user whose session has not been verified with a code is stopped:

- who has a confirmed device is sent to the code step (``two_factor_verify``);
- who must have one (``selectors.two_factor_required``: superusers, and all staff under
  ``OTP_REQUIRED_FOR_STAFF``) and has none is sent to set one up (``two_factor_setup``);
- everyone else passes (a librarian who chose not to use it, while it is optional).

Readers' pages, public pages, the kiosk and static files are never under these prefixes.
Must come after ``AuthenticationMiddleware`` and django-otp's ``OTPMiddleware``, which
sets ``request.user.is_verified()``."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .selectors import two_factor_enabled, two_factor_required

# Pages a half-signed-in user still reaches: signing in or out, the steps themselves and
# the admin's translations (the step pages load them).
ALWAYS_OPEN = (
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
)
OPEN_TO_VERIFY = ("two_factor_verify",)
OPEN_TO_SETUP = ("two_factor_setup",)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._paths = None

    def __call__(self, request):
        response = self._gate(request)
        return response if response is not None else self.get_response(request)

    def _open_paths(self) -> dict[str, frozenset[str]]:
        if self._paths is None:
            self._paths = {
                "always": frozenset(reverse(name) for name in ALWAYS_OPEN),
                "verify": frozenset(reverse(name) for name in OPEN_TO_VERIFY),
                "setup": frozenset(reverse(name) for name in OPEN_TO_SETUP),
            }
        return self._paths

    def _gate(self, request):
        path = request.path_info
        if not path.startswith(tuple(settings.OTP_PROTECTED_PATH_PREFIXES)):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        paths = self._open_paths()
        if path in paths["always"]:
            return None
        if two_factor_enabled(user):
            if path in paths["verify"]:
                return None
            return self._send(request, "two_factor_verify", _("Type the code from your authenticator app."))
        if two_factor_required(user):
            if path in paths["setup"]:
                return None
            return self._send(request, "two_factor_setup", _("Set up two-step sign-in before using the admin."))
        return None

    @staticmethod
    def _send(request, url_name: str, message: str):
        """GET and HEAD go to the step and come back; anything else (a form, the scanner's
        JSON) is refused, so no change is made before the step."""
        if request.method in ("GET", "HEAD"):
            return redirect_to_login(request.get_full_path(), reverse(url_name))
        if request.content_type == "application/json" or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"ok": False, "reason": "two_factor", "message": message}, status=403)
        return HttpResponseForbidden(message)
