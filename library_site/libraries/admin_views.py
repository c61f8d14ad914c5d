"""Snippet views that apply a per-object permission policy (see
``catalog.permissions`` and ``lending.permissions``): Wagtail's generic views check
model permissions only."""

from django.core.exceptions import PermissionDenied

from wagtail.snippets.views.snippets import DeleteView, EditView, IndexView, InspectView


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
