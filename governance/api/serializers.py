from rest_framework import serializers

from governance.models import Category, Channel, Currency, Locale, Term, Vocabulary


class StrictInputSerializer(serializers.Serializer):
    """Input that names a field we do not know is an error, not silently dropped."""

    def validate(self, attrs):
        unknown = (
            sorted(set(self.initial_data) - set(self.fields))
            if isinstance(self.initial_data, dict)
            else []
        )
        if unknown:
            raise serializers.ValidationError(
                {
                    name: serializers.ErrorDetail("Unknown field.", code="unknown_field")
                    for name in unknown
                }
            )
        return attrs


class LocaleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Locale
        fields = ["code", "label", "is_active", "created_at", "updated_at"]


class CurrencySerializer(LocaleSerializer):
    class Meta(LocaleSerializer.Meta):
        model = Currency


class CodeEntryInputSerializer(StrictInputSerializer):
    """A locale or a currency; the model's validators judge the code."""

    code = serializers.CharField(max_length=16)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ChannelSerializer(serializers.ModelSerializer):
    locales = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    currencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    category_tree = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Channel
        fields = [
            "code",
            "label",
            "locales",
            "currencies",
            "category_tree",
            "approval_min_completeness",
            "created_at",
            "updated_at",
        ]


class ChannelInputSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=100)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    locales = serializers.ListField(child=serializers.CharField(max_length=16), max_length=500)
    currencies = serializers.ListField(
        child=serializers.CharField(max_length=3), required=False, max_length=500
    )
    category_tree = serializers.CharField(
        max_length=100, required=False, allow_null=True, help_text="A category root's code."
    )
    approval_min_completeness = serializers.IntegerField(
        required=False,
        help_text="Products are approved only when at least this complete (percent, 0-100) in "
        "each of the channel's locales.",
    )


def labels_field():
    """Locale code -> text; on PATCH merged per locale, a null erasing that locale. The service
    judges locales and lengths."""
    return serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True, trim_whitespace=False),
        required=False,
        allow_null=True,
    )


class TermSerializer(serializers.ModelSerializer):
    class Meta:
        model = Term
        fields = ["code", "labels", "sort_order", "is_deprecated", "created_at", "updated_at"]


class TermInputSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=100)
    labels = labels_field()
    sort_order = serializers.IntegerField(required=False)
    is_deprecated = serializers.BooleanField(required=False)


class VocabularySerializer(serializers.ModelSerializer):
    terms = TermSerializer(many=True, read_only=True)

    class Meta:
        model = Vocabulary
        fields = ["code", "labels", "is_governed", "terms", "created_at", "updated_at"]


class VocabularyInputSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=100)
    labels = labels_field()
    is_governed = serializers.BooleanField(
        required=False, help_text="Terms then change only through change requests."
    )


class CategorySerializer(serializers.ModelSerializer):
    """Reads rows of `selectors.category_list()`, which annotates the parent's and root's codes."""

    parent = serializers.CharField(source="parent_code", read_only=True, allow_null=True)
    tree = serializers.CharField(source="tree_code", read_only=True)
    children_count = serializers.IntegerField(source="numchild", read_only=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "labels",
            "parent",
            "tree",
            "depth",
            "children_count",
            "is_governed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["depth"]


class CategoryInputSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=100)
    labels = labels_field()
    parent = serializers.CharField(
        max_length=100,
        required=False,
        allow_null=True,
        help_text="The parent's code; null for a new tree. On PATCH, moves the subtree.",
    )
    is_governed = serializers.BooleanField(
        required=False,
        help_text="On a tree (a root): its categories then change only through change requests.",
    )
