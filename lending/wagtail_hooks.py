"""Reader and circulation screens in the Wagtail admin (menus: Readers → Members, People;
Circulation → Loans, Holds, Loan rules, Closed days; the circulation desk; roster and
cards). Staff see only their own library's readers, loans and holds, and set their own
library's loan rules and closed days."""

from django.db.models import Q
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from catalog.admin_forms import LibraryOwnedAdminForm
from library_site.libraries.viewsets import (
    InstancePermissionEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedSnippetViewSet,
)

from .models import (
    ClosedDay,
    ErasureRequest,
    ErasureStatus,
    Hold,
    Loan,
    LoanRule,
    Membership,
    MembershipStatus,
    PersonalDataLogEntry,
    Reader,
    personal_data_models,
)
from .services import presence
from .services.personal_data import EXPORT_ACTION, VIEW_ACTION, personal_data_view_log, personal_data_view_log_many
from .views import admin as admin_views
from .views import desk as desk_views
from .views import presence as presence_views


class ViewLoggedMixin:
    """Opening the object's page is logged as ``lending.view`` (who, which object, when,
    through which screen), never what was shown (Decree 13/2023/NĐ-CP)."""

    log_via = ""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if response.status_code == 200:
            personal_data_view_log(user=request.user, instance=self.object, via=self.log_via)
        return response


class LoggedInspectView(ViewLoggedMixin, ScopedInspectView):
    log_via = "inspect"


class LoggedEditView(ViewLoggedMixin, InstancePermissionEditView):
    log_via = "edit"


class LoggedExportIndexView(ScopedIndexView):
    """A listing whose spreadsheet export (CSV, XLSX) logs one view per exported row."""

    def as_spreadsheet(self, queryset, spreadsheet_format):
        response = super().as_spreadsheet(queryset, spreadsheet_format)
        personal_data_view_log_many(
            user=self.request.user,
            model=self.model,
            pks=list(queryset.values_list("pk", flat=True)),
            via=f"export-{spreadsheet_format}",
        )
        return response


class PersonalDataViewSet(ScopedSnippetViewSet):
    """Readers and members: reading their pages and exporting their lists is logged."""

    index_view_class = LoggedExportIndexView
    inspect_view_class = LoggedInspectView
    edit_view_class = LoggedEditView


class MembershipAdminForm(LibraryOwnedAdminForm):
    """A membership joins a person to one of the librarian's libraries. The person is
    chosen among those the librarian already serves, or someone nobody serves yet (just
    added under *People*): never another library's reader picked by id, which would open
    their personal data to this library. A membership never moves to another person."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("reader")
        if field is None:
            return
        if self.instance.pk:
            field.disabled = True
            return
        field.help_text = format_html(
            '{} <a href="{}">{}</a>',
            gettext(
                "Someone another library already serves (a pupil who changed school, a resident who studies here)?"
            ),
            reverse("lending_membership_add_existing"),
            gettext("Add an existing person, who is here"),
        )
        if self.for_user is not None and not self.for_user.is_superuser:
            visible = policy_registry.get_by_type(Reader).instances_user_has_permission_for(self.for_user, "view")
            field.queryset = Reader.objects.filter(
                Q(pk__in=visible.values("pk")) | Q(memberships__isnull=True)
            ).distinct()

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "reader" in self._errors:
            # The chooser would redisplay the refused person's name and ID.
            self.data = self.data.copy()
            self.data[self.add_prefix("reader")] = ""


class MembershipIndexView(LoggedExportIndexView):
    """The members listing, with the way in for someone another library serves."""

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.user_has_permission("add"):
            buttons.append(
                HeaderButton(
                    _("Add an existing person"),
                    url=reverse("lending_membership_add_existing"),
                    icon_name="user",
                    priority=1010,
                )
            )
        return buttons


class MembershipViewSet(PersonalDataViewSet):
    model = Membership
    icon = "group"
    index_view_class = MembershipIndexView
    menu_label = _("Members")
    inspect_view_enabled = True
    list_display = [
        # A field name first: Wagtail makes it the title column, which carries the row's
        # buttons (edit, inspect, new card, activation slip…).
        "reader",
        Column("reader__display_id", label=_("ID"), accessor=lambda m: m.reader.display_id),
        "class_name",
        "category",
        "status",
        "library",
    ]
    list_filter = ["status", "category", "class_name", "library"]
    search_fields = ["reader__full_name", "reader__id_number", "class_name"]
    search_backend_name = None
    list_per_page = 100

    def get_queryset(self, request):
        return Membership.objects.select_related("reader", "library")

    edit_handler = ObjectList(
        [
            FieldPanel("reader"),
            FieldRowPanel([FieldPanel("library"), FieldPanel("category")]),
            FieldRowPanel([FieldPanel("class_name"), FieldPanel("school_year"), FieldPanel("status")]),
            MultiFieldPanel(
                [FieldPanel("consent_given_by"), FieldPanel("consent_version"), FieldPanel("consent_given_at")],
                heading=_("Consent (residents, Decree 13/2023/NĐ-CP)"),
            ),
        ],
        base_form_class=MembershipAdminForm,
    )


class ReaderViewSet(PersonalDataViewSet):
    model = Reader
    icon = "user"
    menu_label = _("People")
    inspect_view_enabled = True
    list_display = ["full_name", Column("display_id", label=_("ID")), "date_of_birth"]
    search_fields = ["full_name", "id_number"]
    search_backend_name = None
    panels = [
        FieldPanel("full_name"),
        FieldRowPanel([FieldPanel("id_issuer"), FieldPanel("id_number")]),
        FieldPanel("date_of_birth"),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
        FieldPanel("photo"),
    ]


class ErasureRequestViewSet(ScopedSnippetViewSet):
    """Readers' erasure requests, for the staff of the reader's libraries (read-only:
    decided on the decision screen, ``lending.views.admin.erasure_request_decide_view``)."""

    model = ErasureRequest
    icon = "bin"
    menu_label = _("Erasure requests")
    inspect_view_enabled = True
    inspect_view_class = LoggedInspectView
    list_display = [
        "__str__",  # the title column, with the row's buttons (Decide)
        Column("reader", label=_("Reader"), accessor=lambda item: item.reader.full_name),
        "requested_at",
        "status",
        "decided_at",
    ]
    list_filter = ["status"]
    list_per_page = 100
    inspect_view_fields = ["reader", "requested_at", "reason", "status", "decided_by", "decided_at", "staff_note"]

    def get_queryset(self, request):
        return ErasureRequest.objects.select_related("reader")


class ReadersViewSetGroup(SnippetViewSetGroup):
    items = (MembershipViewSet, ReaderViewSet, ErasureRequestViewSet)
    menu_icon = "group"
    menu_label = _("Readers")
    menu_name = "readers"
    menu_order = 130


register_snippet(ReadersViewSetGroup)


class LibraryScopedViewSet(ScopedSnippetViewSet):
    """Rows of the user's own libraries only; forms offer only those libraries."""

    list_per_page = 100


