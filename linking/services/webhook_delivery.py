"""Sending webhook deliveries: one signed attempt at a time, retried on a schedule, logged.

A delivery is leased before it is sent (a conditional UPDATE that only one worker can win), so
two workers handed the same delivery (a retry's countdown and the beat's sweep, a redelivered
task) never both send it. An attempt is sent outside any transaction; its outcome is written
in one. Waits up to SHORT_WAIT ride on the broker's countdown; longer ones wait for the beat
entry `webhook_deliveries_due`, because Redis hands a task held longer than its visibility
timeout to a second worker.
"""

import random
from datetime import timedelta

import orjson
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.models import Event
from governance.net import DestinationRefused, RequestFailed, public_http_request
from linking.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookSubscription
from linking.services.webhooks import webhook_disable
from linking.webhook_signing import secret_decrypt, signature_header

TIMEOUT = 10.0  # seconds to connect and read, in all
MAX_RESPONSE_BYTES = 4096
LEASE = timedelta(seconds=TIMEOUT + 50)
JITTER = 0.1
SHORT_WAIT = 600
USER_AGENT = "Tessera-Webhooks/1"
DUE_BATCH = 1000


def retry_delay(failed_attempt: int, *, rng: random.Random | None = None) -> float | None:
    """Seconds to wait after failed attempt number `failed_attempt` (1-based), with ±10 %
    jitter so an endpoint coming back is not hit by every retry at once (±10 % keeps the
    default schedule above a day: 24.8 h at the least); None when that was the last attempt."""
    schedule = settings.TESSERA_WEBHOOK_RETRY_SCHEDULE
    if failed_attempt > len(schedule):
        return None
    return schedule[failed_attempt - 1] * (rng or random).uniform(1 - JITTER, 1 + JITTER)


def message_body(event: Event) -> bytes:
    """The JSON a delivery posts: Standard Webhooks' `type`, `timestamp`, `data`."""
    return orjson.dumps(
        {
            "type": event.name,
            "timestamp": event.created_at.isoformat(),
            "data": {
                "id": event.sequence,
                "key": event.key,
                "object_type": event.object_type,
                "object_ref": event.object_ref,
                "channel": event.channel or None,
                "payload": event.payload,
            },
        }
    )


def signing_secrets(subscription: WebhookSubscription, now) -> list[str]:
    """The current secret, and the previous one while its rotation grace lasts."""
    secrets_ = [secret_decrypt(subscription.secret_encrypted)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_encrypted and expires is not None and expires > now:
        secrets_.append(secret_decrypt(subscription.previous_secret_encrypted))
    return secrets_


def _lease(delivery_id: int, now) -> bool:
    """Take the delivery for one attempt: only a pending one that is due and not leased."""
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    return bool(
        WebhookDelivery.objects.filter(
            free, pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
        ).update(leased_until=now + LEASE)
    )


def webhook_attempt(*, delivery_id: int) -> str:
    """Send one attempt of a due delivery and record it (WebhookAttempt); schedules the next
    attempt, or disables the endpoint (410, or a long run of failures). Returns the outcome:
    skipped (not due, taken or gone), succeeded, retrying, failed or disabled."""
    now = timezone.now()
    if not _lease(delivery_id, now):
        return "skipped"
    delivery = (
        WebhookDelivery.objects.select_related("subscription", "event")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:  # its endpoint was deleted meanwhile
        return "skipped"
    subscription = delivery.subscription
    if not subscription.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, leased_until=None, next_attempt_at=None
        )
        return "disabled"
    body = message_body(delivery.event)
    timestamp = int(now.timestamp())
    headers = {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            signing_secrets(subscription, now), delivery.message_id, timestamp, body
        ),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    status, elapsed_ms, error, excerpt = None, None, "", ""
    try:
        answer = public_http_request(
            "POST",
            subscription.url,
            headers=headers,
            body=body,
            timeout=TIMEOUT,
            max_response_bytes=MAX_RESPONSE_BYTES,
            allow_private=settings.TESSERA_WEBHOOKS_ALLOW_PRIVATE,
        )
    except DestinationRefused as exc:
        error = f"Refused, nothing sent: {exc.message}"
    except RequestFailed as exc:
        error = f"No answer: {exc}"
    else:
        status, elapsed_ms = answer.status, answer.elapsed_ms
        excerpt = answer.body.decode("utf-8", errors="replace")
        if 300 <= status < 400:
            error = f"Redirect to {answer.headers.get('location', '?')} not followed."
        elif not 200 <= status < 300:
            error = f"HTTP {status}"
    return _record(delivery, now, status, elapsed_ms, error[:500], excerpt[:500])


@transaction.atomic
def _record(delivery, now, status, elapsed_ms, error, excerpt) -> str:
    number = delivery.attempts + 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        attempted_at=now,
        status_code=status,
        response_ms=elapsed_ms,
        error=error,
        response_excerpt=excerpt,
    )
    delivery.attempts, delivery.last_status_code, delivery.last_error = number, status, error
    delivery.leased_until = None
    subscription = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryState.SUCCEEDED,
            now,
            None,
        )
        outcome = "succeeded"
        if subscription.consecutive_failures or subscription.failing_since:
            subscription.consecutive_failures, subscription.failing_since = 0, None
            subscription.save(update_fields=["consecutive_failures", "failing_since"])
    else:
        outcome = _failed(delivery, subscription, now, status)
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "last_error",
            "leased_until",
            "state",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return outcome


def _failed(delivery, subscription, now, status) -> str:
    subscription.consecutive_failures += 1
    subscription.failing_since = subscription.failing_since or now
    subscription.save(update_fields=["consecutive_failures", "failing_since"])
    reason = None
    if status == 410:
        reason = "The endpoint answered 410 Gone."
    elif subscription.consecutive_failures >= settings.TESSERA_WEBHOOK_DISABLE_AFTER and (
        now - subscription.failing_since
        >= timedelta(hours=settings.TESSERA_WEBHOOK_DISABLE_AFTER_HOURS)
    ):
        reason = (
            f"{subscription.consecutive_failures} failed attempts in a row since "
            f"{subscription.failing_since.isoformat()}."
        )
    if reason is not None:
        webhook_disable(subscription=subscription, reason=reason)
    if reason is not None or not subscription.is_active:  # or disabled while we were sending
        delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
        return "disabled"
    delay = retry_delay(delivery.attempts)
    if delay is None:
        delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
        return "failed"
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    if delay <= SHORT_WAIT and not current_app.conf.task_always_eager:
        # An eager "countdown" would run at once: without a broker, retries wait for a sweep.
        from linking.tasks.webhooks import webhook_deliver

        pk = delivery.pk
        transaction.on_commit(lambda: webhook_deliver.apply_async((pk,), countdown=delay))
    return "retrying"


def webhook_deliveries_due(*, limit: int = DUE_BATCH) -> list[int]:
    """Ids of pending deliveries that are due and not leased, of active endpoints (oldest
    due first), for the beat sweep to queue."""
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now),
            state=DeliveryState.PENDING,
            next_attempt_at__lte=now,
            subscription__is_active=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
