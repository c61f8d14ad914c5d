"""The desk's card scan: ``POST /lending/scan/`` answers JSON for a scanned or typed card
code; ``GET`` shows a small page with a scan field that posts to it.

Only library staff may scan: members of a library's staff group, Django staff and
superusers. The library the desk is at is the staff user's library; someone who works
for several sends a ``library`` field (code or id). Superusers and Django staff who name
no library scan city-wide (any library's card is accepted).

Every answer of the POST is JSON, refusals included: the view is ``csrf_exempt`` only so
that the CSRF check runs *after* the sign-in check and fails as JSON too; it is never
skipped.
"""

import json

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lending.services.scan import ScanResult, card_scan
from library_site.libraries.models import Library
from library_site.libraries.selectors import library_list_for_user
from library_site.params import BadParameter, looks_like_number, parse_id


class _Refusal(Exception):
    def __init__(self, status: int, reason: str, message: str):
        self.status, self.reason, self.message = status, reason, message


def desk_staff(user) -> bool:
    """Whether ``user`` may scan cards at a desk."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.is_staff or library_list_for_user(user=user).exists()


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def scan_view(request: HttpRequest):
    if request.method == "GET":
        if not request.user.is_authenticated:
            # Staff sign in through the admin (LOGIN_URL is the readers' sign-in page).
            return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
        if not desk_staff(request.user):
            return _json_refusal(_forbidden())
        libraries = list(library_list_for_user(user=request.user).order_by("name"))
        return TemplateResponse(request, "lending/scan.html", {"libraries": libraries})

    try:
        if not desk_staff(request.user):
            raise _forbidden()
        _csrf_check(request)
        data = _data(request)
        code = data.get("code")
        if not isinstance(code, str):
            raise _Refusal(400, "bad_request", gettext("Send the scanned code in the field “code”."))
        library = _desk_library(request.user, data.get("library"))
    except _Refusal as refusal:
        return _json_refusal(refusal)
    return JsonResponse(scan_result_json(card_scan(text=code, library=library)))


def scan_result_json(result: ScanResult) -> dict:
    reader = None
    if result.reader is not None and result.membership is not None:
        membership = result.membership
        reader = {
            "name": result.reader.full_name,
            "id": result.reader.display_id,
            "class": membership.class_name,
            "category": str(membership.get_category_display()),
            "library": membership.library.name,
        }
    return {"ok": result.ok, "reason": result.reason, "message": result.message, "reader": reader}


def _forbidden() -> _Refusal:
    return _Refusal(
        403, "forbidden", gettext("Only library staff can scan reader cards. Sign in with a staff account.")
    )


def _csrf_check(request: HttpRequest) -> None:
    rejected = CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})
    if rejected is not None:
        raise _Refusal(403, "csrf", gettext("The page has expired: reload it and scan again."))


def _data(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise _Refusal(400, "bad_request", gettext("The request is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise _Refusal(400, "bad_request", gettext("The request is not valid JSON."))
        if any(isinstance(value, str) and "\x00" in value for value in data.values()):
            # Forms are checked by library_site.middleware; PostgreSQL refuses NUL in text.
            raise _Refusal(400, "bad_request", gettext("The request contains a character that is not allowed."))
        return data
    return request.POST.dict()


def _desk_library(user, requested) -> Library | None:
    libraries = library_list_for_user(user=user)
    if requested not in (None, ""):
        requested = str(requested).strip()
        if looks_like_number(requested):
            try:
                chosen = libraries.filter(pk=parse_id(requested, name="library"))
            except BadParameter as error:
                raise _Refusal(400, "bad_request", error.messages[0]) from None
        elif "\x00" in requested:
            # PostgreSQL refuses NUL in text: never a library code, never a query.
            raise _Refusal(400, "bad_request", gettext("You do not work for this library."))
        else:
            chosen = libraries.filter(code=requested)
        library = chosen.first()
        if library is None:
            raise _Refusal(403, "forbidden", gettext("You do not work for this library."))
        return library
    mine = list(libraries[:2])
    if len(mine) == 1:
        return mine[0]
    if user.is_superuser or user.is_staff:
        return None
    raise _Refusal(400, "library_required", gettext("You work for several libraries: choose the one you are at."))


def _json_refusal(refusal: _Refusal) -> JsonResponse:
    body = {"ok": False, "reason": refusal.reason, "message": refusal.message, "reader": None}
    return JsonResponse(body, status=refusal.status)
