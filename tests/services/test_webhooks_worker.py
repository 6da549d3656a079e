"""A real Celery worker delivers webhooks to a receiver on loopback that fails the first
attempts: every event arrives, each retry carries the same webhook-id (so the receiver can
drop duplicates), and every request verifies with the reference verifier."""

from collections import Counter

import pytest
from django.db import transaction

from governance.models import Event
from governance.services import event_emit
from linking.models import DeliveryState, WebhookDelivery
from linking.services.webhooks import webhook_create
from tests.linking.receiver import Receiver
from tests.linking.test_webhooks_delivery import verify
from tests.services.test_celery_worker import wait_for

FAILURES = 2  # per message: answered 500 twice, then 200
EVENTS = 5


@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_every_event_through_failures(celery_worker, settings):
    settings.TESSERA_WEBHOOKS_ALLOW_PRIVATE = True  # the worker has it from its environment

    def answer(received, count):
        return (500, {}, b"not yet") if count < FAILURES else (200, {}, b"ok")

    with Receiver(answer) as receiver:
        subscription, secret = webhook_create(url=receiver.url + "/hook", event_types=["pim.*"])
        with transaction.atomic():  # the relay is queued when this commits
            for n in range(EVENTS):
                event_emit(name="pim.product.approved", key=f"worker:{n}", payload={"n": n})
            event_emit(name="dam.asset.approved", key="worker:asset", payload={})  # not wanted
        succeeded = lambda: (  # noqa: E731
            WebhookDelivery.objects.filter(state=DeliveryState.SUCCEEDED).count() == EVENTS
        )
        assert wait_for(succeeded, timeout=45), list(
            WebhookDelivery.objects.values("state", "attempts", "last_error")
        )
        requests = list(receiver.requests)

    assert Event.objects.filter(sequence__isnull=True).count() == 0  # the worker relayed all
    deliveries = {d.message_id: d for d in WebhookDelivery.objects.select_related("event")}
    per_id = Counter(r.headers["webhook-id"] for r in requests)
    assert set(per_id) == set(deliveries)
    assert set(per_id.values()) == {FAILURES + 1}  # duplicates told apart by webhook-id
    bodies = {}
    for received in requests:
        body = verify(secret, received.headers, received.body)
        bodies.setdefault(received.headers["webhook-id"], set()).add(received.body)
        assert body["type"] == "pim.product.approved"
    assert all(len(versions) == 1 for versions in bodies.values())  # a retry sends the same body
    assert sorted(d.event.key for d in deliveries.values()) == [f"worker:{n}" for n in range(5)]
    for delivery in deliveries.values():
        log = list(delivery.log.values_list("number", "status_code"))
        assert log == [(1, 500), (2, 500), (3, 200)]
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.is_active
