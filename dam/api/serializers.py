"""How assets and versions read in the API."""

from django.core.files.storage import default_storage
from rest_framework import serializers

from dam.models import Asset, AssetVersion, Collection, RenditionProfile, UploadPreset, UsageRight
from dam.rendering import PROFILE_SETTINGS

INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"}


def signed_url(version: AssetVersion) -> str:
    """A short-lived link; anything but a raster image downloads instead of rendering."""
    if version.mime not in INLINE_TYPES and hasattr(default_storage, "bucket"):
        filename = version.original_filename.replace('"', "")
        return default_storage.url(
            version.file,
            parameters={"ResponseContentDisposition": f'attachment; filename="{filename}"'},
        )
    return default_storage.url(version.file)


class VersionSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = AssetVersion
        fields = [
            "number",
            "original_filename",
            "mime",
            "size",
            "sha256",
            "phash",
            "metadata_status",
            "metadata_error",
            "metadata",
            "uploaded_by",
            "comment",
            "restored_from",
            "created_at",
            "url",
        ]

    def get_url(self, version) -> str:
        return signed_url(version)


class AssetSerializer(serializers.ModelSerializer):
    collection = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    current_version = VersionSerializer(read_only=True)
    renditions = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "uuid", "code", "kind", "collection", "title", "description", "alt_text", "caption",
            "credit", "focal_point_x", "focal_point_y", "workflow_state", "tags", "current_version", "renditions",
            "version", "created_at", "updated_at",
        ]  # fmt: skip

    def get_tags(self, asset) -> list[dict]:
        return [{"name": t.name, "source": t.source} for t in asset.tags.all()]

    def get_renditions(self, asset) -> dict[str, str]:
        """Profile code -> signed delivery URL (the rendition is made on first request)."""
        from dam.views import rendition_path

        if asset.kind not in ("image", "video", "document"):
            return {}
        if "profile_codes" not in self.context:  # once per response, not once per asset
            self.context["profile_codes"] = list(
                RenditionProfile.objects.values_list("code", flat=True)
            )
        request = self.context.get("request")
        paths = {code: rendition_path(asset.uuid, code) for code in self.context["profile_codes"]}
        return {c: request.build_absolute_uri(p) for c, p in paths.items()} if request else paths


class UploadSerializer(serializers.Serializer):
    """Documents the multipart upload: one or more `file` parts."""

    file = serializers.ListField(child=serializers.FileField())
    collection = serializers.CharField(required=False)
    comment = serializers.CharField(required=False)


class CollectionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Collection
        fields = ["code", "labels", "parent", "created_at", "updated_at"]


class UsageRightSerializer(serializers.ModelSerializer):
    channels = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    consent_document = serializers.SlugRelatedField(
        slug_field="uuid", read_only=True, allow_null=True
    )

    class Meta:
        model = UsageRight
        fields = [
            "id",
            "licence",
            "territories",
            "channels",
            "valid_from",
            "valid_until",
            "consent_document",
            "credit_line",
            "notes",
            "created_at",
            "updated_at",
        ]


class RenditionProfileSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = RenditionProfile
        fields = ["code", "labels", *PROFILE_SETTINGS, "channel", "created_at", "updated_at"]


class UploadPresetSerializer(serializers.ModelSerializer):
    collection = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = UploadPreset
        exclude = ["id"]
