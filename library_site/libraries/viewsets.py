"""Snippet views that apply a per-object permission policy (see
``catalog.permissions`` and ``lending.permissions``): Wagtail's generic views check
model permissions only.

``ScopedSnippetViewSet`` is the base of every admin screen over personal data: each view
Wagtail generates for a snippet (listing, inspect, edit, delete, copy, usage, history,
the chooser and its results) finds objects only among those the user may view, so a
librarian never reaches another library's readers through a view nobody thought of.
``tests/security/test_url_matrix.py`` checks every URL the resolver knows."""

from django.core.exceptions import PermissionDenied

from wagtail.permissions import policy_registry
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import (
    CopyView,
    DeleteView,
    EditView,
    HistoryView,
    IndexView,
    InspectView,
    SnippetViewSet,
    UsageView,
)


class InstancePermissionIndexView(IndexView):
    """Links a row to its edit form only when the user may change that very object."""

    def get_edit_url(self, instance):
        if self.user_has_permission_for_instance("change", instance):
            return super().get_edit_url(instance)
        return None


class ScopedIndexView(InstancePermissionIndexView):
    """Lists only the objects the user may view (personal data stays in its library)."""

    def get_base_queryset(self):
        visible = self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
        return super().get_base_queryset().filter(pk__in=visible.values("pk"))


class InstancePermissionEditView(EditView):
    """Refuses to open an object of another library for editing."""

    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        if not self.permission_policy.user_has_permission_for_instance(self.request.user, "change", instance):
            raise PermissionDenied
        return instance


class ScopedInspectView(InspectView):
    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        if not self.permission_policy.user_has_permission_for_instance(self.request.user, "view", instance):
            raise PermissionDenied
        return instance


class InstancePermissionDeleteView(DeleteView):
    """Refuses to delete an object of another library."""

    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        if not self.permission_policy.user_has_permission_for_instance(self.request.user, "delete", instance):
            raise PermissionDenied
        return instance


class ScopedObjectMixin:
    """A view of one object that refuses objects the user may not view."""

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        policy = policy_registry.get_by_type(type(instance))
        if not policy.user_has_permission_for_instance(self.request.user, "view", instance):
            raise PermissionDenied
        return instance


class ScopedUsageView(ScopedObjectMixin, UsageView):
    pass


class ScopedHistoryView(ScopedObjectMixin, HistoryView):
    pass


class ScopedCopyView(ScopedObjectMixin, CopyView):
    pass


def _visible(model, user):
    return policy_registry.get_by_type(model).instances_user_has_permission_for(user, "view")


class ScopedChooseMixin:
    def get_object_list(self):
        objects = super().get_object_list()
        return objects.filter(pk__in=_visible(self.model_class, self.request.user).values("pk"))


class ScopedChooseView(ScopedChooseMixin, chooser.ChooseView):
    pass


class ScopedChooseResultsView(ScopedChooseMixin, chooser.ChooseResultsView):
    pass


class ScopedChosenView(chooser.SnippetChosenView):
    def get_object(self, pk):
        return _visible(self.model_class, self.request.user).get(pk=pk)


class ScopedChosenMultipleView(chooser.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return _visible(self.model_class, self.request.user).filter(pk__in=pks)


class ScopedChooserViewSet(chooser.SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


class ScopedSnippetViewSet(SnippetViewSet):
    """Every generated view of the snippet sees only the objects the user may view."""

    index_view_class = ScopedIndexView
    edit_view_class = InstancePermissionEditView
    delete_view_class = InstancePermissionDeleteView
    inspect_view_class = ScopedInspectView
    copy_view_class = ScopedCopyView
    usage_view_class = ScopedUsageView
    history_view_class = ScopedHistoryView
    chooser_viewset_class = ScopedChooserViewSet
    search_backend_name = None
