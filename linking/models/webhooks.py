"""Webhook subscriptions and their deliveries: push of the domain events, signed, retried, logged."""

import uuid

from django.conf import settings
from django.db import models


class WebhookSubscription(models.Model):
    """An endpoint that receives the events it asks for (all when `event_types` is empty),
    optionally only those of one channel. Secrets are stored encrypted: signing needs them."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=255, blank=True)
    event_types = models.JSONField(default=list, blank=True)
    channel = models.ForeignKey(
        "governance.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    secret_encrypted = models.TextField()
    # During rotation the previous secret still signs, until it expires.
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # When the current run of failed attempts began (None after a success): auto-disabling
    # waits for a run that is both long (count) and old (time), not a burst during an outage.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every attempt used, or the endpoint was disabled


class WebhookDelivery(models.Model):
    """One event to one subscription; `message_id` (the `webhook-id` header) is the same on every
    attempt, so receivers can drop duplicates."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey("governance.Event", on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=100, unique=True)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set while a worker is sending: another worker leaves the delivery alone until it passes.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="linking_delivery_unique"
            )
        ]

    def __str__(self):
        return f"{self.message_id} → {self.subscription_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One try of a delivery: when, the answer (status, time) or the error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"
