"""Admin: media requirements, placeholders and channel media policies (saved through the
media configuration services: their errors show inline), and read-only lists of the computed
media readiness and the stored channel documents."""

from django.contrib import admin, messages

from governance.admin import ServiceAdmin
from governance.workflow import snapshot_of
from linking.models import (
    ChannelDocument,
    ChannelMediaPolicy,
    FallbackMedia,
    MediaReadiness,
    MediaRequirement,
)
from linking.services import media_config


@admin.register(MediaRequirement)
class MediaRequirementAdmin(ServiceAdmin):
    list_display = ["family", "channel", "role", "minimum"]
    list_filter = ["channel", "family"]
    search_fields = ["role", "family__code"]
    fields = ["family", "channel", "role", "minimum"]

    def service_save(self, data, *, existing):
        changes = {
            "family": data["family"].code if data.get("family") else None,
            "channel": data["channel"].code if data.get("channel") else None,
            "role": data.get("role"),
            "minimum": data.get("minimum"),
        }
        return media_config.media_requirement_save(changes=changes, requirement=existing)

    def service_delete(self, obj):
        media_config.media_requirement_delete(requirement=obj)


@admin.register(FallbackMedia)
class FallbackMediaAdmin(ServiceAdmin):
    list_display = ["channel", "role", "asset"]
    list_filter = ["channel"]
    fields = ["channel", "role", "asset"]
    raw_id_fields = ["asset"]

    def service_save(self, data, *, existing):
        asset = data.get("asset")
        changes = {
            "channel": data["channel"].code if data.get("channel") else None,
            "role": data.get("role"),
            "asset": str(asset.uuid) if asset else None,
        }
        return media_config.fallback_media_save(changes=changes, fallback=existing)

    def service_delete(self, obj):
        media_config.fallback_media_delete(fallback=obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        asset = form.cleaned_data["asset"]
        if snapshot_of(asset) is None:
            self.message_user(
                request,
                f"{asset} is not approved yet: the feed shows this placeholder once it is "
                "approved (with a usage right for the channel).",
                messages.WARNING,
            )


@admin.register(ChannelMediaPolicy)
class ChannelMediaPolicyAdmin(ServiceAdmin):
    list_display = ["channel", "counts_towards_completeness", "gates_approval"]
    fields = ["channel", "counts_towards_completeness", "gates_approval"]

    def get_readonly_fields(self, request, obj=None):
        return ["channel"] if obj else []

    def service_save(self, data, *, existing):
        channel = existing.channel if existing else data["channel"]
        changes = {name: bool(data.get(name)) for name in media_config.POLICY_FIELDS}
        return media_config.media_policy_save(channel=channel, changes=changes)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Computed rows: listed and opened, never edited here (the background refresh owns them)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MediaReadiness)
class MediaReadinessAdmin(ReadOnlyAdmin):
    list_display = ["product", "channel", "locale", "score", "required", "ready", "updated_at"]
    list_filter = ["channel", "locale"]
    list_select_related = ["product", "channel", "locale"]
    search_fields = ["product__sku"]


@admin.register(ChannelDocument)
class ChannelDocumentAdmin(ReadOnlyAdmin):
    list_display = ["sku", "channel", "locale", "updated_at", "media_expires_at", "etag"]
    list_filter = ["channel", "locale"]
    list_select_related = ["channel", "locale"]
    search_fields = ["sku"]
    date_hierarchy = "updated_at"
