"""API keys in and out. The key itself appears once, in the answer to create or rotate."""

from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework import serializers

from governance.api.serializers import StrictInputSerializer
from governance.models import ApiKey, ApiKeyScope, Channel


class ApiKeySerializer(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    rotated_from = serializers.SlugRelatedField(
        slug_field="prefix", read_only=True, allow_null=True
    )
    rotated_to = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    status = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = [
            "prefix",
            "name",
            "scope",
            "role",
            "channel",
            "status",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "rotated_from",
            "rotated_to",
            "created_by",
            "created_at",
        ]

    def get_rotated_to(self, key) -> str | None:
        successor = getattr(key, "rotated_to", None)  # reverse one-to-one: absent when none
        return successor.prefix if successor else None

    def get_status(self, key) -> str:
        """active, expired or revoked."""
        if key.revoked_at is not None:
            return "revoked"
        if key.expires_at is not None and key.expires_at <= timezone.now():
            return "expired"
        return "active"


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """A new key, with its plaintext `key`: shown this once, stored nowhere."""

    key = serializers.CharField(read_only=True, source="plaintext")

    class Meta(ApiKeySerializer.Meta):
        fields = ["key", *ApiKeySerializer.Meta.fields]


class ApiKeyInputSerializer(StrictInputSerializer):
    """A new key: a write key needs a role (a role's name); `channel` (a code) restricts it."""

    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=ApiKeyScope.choices)
    role = serializers.SlugRelatedField(
        slug_field="name", queryset=Group.objects.all(), required=False, allow_null=True
    )
    channel = serializers.SlugRelatedField(
        slug_field="code", queryset=Channel.objects.all(), required=False, allow_null=True
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyUpdateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=100, required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyRotateInputSerializer(StrictInputSerializer):
    old_valid_until = serializers.DateTimeField(
        help_text="Until when the old key keeps working (in the future, not after its expiry)."
    )
