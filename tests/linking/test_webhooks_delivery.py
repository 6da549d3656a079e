"""Webhook delivery to a real HTTP server on loopback: signed as Standard Webhooks says (checked
by a verifier written here from the specification, not from our code), retried on schedule,
disabled on 410 or a long run of failures, never redirected, refused for private addresses."""

import base64
import hashlib
import hmac
import itertools
import json
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import AuditRecord
from governance.services import event_emit
from linking.models import DeliveryState, WebhookDelivery, WebhookSubscription
from linking.services import webhook_delivery, webhooks
from linking.services.events import events_publish
from linking.services.webhook_delivery import retry_delay, webhook_attempt
from tests.linking.receiver import Receiver

pytestmark = pytest.mark.django_db
TOLERANCE = 5 * 60
_keys = itertools.count()


def verify(secret: str, headers: dict, body: bytes, *, now: float | None = None) -> dict:
    """The Standard Webhooks verifier (github.com/standard-webhooks, "Verifying webhooks"):
    the key is the base64 after `whsec_`; the signed content is `{id}.{timestamp}.{body}`;
    the header lists space-separated `v1,<base64 HMAC-SHA256>` signatures, any may match;
    a timestamp more than five minutes off is refused (replay protection)."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE:
        raise ValueError("timestamp outside the tolerance")
    key = base64.b64decode(secret.split("_", 1)[1])
    content = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise ValueError("no signature matches")


def emit(name: str = "pim.product.approved", channel: str = "", **payload):
    number = next(_keys)
    event_emit(
        name=name,
        key=f"test:{number}",
        payload=payload or {"n": number},
        object_type="product",
        object_ref=f"sku-{number}",
        channel=channel,
    )


@pytest.fixture
def allow_private(settings):
    settings.TESSERA_WEBHOOKS_ALLOW_PRIVATE = True
    return settings


@pytest.fixture
def endpoint(allow_private):
    """A registered endpoint on a loopback receiver (answers given per test), and its secret."""

    def make(answer=None, **options):
        receiver = Receiver(answer).__enter__()
        subscription, secret = webhooks.webhook_create(
            url=receiver.url + "/hooks", event_types=options.pop("event_types", []), **options
        )
        opened.append(receiver)
        return receiver, subscription, secret

    opened = []
    yield make
    for receiver in opened:
        receiver.__exit__(None, None, None)


def publish_one(**kwargs) -> WebhookDelivery:
    emit(**kwargs)
    events_publish()
    return WebhookDelivery.objects.latest("pk")


def test_the_reference_verifier_refuses_a_wrong_secret_or_an_old_timestamp():
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    body = b'{"a":1}'
    key = base64.b64decode(secret[6:])
    signature = base64.b64encode(hmac.new(key, b"msg_1.1700000000." + body, "sha256").digest())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": "v1a,xx v1," + signature.decode(),
    }
    assert verify(secret, headers, body, now=1700000100) == {"a": 1}
    with pytest.raises(ValueError, match="tolerance"):
        verify(secret, headers, body, now=1700000000 + TOLERANCE + 1)
    with pytest.raises(ValueError, match="no signature"):
        verify("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, body, now=1700000000)


def test_a_delivery_is_signed_and_verifies(endpoint):
    receiver, _subscription, secret = endpoint()
    delivery = publish_one(channel="", sku="boot")
    assert webhook_attempt(delivery_id=delivery.pk) == "succeeded"
    [received] = receiver.requests
    headers = received.headers
    assert received.path == "/hooks"
    assert headers["webhook-id"] == delivery.message_id
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Tessera-Webhooks/1"
    assert len(headers["webhook-signature"].split(" ")) == 1
    body = verify(secret, headers, received.body)
    event = delivery.event
    event.refresh_from_db()
    assert body == {
        "type": "pim.product.approved",
        "timestamp": event.created_at.isoformat(),
        "data": {
            "id": event.sequence,
            "key": event.key,
            "object_type": "product",
            "object_ref": event.object_ref,
            "channel": None,
            "payload": {"sku": "boot"},
        },
    }
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 204)
    [attempt] = delivery.log.all()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 204, "")
    assert attempt.response_ms is not None


def test_during_a_rotation_both_secrets_sign_until_the_old_one_expires(endpoint):
    receiver, subscription, old_secret = endpoint()
    subscription, new_secret = webhooks.webhook_rotate_secret(subscription=subscription)
    assert new_secret != old_secret
    webhook_attempt(delivery_id=publish_one().pk)
    received = receiver.requests[-1]
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    verify(old_secret, received.headers, received.body)
    verify(new_secret, received.headers, received.body)

    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    webhook_attempt(delivery_id=publish_one().pk)
    received = receiver.requests[-1]
    verify(new_secret, received.headers, received.body)
    with pytest.raises(ValueError):
        verify(old_secret, received.headers, received.body)


def test_the_retry_schedule_backs_off_with_bounded_jitter_over_more_than_a_day(settings):
    class Extreme:
        def __init__(self, pick):
            self.pick = pick

        def uniform(self, low, high):
            return low if self.pick == "low" else high

    schedule = settings.TESSERA_WEBHOOK_RETRY_SCHEDULE
    assert schedule == sorted(schedule) and schedule[0] <= 5  # exponential-ish, quick first
    shortest = [retry_delay(n, rng=Extreme("low")) for n in range(1, len(schedule) + 1)]
    longest = [retry_delay(n, rng=Extreme("high")) for n in range(1, len(schedule) + 1)]
    assert sum(shortest) >= 24 * 3600  # even with all jitter down, retries span a day
    for n, base in enumerate(schedule, start=1):
        for _ in range(20):
            assert 0.9 * base <= retry_delay(n) <= 1.1 * base
        assert shortest[n - 1] == 0.9 * base and longest[n - 1] == 1.1 * base
    assert retry_delay(len(schedule) + 1) is None  # that was the last attempt


def test_a_failing_receiver_moves_the_delivery_through_its_attempts(endpoint, settings):
    settings.TESSERA_WEBHOOK_RETRY_SCHEDULE = [0, 0, 0]
    receiver, subscription, _secret = endpoint(
        lambda received, count: (500, {}, b"down") if count < 2 else (200, {}, b"ok")
    )
    delivery = publish_one()
    outcomes = [webhook_attempt(delivery_id=delivery.pk) for _ in range(3)]
    assert outcomes == ["retrying", "retrying", "succeeded"]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.message_id}
    log = list(delivery.log.values_list("number", "status_code", "error", "response_excerpt"))
    assert log == [(1, 500, "HTTP 500", "down"), (2, 500, "HTTP 500", "down"), (3, 200, "", "ok")]
    subscription.refresh_from_db()
    assert (subscription.consecutive_failures, subscription.failing_since) == (0, None)


def test_after_the_last_attempt_the_delivery_has_failed(endpoint, settings):
    settings.TESSERA_WEBHOOK_RETRY_SCHEDULE = [0]
    _receiver, subscription, _ = endpoint(lambda received, count: (503, {}, b""))
    delivery = publish_one()
    assert webhook_attempt(delivery_id=delivery.pk) == "retrying"
    assert webhook_attempt(delivery_id=delivery.pk) == "failed"
    assert webhook_attempt(delivery_id=delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 2 and subscription.is_active


def test_a_retry_waits_its_turn_and_a_leased_delivery_is_not_sent_twice(endpoint):
    receiver, _subscription, _ = endpoint(lambda received, count: (500, {}, b""))
    delivery = publish_one()
    assert webhook_attempt(delivery_id=delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert 4.5 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 5.5
    assert webhook_attempt(delivery_id=delivery.pk) == "skipped"  # not due yet
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now(), leased_until=timezone.now() + timedelta(minutes=1)
    )
    assert webhook_delivery.webhook_deliveries_due() == []
    assert webhook_attempt(delivery_id=delivery.pk) == "skipped"  # another worker holds it
    assert len(receiver.requests) == 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(leased_until=None)
    assert webhook_delivery.webhook_deliveries_due() == [delivery.pk]


def test_410_gone_disables_the_endpoint_at_once(endpoint):
    receiver, subscription, _ = endpoint(lambda received, count: (410, {}, b""))
    first, second = publish_one(), publish_one()
    assert webhook_attempt(delivery_id=first.pk) == "disabled"
    subscription.refresh_from_db()
    assert not subscription.is_active and "410" in subscription.disabled_reason
    assert subscription.disabled_at is not None
    second.refresh_from_db()
    assert second.state == DeliveryState.FAILED  # pending deliveries stop
    assert webhook_attempt(delivery_id=second.pk) == "skipped"
    emit()
    events_publish()
    assert WebhookDelivery.objects.count() == 2  # a disabled endpoint gets nothing new
    assert len(receiver.requests) == 1
    assert AuditRecord.objects.filter(object_id=subscription.pk, action="update").exists()


def test_a_redirect_is_a_failure_and_is_not_followed(endpoint):
    def answer(received, count):
        if received.path == "/hooks":
            return 302, {"location": "/elsewhere"}, b""
        return 200, {}, b""

    receiver, _, _ = endpoint(answer)
    delivery = publish_one()
    assert webhook_attempt(delivery_id=delivery.pk) == "retrying"
    assert [r.path for r in receiver.requests] == ["/hooks"]
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302
    assert delivery.last_error == "Redirect to /elsewhere not followed."


def test_a_private_destination_is_refused_at_delivery_and_nothing_is_sent(endpoint, settings):
    receiver, _, _ = endpoint()
    delivery = publish_one()
    settings.TESSERA_WEBHOOKS_ALLOW_PRIVATE = False
    assert webhook_attempt(delivery_id=delivery.pk) == "retrying"
    assert receiver.requests == []
    [attempt] = delivery.log.all()
    assert attempt.status_code is None
    assert attempt.error == (
        "Refused, nothing sent: The host 127.0.0.1 resolves to 127.0.0.1, a loopback address."
    )


def test_a_long_run_of_failures_disables_the_endpoint_but_a_short_burst_does_not(
    endpoint, settings
):
    settings.TESSERA_WEBHOOK_DISABLE_AFTER = 3
    settings.TESSERA_WEBHOOK_DISABLE_AFTER_HOURS = 24
    _receiver, subscription, _ = endpoint(lambda received, count: (500, {}, b""))
    deliveries = [publish_one() for _ in range(5)]
    for delivery in deliveries[:3]:
        assert webhook_attempt(delivery_id=delivery.pk) == "retrying"
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 3  # only minutes old
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now() - timedelta(hours=25)
    )
    assert webhook_attempt(delivery_id=deliveries[3].pk) == "disabled"
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_reason.startswith("4 failed attempts in a row since")
    assert WebhookDelivery.objects.filter(state="pending").count() == 0
    subscription = webhooks.webhook_update(subscription=subscription, changes={"is_active": True})
    assert (subscription.consecutive_failures, subscription.failing_since) == (0, None)
    assert subscription.disabled_reason == ""


def test_manual_redelivery_sends_again_with_the_same_webhook_id(endpoint, run_tasks_on_commit):
    receiver, subscription, secret = endpoint()
    delivery = publish_one()
    webhook_attempt(delivery_id=delivery.pk)
    with run_tasks_on_commit(execute=True), transaction.atomic():
        webhooks.webhook_redeliver(delivery=delivery)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.message_id] * 2
    verify(secret, receiver.requests[1].headers, receiver.requests[1].body)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 2)
    webhooks.webhook_update(subscription=subscription, changes={"is_active": False})
    with pytest.raises(ValidationError) as refused:
        webhooks.webhook_redeliver(delivery=delivery)
    assert refused.value.error_dict["__all__"][0].code == "endpoint_disabled"


def test_an_emitted_event_reaches_the_endpoint_after_commit(endpoint, run_tasks_on_commit):
    receiver, _subscription, secret = endpoint(event_types=["dam.asset.*"])
    with run_tasks_on_commit(execute=True), transaction.atomic():
        emit("dam.asset.approved", uuid="a-1")
        emit("pim.product.approved")  # not asked for
        assert receiver.requests == []  # nothing before the commit
    [received] = receiver.requests
    body = verify(secret, received.headers, received.body)
    assert (body["type"], body["data"]["payload"]) == ("dam.asset.approved", {"uuid": "a-1"})
