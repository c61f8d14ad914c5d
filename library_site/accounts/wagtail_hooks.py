"""Two-step sign-in in the Wagtail admin: its screens under /admin/two-factor/, a link in
the account page's "More actions", a superuser's "Reset two-step sign-in" in the users
listing, and the log actions."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.widgets import Button

from . import views
from .selectors import two_factor_enabled


@hooks.register("register_admin_urls")
def two_factor_admin_urls():
    return [
        path("two-factor/", views.index_view, name="two_factor_index"),
        path("two-factor/verify/", views.verify_view, name="two_factor_verify"),
        path("two-factor/setup/", views.setup_view, name="two_factor_setup"),
        path("two-factor/backup-codes/", views.backup_codes_view, name="two_factor_backup_codes"),
        path("two-factor/reset/<int:user_id>/", views.reset_view, name="two_factor_reset"),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_menu_item(request):
    return {
        "url": reverse("two_factor_index"),
        "label": _("Two-step sign-in"),
        "help_text": _("Sign in with a code from an authenticator app on your phone as well as your password."),
    }


@hooks.register("register_user_listing_buttons")
def two_factor_reset_button(user, request_user):
    if request_user.is_superuser and user.pk != request_user.pk and two_factor_enabled(user):
        yield Button(
            _("Reset two-step sign-in"), reverse("two_factor_reset", args=[user.pk]), icon_name="key", priority=90
        )


@hooks.register("register_log_actions")
def two_factor_log_actions(actions):
    actions.register_action("accounts.two_factor_enable", _("Two-step sign-in on"), _("Two-step sign-in turned on"))
    actions.register_action(
        "accounts.two_factor_disable", _("Two-step sign-in off"), _("Two-step sign-in turned off by its owner")
    )
    actions.register_action(
        "accounts.two_factor_reset", _("Two-step sign-in reset"), _("Two-step sign-in reset by an administrator")
    )
    actions.register_action("accounts.backup_codes_new", _("New backup codes"), _("New backup codes made"))
