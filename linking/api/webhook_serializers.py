"""Webhook subscriptions and deliveries in and out. The secret appears once, in the answer to
create and to rotate-secret."""

from django.utils import timezone
from rest_framework import serializers

from governance.api.serializers import StrictInputSerializer
from governance.models import Channel
from linking.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


class WebhookSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    previous_secret_valid_until = serializers.SerializerMethodField()

    class Meta:
        model = WebhookSubscription
        fields = [
            "uuid", "url", "description", "event_types", "channel", "is_active",
            "disabled_reason", "disabled_at", "consecutive_failures", "failing_since",
            "previous_secret_valid_until", "created_by", "created_at", "updated_at",
        ]  # fmt: skip

    def get_previous_secret_valid_until(self, subscription) -> str | None:
        """While a rotation's grace lasts: until when the replaced secret still signs."""
        until = subscription.previous_secret_expires_at
        return until.isoformat() if until and until > timezone.now() else None


class WebhookWithSecretSerializer(WebhookSerializer):
    """A subscription with its new `secret` (`whsec_…`): shown this once, kept encrypted."""

    secret = serializers.CharField(read_only=True, source="plaintext_secret")

    class Meta(WebhookSerializer.Meta):
        fields = ["secret", *WebhookSerializer.Meta.fields]


class WebhookInputSerializer(StrictInputSerializer):
    """An endpoint: an https URL resolving to public addresses, the event types it wants (exact
    or `prefix.*`; empty: all), optionally only one channel's events."""

    url = serializers.CharField(max_length=2000)
    event_types = serializers.ListField(child=serializers.CharField(), required=False)
    channel = serializers.SlugRelatedField(
        slug_field="code", queryset=Channel.objects.all(), required=False, allow_null=True
    )
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)


class WebhookUpdateInputSerializer(WebhookInputSerializer):
    url = serializers.CharField(max_length=2000, required=False)
    is_active = serializers.BooleanField(
        required=False, help_text="Enabling a disabled endpoint clears its failure count."
    )


class AttemptSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="attempted_at")
    status = serializers.IntegerField(source="status_code", allow_null=True)

    class Meta:
        model = WebhookAttempt
        fields = ["number", "at", "status", "response_ms", "error", "response_excerpt"]


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.SerializerMethodField()
    attempts_log = AttemptSerializer(source="log", many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "message_id", "event", "state", "attempts", "next_attempt_at", "last_status_code",
            "last_error", "created_at", "delivered_at", "attempts_log",
        ]  # fmt: skip

    def get_event(self, delivery) -> dict:
        """The event delivered: its sequence number (`id`), type and key."""
        event = delivery.event
        return {"id": event.sequence, "type": event.name, "key": event.key}
