"""Output serializers for the catalog's structure (input is checked by pim.services)."""

from rest_framework import serializers

from pim.models import (
    ATTRIBUTE_SETTINGS,
    AssociationType,
    Attribute,
    AttributeGroup,
    Family,
    FamilyVariant,
)


class AttributeGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttributeGroup
        fields = ["code", "labels", "sort_order", "created_at", "updated_at"]


class AttributeSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    vocabulary = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Attribute
        fields = ["code", *ATTRIBUTE_SETTINGS, "created_at", "updated_at"]


class FamilySerializer(serializers.ModelSerializer):
    attributes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    label_attribute = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    requirements = serializers.SerializerMethodField()

    class Meta:
        model = Family
        fields = [
            "code",
            "labels",
            "attributes",
            "label_attribute",
            "requirements",
            "created_at",
            "updated_at",
        ]

    def get_requirements(self, family) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for requirement in family.requirements.all():
            grouped.setdefault(requirement.channel.code, []).append(requirement.attribute.code)
        return {channel: sorted(codes) for channel, codes in sorted(grouped.items())}


class FamilyVariantSerializer(serializers.ModelSerializer):
    family = serializers.SlugRelatedField(slug_field="code", read_only=True)
    levels = serializers.SerializerMethodField()

    class Meta:
        model = FamilyVariant
        fields = ["code", "family", "labels", "levels", "created_at", "updated_at"]

    def get_levels(self, variant) -> list[dict]:
        return [
            {
                "level": level.level,
                "axes": sorted(a.code for a in level.axes.all()),
                "attributes": sorted(a.code for a in level.attributes.all()),
            }
            for level in variant.levels.all()
        ]


class AssociationTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssociationType
        fields = ["code", "labels", "is_quantified", "is_two_way", "created_at", "updated_at"]


class ValueSerializer(serializers.Serializer):
    channel = serializers.CharField(allow_null=True)
    locale = serializers.CharField(allow_null=True)
    data = serializers.JSONField()


class CompletenessSerializer(serializers.Serializer):
    channel = serializers.CharField()
    locale = serializers.CharField()
    ratio = serializers.IntegerField(min_value=0, max_value=100)
    missing = serializers.ListField(child=serializers.CharField())


class ProductSerializer(serializers.Serializer):
    """The documented shape of a product. Responses are built by pim.api.representation (plain
    functions, for speed); this class describes them in the OpenAPI schema."""

    sku = serializers.CharField()
    family = serializers.CharField()
    parent = serializers.CharField(allow_null=True)
    categories = serializers.ListField(child=serializers.CharField())
    enabled = serializers.BooleanField()
    workflow_state = serializers.CharField(read_only=True)
    values = serializers.DictField(child=ValueSerializer(many=True))
    completeness = CompletenessSerializer(many=True, read_only=True)
    associations = serializers.DictField(child=serializers.ListField(child=serializers.DictField()))
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ProductModelSerializer(serializers.Serializer):
    """The documented shape of a product model (see ProductSerializer)."""

    code = serializers.CharField()
    family_variant = serializers.CharField()
    family = serializers.CharField(read_only=True)
    parent = serializers.CharField(allow_null=True)
    categories = serializers.ListField(child=serializers.CharField())
    workflow_state = serializers.CharField(read_only=True)
    values = serializers.DictField(child=ValueSerializer(many=True))
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
