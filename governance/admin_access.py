"""Admin pages for object-scope grants (who may work in which category). A grant is added or
deleted, never edited; both go through the grant services, which audit them."""

from django.contrib import admin

from governance import services_access
from governance.models import CategoryGroupObjectPermission, CategoryUserObjectPermission


class GrantAdmin(admin.ModelAdmin):
    """One grantee (user or group) on one object; saving grants, deleting revokes."""

    grantee_field: str  # "user" or "group"
    object_label = "category"
    list_select_related = True

    def grant(self, obj, **grantee):
        raise NotImplementedError

    def revoke(self, obj, **grantee):
        raise NotImplementedError

    def get_list_display(self, request):
        return ["content_object", self.grantee_field]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = ["content_object", self.grantee_field]
        kwargs["labels"] = {"content_object": self.object_label.capitalize()}
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # revoke and grant again instead

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        self.grant(data["content_object"], **{self.grantee_field: data[self.grantee_field]})
        saved = self._rows(data["content_object"], data[self.grantee_field]).first()
        obj.pk, obj.permission, obj._state.adding = saved.pk, saved.permission, False

    def _rows(self, target, grantee):
        return self.model.objects.filter(content_object=target, **{self.grantee_field: grantee})

    def delete_model(self, request, obj):
        self.revoke(obj.content_object, **{self.grantee_field: getattr(obj, self.grantee_field)})

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("content_object", self.grantee_field):
            self.delete_model(request, obj)


class CategoryGrantAdmin(GrantAdmin):
    def grant(self, obj, **grantee):
        services_access.category_grant(category=obj, **grantee)

    def revoke(self, obj, **grantee):
        services_access.category_revoke(category=obj, **grantee)


@admin.register(CategoryUserObjectPermission)
class CategoryUserGrantAdmin(CategoryGrantAdmin):
    grantee_field = "user"


@admin.register(CategoryGroupObjectPermission)
class CategoryGroupGrantAdmin(CategoryGrantAdmin):
    grantee_field = "group"
