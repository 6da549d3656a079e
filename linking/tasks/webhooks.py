"""Celery entry points: the outbox relay and webhook deliveries (thin, idempotent, calling
services)."""

from celery import shared_task

from governance.tasks import RETRY_POLICY
from linking.services import events, webhook_delivery


@shared_task(**RETRY_POLICY)
def events_relay() -> int:
    """Publish the committed events waiting in the outbox (on commit, and every minute)."""
    return events.events_relay_all()


@shared_task(**RETRY_POLICY)
def webhook_deliver(delivery_id: int) -> str:
    """One attempt of a delivery, if it is due and no other worker holds it."""
    return webhook_delivery.webhook_attempt(delivery_id=delivery_id)


@shared_task(**RETRY_POLICY)
def webhook_deliveries_due() -> int:
    """Every minute: queue the pending deliveries whose next attempt is due."""
    due = webhook_delivery.webhook_deliveries_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id)
    return len(due)