class LoanRuleViewSet(LibraryScopedViewSet):
    model = LoanRule
    icon = "cog"
    menu_label = _("Loan rules")
    list_display = [
        "library",
        "category",
        "material_kind",
        "loan_days",
        "max_loans",
        "max_renewals",
        "hold_pickup_days",
    ]
    list_filter = ["library", "category"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("library"), FieldPanel("category"), FieldPanel("material_kind")]),
            FieldRowPanel(
                [
                    FieldPanel("loan_days"),
                    FieldPanel("max_loans"),
                    FieldPanel("max_renewals"),
                    FieldPanel("hold_pickup_days"),
                ]
            ),
        ],
        base_form_class=LibraryOwnedAdminForm,
    )

    def get_queryset(self, request):
        return LoanRule.objects.select_related("library")


class ClosedDayViewSet(LibraryScopedViewSet):
    model = ClosedDay
    icon = "date"
    menu_label = _("Closed days")
    list_display = ["date", "reason", "library"]
    list_filter = ["library"]
    edit_handler = ObjectList(
        [FieldPanel("library"), FieldRowPanel([FieldPanel("date"), FieldPanel("reason")])],
        base_form_class=LibraryOwnedAdminForm,
    )

    def get_queryset(self, request):
        return ClosedDay.objects.select_related("library")


class LoanViewSet(LibraryScopedViewSet):
    """Loans are made, renewed and ended at the desk; here they are looked up."""

    model = Loan
    icon = "resubmit"
    menu_label = _("Loans")
    inspect_view_enabled = True
    list_display = [
        Column("copy", label=_("Copy"), accessor=lambda loan: loan.copy.barcode),
        Column("title", label=_("Title"), accessor=lambda loan: loan.copy.record.title),
        Column("member", label=_("Member"), accessor=lambda loan: loan.membership or "—"),
        "borrowed_at",
        "due_on",
        "returned_at",
        "ended_as",
        "returned_at_kiosk",
    ]
    list_filter = ["library", "ended_as", "reader_category"]
    search_fields = ["copy__barcode", "copy__record__title", "membership__reader__full_name"]

    def get_queryset(self, request):
        return Loan.objects.select_related("copy__record", "membership__reader", "library")


class HoldViewSet(LibraryScopedViewSet):
    model = Hold
    icon = "pick"
    menu_label = _("Holds")
    inspect_view_enabled = True
    list_display = [
        Column("record", label=_("Title"), accessor=lambda hold: hold.record.title),
        Column("member", label=_("Member"), accessor=lambda hold: hold.membership or "—"),
        "placed_at",
        "status",
        "expires_on",
    ]
    list_filter = ["status", "pickup_library"]
    search_fields = ["record__title", "membership__reader__full_name"]

    def get_queryset(self, request):
        return Hold.objects.select_related("record", "membership__reader", "pickup_library")


class CirculationViewSetGroup(SnippetViewSetGroup):
    items = (LoanViewSet, HoldViewSet, LoanRuleViewSet, ClosedDayViewSet)
    menu_icon = "resubmit"
    menu_label = _("Circulation")
    menu_name = "circulation"
    menu_order = 120


