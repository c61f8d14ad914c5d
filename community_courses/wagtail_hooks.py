"""Course screens in the Wagtail admin (menu: Community courses → Survey templates,
Practice sessions; and Course reports). Course and lesson pages are edited in each
centre's page tree."""

from django import forms
from django.db.models import Count
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from catalog.admin_forms import LibraryOwnedAdminForm
from lending.services.personal_data import PERSONAL_DATA_SECTION_HOOK
from library_site.libraries.viewsets import InstancePermissionEditView, InstancePermissionIndexView, ScopedIndexView

from . import admin_views, views
from .models import COURSE_PROGRESS_HOOK, LESSON_SERVE_HOOK, PracticeSession, SurveyTemplate
from .permissions import user_may_read_reports
from .personal_data import courses_personal_data
from .selectors.participation import course_progress_for_user

# What the course and lesson pages call (see ``models.COURSE_PROGRESS_HOOK``).
hooks.register(COURSE_PROGRESS_HOOK, course_progress_for_user)
hooks.register(LESSON_SERVE_HOOK, views.lesson_serve)
# The courses' part of a reader's data export (Decree 13/2023/NĐ-CP).
hooks.register(PERSONAL_DATA_SECTION_HOOK, courses_personal_data)


class SurveyTemplateAdminForm(LibraryOwnedAdminForm):
    """A centre's librarian owns the templates they make; only a superuser leaves the
    centre empty (a template shared by every centre). Questions of a template that has
    been answered are frozen: changing them would make before and after incomparable."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and not self.for_user.is_superuser:
            self.fields["library"].required = True

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_in_use:
            formset = self.formsets.get("questions")
            if formset is not None and (any(form.has_changed() for form in formset.forms) or formset.deleted_forms):
                raise forms.ValidationError(
                    _(
                        "People have answered this survey, so its questions can no longer change. "
                        "Copy the template and change the copy."
                    )
                )
        return cleaned


class SurveyTemplateViewSet(SnippetViewSet):
    model = SurveyTemplate
    icon = "list-ul"
    menu_label = gettext_lazy("Survey templates")
    index_view_class = InstancePermissionIndexView
    edit_view_class = InstancePermissionEditView
    list_display = [
        "name",
        Column("library", label=gettext_lazy("Centre")),
        Column("question_count", label=gettext_lazy("Questions")),
    ]
    list_filter = ["library"]
    search_fields = ["name"]
    search_backend_name = None

    def get_queryset(self, request):
        return SurveyTemplate.objects.select_related("library").annotate(question_count=Count("questions"))

    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("library")]),
            FieldPanel("intro"),
            InlinePanel("questions", label=gettext_lazy("Questions"), min_num=1),
        ],
        base_form_class=SurveyTemplateAdminForm,
    )


class PracticeSessionAdminForm(WagtailAdminModelForm):
    """The course is chosen among the user's centres' courses; the organising centre
    follows from it. Capacity never drops below the places already taken."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "course" in self.fields:
            self.fields["course"].queryset = admin_views.courses_for_user(self.for_user)

    def clean(self):
        cleaned = super().clean()
        course = cleaned.get("course")
        if course is not None:
            centre = course.specific.centre
            if centre is None:
                self.add_error("course", _("This course does not belong to a centre."))
            else:
                self.instance.library = centre
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity is not None:
            taken = self.instance.registrations.count()
            if capacity < taken:
                self.add_error(
                    "capacity",
                    _("%(count)d people have already registered; the capacity cannot be smaller.") % {"count": taken},
                )
        return cleaned


class PracticeSessionViewSet(SnippetViewSet):
    model = PracticeSession
    icon = "date"
    menu_label = gettext_lazy("Practice sessions")
    index_view_class = ScopedIndexView
    edit_view_class = InstancePermissionEditView
    list_display = [
        Column("course", label=gettext_lazy("Course")),
        Column("starts_at", label=gettext_lazy("Starts at")),
        Column("host", label=gettext_lazy("Held at")),
        Column("capacity", label=gettext_lazy("Places")),
        Column("taken", label=gettext_lazy("Registered")),
    ]
    list_filter = ["host", "starts_at"]
    ordering = ["-starts_at"]
    search_fields = ["course__title", "place"]
    search_backend_name = None

    def get_queryset(self, request):
        return PracticeSession.objects.select_related("course", "host", "library").annotate(
            taken=Count("registrations")
        )

    edit_handler = ObjectList(
        [
            FieldPanel("course"),
            FieldRowPanel([FieldPanel("host"), FieldPanel("place")]),
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("capacity")]),
            FieldPanel("note"),
        ],
        base_form_class=PracticeSessionAdminForm,
    )


class CoursesViewSetGroup(SnippetViewSetGroup):
    items = (SurveyTemplateViewSet, PracticeSessionViewSet)
    menu_icon = "group"
    menu_label = gettext_lazy("Community courses")
    menu_name = "community-courses"
    menu_order = 140


register_snippet(CoursesViewSetGroup)


@hooks.register("register_admin_urls")
def courses_admin_urls():
    return [
        path("courses/reports/", admin_views.participation_view, name="courses_participation"),
        path("courses/reports/needs/", admin_views.needs_report_view, name="courses_needs"),
        path("courses/<int:course_id>/survey/", admin_views.survey_results_view, name="courses_survey_results"),
        path("courses/practice/<int:pk>/attendance/", admin_views.practice_attendance_view, name="courses_attendance"),
    ]


class ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return user_may_read_reports(request.user)


@hooks.register("register_admin_menu_item")
def course_reports_menu_item():
    return ReportsMenuItem(
        gettext_lazy("Course reports"), reverse("courses_participation"), icon_name="table", order=145
    )


@hooks.register("register_snippet_listing_buttons")
def practice_attendance_button(snippet, user, next_url=None):
    if isinstance(snippet, PracticeSession):
        policy = policy_registry.get_by_type(PracticeSession)
        if policy.user_has_permission_for_instance(user, "view", snippet):
            yield Button(
                _("Attendance list"), reverse("courses_attendance", args=[snippet.pk]), icon_name="list-ul", priority=40
            )
