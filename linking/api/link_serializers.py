"""Shapes and permissions shared by the links and media endpoints."""

from rest_framework import serializers

from linking.models import ProductAssetLink


class LinkSerializer(serializers.ModelSerializer):
    """A link as the API shows it; owners, asset and scope by their business identifiers."""

    product = serializers.SlugRelatedField(slug_field="sku", read_only=True, allow_null=True)
    product_model = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    asset = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    locale = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = ProductAssetLink
        fields = [
            "id", "product", "product_model", "asset", "role", "position", "locale", "channel",
            "naming_rule", "created_at",
        ]  # fmt: skip


class LinkInputSerializer(serializers.Serializer):
    """Documents the body of POST (all of it) and PATCH (role, position, locale, channel)."""

    product = serializers.CharField(required=False, help_text="A SKU (or give product_model).")
    product_model = serializers.CharField(required=False, help_text="A product model code.")
    asset = serializers.UUIDField(required=False)
    role = serializers.CharField(required=False, help_text="A term of the media_roles vocabulary.")
    position = serializers.IntegerField(required=False, min_value=0)
    locale = serializers.CharField(required=False, allow_null=True)
    channel = serializers.CharField(required=False, allow_null=True)