register_snippet(CirculationViewSetGroup)


@hooks.register("register_admin_urls")
def lending_admin_urls():
    return [
        path("desk/", desk_views.desk_view, name="lending_desk"),
        path("readers/roster/", admin_views.roster_view, name="lending_roster"),
        path("readers/roster/<int:pk>/", admin_views.roster_sync_view, name="lending_roster_sync"),
        path("readers/roster/<int:pk>/undo/", admin_views.roster_sync_undo_view, name="lending_roster_sync_undo"),
        path("readers/cards/", admin_views.card_batch_start_view, name="lending_card_batch"),
        path("readers/cards/<int:pk>/", admin_views.card_batch_view, name="lending_card_batch_detail"),
        path("readers/cards/<int:pk>/download/", admin_views.card_batch_download, name="lending_card_batch_download"),
        path(
            "readers/members/add-existing/",
            presence_views.membership_add_existing_view,
            name="lending_membership_add_existing",
        ),
        path("readers/members/<int:pk>/new-card/", admin_views.card_replace_view, name="lending_card_replace"),
        path(
            "readers/members/<int:pk>/activation-slip/",
            admin_views.activation_slip_view,
            name="lending_activation_slip",
        ),
        path("readers/erasure/<int:pk>/", admin_views.erasure_request_decide_view, name="lending_erasure_decide"),
    ]


@hooks.register("register_admin_menu_item")
def desk_menu_item():
    return MenuItem(_("Circulation desk"), reverse("lending_desk"), icon_name="resubmit", order=110)


@hooks.register("register_admin_menu_item")
def kiosk_menu_item():
    return MenuItem(_("Self-service kiosk"), reverse("lending:kiosk_start"), icon_name="tablet-alt", order=115)


@hooks.register("register_admin_menu_item")
def reader_tools_menu_item():
    return MenuItem(_("Roster and cards"), reverse("lending_roster"), icon_name="clipboard-list", order=135)


@hooks.register("register_snippet_listing_buttons")
def membership_new_card_button(snippet, user, next_url=None):
    if isinstance(snippet, Membership):
        policy = policy_registry.get_by_type(Membership)
        if policy.user_has_permission_for_instance(user, "change", snippet):
            yield Button(_("New card"), reverse("lending_card_replace", args=[snippet.pk]), icon_name="doc-full")
            if snippet.status != MembershipStatus.LEFT:
                yield Button(
                    _("Activation slip"), reverse("lending_activation_slip", args=[snippet.pk]), icon_name="key"
                )
    if (
        isinstance(snippet, ErasureRequest)
        and snippet.status == ErasureStatus.PENDING
        and user.has_perm("lending.change_reader")
    ):
        yield Button(_("Decide"), reverse("lending_erasure_decide", args=[snippet.pk]), icon_name="check")


@hooks.register("register_log_actions")
def personal_data_log_entries(actions):
    """Admin history of readers, members, cards, loans and holds: labels without names,
    read only by the staff of the reader's libraries (``PersonalDataLogEntry``)."""
    for model in personal_data_models():
        actions.register_model(model, PersonalDataLogEntry)
    actions.register_action(presence.ADDED)(AddedInPersonFormatter)
    actions.register_action(presence.REFUSED)(RefusedInPersonFormatter)
    # Staff reading personal data (Decree 13/2023/NĐ-CP): who, which object, when, how.
    actions.register_action(VIEW_ACTION, _("View personal data"), _("Personal data viewed"))
    actions.register_action(EXPORT_ACTION, _("Export of own data"), _("The reader downloaded their data"))
    actions.register_action("lending.erasure_approved", _("Erasure approved"), _("Erasure approved: data erased"))
    actions.register_action("lending.erasure_refused", _("Erasure refused"), _("Erasure request refused"))


PROOF_LABELS = {
    presence.PROOF_CARD: _("card scanned"),
    presence.PROOF_ID_DOB: _("ID and date of birth typed by staff"),
}
REFUSAL_LABELS = {
    "no_match": _("no one matched"),
    "locked": _("too many attempts"),
    "already_member": _("already a member"),
}


class AddedInPersonFormatter(LogFormatter):
    label = _("Add an existing person")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        message = gettext("Made a member in person (proof: %(proof)s)") % {
            "proof": PROOF_LABELS.get(data.get("proof"), "—")
        }
        if data.get("rejoined"):
            message += " · " + gettext("back after leaving")
        return message


class RefusedInPersonFormatter(LogFormatter):
    label = _("Add an existing person: refused")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return gettext("Adding an existing person was refused (proof: %(proof)s; %(reason)s)") % {
            "proof": PROOF_LABELS.get(data.get("proof"), "—"),
            "reason": REFUSAL_LABELS.get(data.get("reason"), "—"),
        }


@hooks.register("register_log_actions")
def activation_code_log_action(actions):
    actions.register_action(
        "lending.activation_code", _("Activation code issued"), _("A new activation code was printed")
    )
