from rest_framework import serializers

from governance.models import Channel, Currency, Locale


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

    class Meta:
        model = Channel
        fields = ["code", "label", "locales", "currencies", "created_at", "updated_at"]


class ChannelInputSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=100)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    locales = serializers.ListField(child=serializers.CharField(max_length=16), max_length=500)
    currencies = serializers.ListField(
        child=serializers.CharField(max_length=3), required=False, max_length=500
    )
