"""How assets and versions read in the API."""

from django.core.files.storage import default_storage
from rest_framework import serializers

from dam.models import Asset, AssetVersion, Collection, UsageRight

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
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
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
    collection = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tags = serializers.SerializerMethodField()
    current_version = VersionSerializer(read_only=True)

    class Meta:
        model = Asset
        fields = [
            "uuid",
            "code",
            "kind",
            "collection",
            "title",
            "description",
            "alt_text",
            "caption",
            "credit",
            "tags",
            "current_version",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_tags(self, asset) -> list[dict]:
        return [{"name": t.name, "source": t.source} for t in asset.tags.all()]


class UploadSerializer(serializers.Serializer):
    """Documents the multipart upload: one or more `file` parts."""

    file = serializers.ListField(child=serializers.FileField())
    collection = serializers.CharField(required=False)
    comment = serializers.CharField(required=False)


class CollectionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Collection
        fields = ["code", "labels", "parent", "created_at", "updated_at"]


class UsageRightSerializer(serializers.ModelSerializer):
    channels = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    consent_document = serializers.SlugRelatedField(slug_field="uuid", read_only=True)

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
