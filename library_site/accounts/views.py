"""Staff two-step sign-in screens in the Wagtail admin (/admin/two-factor/…): the code
step after the password, setting up an authenticator app, backup codes, turning it off,
and a superuser's reset of someone else's (a lost phone)."""

from base64 import b32encode
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

import django_otp

from library_site.printing.barcodes import qr_svg

from . import selectors, services
from .forms import CodeForm, SetupCodeForm

FAILURES_KEY = "two_factor_failures"
NEW_CODES_KEY = "two_factor_new_backup_codes"


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = {request.get_host()}
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=allowed, require_https=request.is_secure()):
        return url
    return reverse("wagtailadmin_home")


def _check_code(request, form) -> bool:
    """Checks the form's code against the signed-in user's devices. Wrong codes are
    counted in the session; after ``OTP_MAX_FAILURES`` of them the session is signed out.
    Returns True when the code was right; otherwise the form carries the reason (or the
    user has been signed out: ``request.user`` is anonymous)."""
    result = services.two_factor_verify(user=request.user, token=form.cleaned_data["code"])
    if result.ok:
        request.session.pop(FAILURES_KEY, None)
        django_otp.login(request, result.device)
        return True
    failures = request.session.get(FAILURES_KEY, 0) + 1
    if failures >= settings.OTP_MAX_FAILURES:
        logout(request)
        messages.error(request, _("Too many wrong codes. You have been signed out; sign in again."))
        return False
    request.session[FAILURES_KEY] = failures
    if result.locked_until is not None:
        when = formats.time_format(timezone.localtime(result.locked_until), "H:i:s")
        form.add_error("code", _("Too many wrong codes: wait until %(time)s, then try again.") % {"time": when})
    else:
        form.add_error("code", _("That code is not right. Check the time on your phone and try again."))
    return False


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify_view(request):
    """The second step of signing in: the code from the app, or a backup code."""
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    if not selectors.two_factor_enabled(request.user):
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _check_code(request, form):
            # A new session key once fully signed in (the password-only key is dropped).
            request.session.cycle_key()
            return redirect(next_url)
        if not request.user.is_authenticated:
            return redirect(reverse("wagtailadmin_login"))
    return TemplateResponse(request, "accounts/admin/verify.html", {"form": form, "next": next_url})


def _qr_svg(text: str) -> str:
    # Drawn by qrcode from our own text: no markup from a user.
    return mark_safe(qr_svg(text, size_px=220))


def _secret_display(device) -> str:
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def setup_view(request):
    """Set up an authenticator app: scan the QR code (or type the secret), confirm with
    a code, then see the backup codes once."""
    if selectors.two_factor_enabled(request.user):
        messages.info(request, _("Two-step sign-in is already on. Turn it off first to use another phone."))
        return redirect("two_factor_index")
    device = services.two_factor_setup_begin(user=request.user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.two_factor_setup_confirm(
            user=request.user, device_id=device.pk, token=form.cleaned_data["code"]
        )
        if result is not None:
            django_otp.login(request, result.device)
            request.session.cycle_key()
            request.session[NEW_CODES_KEY] = result.backup_codes
            messages.success(request, _("Two-step sign-in is on."))
            return redirect(reverse("two_factor_backup_codes") + "?" + urlencode({"next": _next_url(request)}))
        form.add_error("code", _("That code is not right. Scan the QR code again or check the time on your phone."))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": _secret_display(device),
        "required": selectors.two_factor_required(request.user),
        "next": _next_url(request),
    }
    return TemplateResponse(request, "accounts/admin/setup.html", context)


@never_cache
@require_http_methods(["GET"])
def backup_codes_view(request):
    """The new backup codes, shown once (they are taken out of the session here)."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("two_factor_index")
    return TemplateResponse(request, "accounts/admin/backup_codes.html", {"codes": codes, "next": _next_url(request)})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def index_view(request):
    """The user's own two-step sign-in: status, new backup codes, turning it off. Both
    changes ask for a current code."""
    user = request.user
    enabled = selectors.two_factor_enabled(user)
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {name: CodeForm(request.POST if action == name else None, prefix=name) for name in ("disable", "backup")}
    for unbound in forms.values():
        unbound.fields["code"].widget.attrs.pop("autofocus", None)
    form = forms.get(action)
    if enabled and form is not None and form.is_valid():
        if _check_code(request, form):
            if action == "disable":
                services.two_factor_disable(user=user, by=user)
                messages.success(request, _("Two-step sign-in is off."))
                return redirect("two_factor_index")
            request.session[NEW_CODES_KEY] = services.backup_codes_generate(user=user)
            return redirect("two_factor_backup_codes")
        if not request.user.is_authenticated:
            return redirect(reverse("wagtailadmin_login"))
    context = {
        "enabled": enabled,
        "required": selectors.two_factor_required(user),
        "backup_codes_remaining": selectors.backup_codes_remaining(user) if enabled else 0,
        "disable_form": forms["disable"],
        "backup_form": forms["backup"],
    }
    return TemplateResponse(request, "accounts/admin/index.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def reset_view(request, user_id: int):
    """A city administrator removes another person's authenticator and backup codes (a
    lost phone); logged in Wagtail's log. That person sets it up again at next sign-in
    when it is required of them."""
    if not request.user.is_superuser:
        raise PermissionDenied
    target = get_object_or_404(get_user_model(), pk=user_id)
    enabled = selectors.two_factor_enabled(target)
    if request.method == "POST" and enabled:
        services.two_factor_disable(user=target, by=request.user)
        messages.success(
            request, _("Two-step sign-in of %(username)s has been reset.") % {"username": target.get_username()}
        )
        return redirect("wagtailusers_users:index")
    return TemplateResponse(request, "accounts/admin/reset.html", {"target": target, "enabled": enabled})
