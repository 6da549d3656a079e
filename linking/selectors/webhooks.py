"""Reads of webhook subscriptions and their delivery log, with what their pages show."""

from django.db.models import Prefetch, QuerySet

from linking.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def webhook_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.select_related("channel", "created_by")


def delivery_list(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """A subscription's deliveries with their event and attempts (three queries a page)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related(Prefetch("log", queryset=WebhookAttempt.objects.order_by("number")))
    )
