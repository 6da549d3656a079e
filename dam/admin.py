"""Admin for the asset library. Uploads and edits go through dam.services, like the API."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from dam import presets, rendering, services
from dam.models import (
    Asset,
    AssetVersion,
    Collection,
    CollectionGroupObjectPermission,
    CollectionUserObjectPermission,
    RenditionProfile,
    UploadPreset,
)
from dam.policies import asset_policy, granted_collection_ids
from dam.services_access import collection_grant, collection_revoke
from dam.views import rendition_path
from governance import workflow_admin
from governance.admin import CodeFrozenAdmin, ServiceAdmin
from governance.admin_access import GrantAdmin
from governance.audit import current_user
from governance.policies import PolicyAdminMixin

TEXT_FIELDS = list(services.TEXT_LIMITS)


ADMIN_PREVIEW = "admin_preview"


def admin_preview_profile() -> RenditionProfile:
    """The admin's own preview size, made on first use."""
    profile = RenditionProfile.objects.filter(code=ADMIN_PREVIEW).first()
    return profile or rendering.rendition_profile_save(
        code=ADMIN_PREVIEW, changes={"width": 360, "height": 360, "format": "webp"}
    )


@admin.register(Collection)
class CollectionAdmin(CodeFrozenAdmin):
    list_display = ["code", "parent", "updated_at"]
    search_fields = ["code"]

    def service_save(self, data, *, existing):
        changes = {
            "labels": data["labels"],
            "parent": data["parent"].code if data["parent"] else None,
        }
        return services.collection_save(
            code=data.get("code", getattr(existing, "code", "")),
            changes=changes,
            collection=existing,
        )


class AssetUploadForm(forms.ModelForm):
    upload = forms.FileField(help_text="The type is read from the file's bytes, not its name.")

    class Meta:
        model = Asset
        fields = ["collection"]


class VersionInline(admin.TabularInline):
    model = AssetVersion
    extra = 0
    can_delete = False
    fields = [
        "number",
        "original_filename",
        "mime",
        "size",
        "metadata_status",
        "uploaded_by",
        "comment",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(PolicyAdminMixin, ServiceAdmin):
    policy = asset_policy
    list_display = ["preview", "code", "kind", "collection", "mime", "workflow_state", "updated_at"]
    list_filter = ["workflow_state", "kind", "collection"]
    actions = workflow_admin.ACTIONS
    search_fields = ["code", "search_text"]
    list_select_related = ["collection", "current_version"]
    inlines = [VersionInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AssetUploadForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["upload", "collection"]
        return ["preview_large", "code", "kind", "collection", *TEXT_FIELDS, "credit"]

    def get_readonly_fields(self, request, obj=None):
        return ["preview_large", "code", "kind"] if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def service_delete(self, obj):
        services.asset_delete(asset=obj)

    def service_save(self, data, *, existing):
        user = current_user()  # the admin's person (ActorMiddleware): their collection scope
        scope = granted_collection_ids(user) if user is not None else None
        if existing is None:
            upload = data["upload"]
            try:
                [result] = services.assets_ingest(
                    uploads=[(upload.name, upload)],
                    collection=data.get("collection"),
                    collection_scope=scope,
                )
            except services.UploadsRefused as exc:
                raise ValidationError([refusal.message for _, _, refusal in exc.refusals]) from None
            if result.duplicate:
                raise ValidationError(
                    f"These exact bytes are asset {result.asset.code} already.", code="duplicate"
                )
            return result.asset
        changes = {
            "credit": data["credit"],
            "collection": data["collection"].code if data["collection"] else None,
        }
        for field in TEXT_FIELDS:  # the form holds the whole object: erase the locales it dropped
            new = data[field] or {}
            changes[field] = {
                **{locale: None for locale in getattr(existing, field) if locale not in new},
                **new,
            }
        return services.asset_update(asset=existing, changes=changes, collection_scope=scope)

    @admin.display(description="MIME")
    def mime(self, asset):
        return asset.current_version.mime if asset.current_version_id else "—"

    @admin.display(description="")
    def preview(self, asset):
        return self._image(asset, 64)

    @admin.display(description="Preview")
    def preview_large(self, asset):
        return self._image(asset, 360)

    def _image(self, asset, size):
        """A rendition, not the original: a 24 MP upload must not be the list's thumbnail."""
        if asset.current_version_id is None or asset.kind not in ("image", "video", "document"):
            return "—"
        return format_html(
            '<img src="{}" alt="" loading="lazy" style="max-width:{}px;max-height:{}px">',
            rendition_path(asset.uuid, ADMIN_PREVIEW),
            size,
            size,
        )

    def changelist_view(self, request, extra_context=None):
        admin_preview_profile()  # once per page, not once per row
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        admin_preview_profile()
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(UploadPreset)
class UploadPresetAdmin(CodeFrozenAdmin):
    list_display = ["code", "collection", "updated_at"]

    def service_save(self, data, *, existing):
        changes = {name: data[name] for name in presets.PRESET_SETTINGS if name in data}
        changes["collection"] = data["collection"].code if data.get("collection") else None
        return presets.upload_preset_save(
            code=data.get("code", getattr(existing, "code", "")), changes=changes, preset=existing
        )


@admin.register(RenditionProfile)
class RenditionProfileAdmin(CodeFrozenAdmin):
    list_display = ["code", "width", "height", "fit", "format", "is_pregenerated"]

    def service_save(self, data, *, existing):
        changes = {
            name: data[name] for name in (*rendering.PROFILE_SETTINGS, "labels") if name in data
        }
        changes["channel"] = data["channel"].code if data.get("channel") else None
        return rendering.rendition_profile_save(
            code=data.get("code", getattr(existing, "code", "")), changes=changes, profile=existing
        )


class CollectionGrantAdmin(GrantAdmin):
    object_label = "collection"

    def grant(self, obj, **grantee):
        collection_grant(collection=obj, **grantee)

    def revoke(self, obj, **grantee):
        collection_revoke(collection=obj, **grantee)


@admin.register(CollectionUserObjectPermission)
class CollectionUserGrantAdmin(CollectionGrantAdmin):
    grantee_field = "user"


@admin.register(CollectionGroupObjectPermission)
class CollectionGroupGrantAdmin(CollectionGrantAdmin):
    grantee_field = "group"
