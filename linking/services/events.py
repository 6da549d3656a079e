"""The outbox relay: publishes committed domain events in a gap-free order and fans them out to
the webhook subscriptions that want them.

Why the change feed has no gaps and no duplicates, however writers interleave: an event's
`id` is taken when its writer inserts it, but writers commit in any order, so a reader paging
by id could pass id 7 while the transaction holding id 6 is still open, and never see 6.
The relay instead numbers events (`sequence`) after they are committed, one relay at a time
(a transaction-scoped advisory lock on PostgreSQL; SQLite's writers are serial already), in a
transaction that commits before the next relay may start numbering. So every sequence number
a reader can see belongs to a committed event, and every lower number was committed no later
than it: reading `sequence > cursor` in order never skips one, and never returns one twice.
An event committed after a relay's read waits for the next relay (on commit, or the beat
entry a minute later).
"""

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from governance.models import Event
from linking.models import WebhookDelivery, WebhookSubscription
from linking.selectors.events import event_type_matches

# Any constant shared by every relay: the lock that makes them take turns.
RELAY_LOCK = 0x7E55E4A  # "tessera"
BATCH = 1000


def _take_turn() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RELAY_LOCK])


def message_id(event: Event, subscription: WebhookSubscription) -> str:
    """The `webhook-id` of one event for one endpoint: the same on every attempt. The whole
    uuid: a shared short prefix between two endpoints would make the ids collide."""
    return f"msg_{event.pk}_{subscription.uuid.hex}"


def _subscribers(event: Event, subscriptions) -> list[WebhookSubscription]:
    return [
        s
        for s in subscriptions
        if event_type_matches(s.event_types, event.name)
        and (s.channel is None or s.channel.code == event.channel)
    ]


@transaction.atomic
def events_publish(*, limit: int = BATCH) -> int:
    """Number up to `limit` committed, unpublished events (in id order) after the highest
    sequence, mark them published and create their webhook deliveries; each delivery's first
    attempt is queued on commit. Returns how many events were published."""
    from linking.tasks.webhooks import webhook_deliver

    _take_turn()
    events = list(Event.objects.filter(sequence__isnull=True).order_by("pk")[:limit])
    if not events:
        return 0
    last = Event.objects.aggregate(last=Max("sequence"))["last"] or 0
    now = timezone.now()
    for number, event in enumerate(events, start=last + 1):
        event.sequence, event.published_at = number, now
    Event.objects.bulk_update(events, ["sequence", "published_at"], batch_size=BATCH)

    subscriptions = list(
        WebhookSubscription.objects.filter(is_active=True).select_related("channel")
    )
    deliveries = [
        WebhookDelivery(
            subscription=subscription,
            event=event,
            message_id=message_id(event, subscription),
            next_attempt_at=now,
        )
        for event in events
        for subscription in _subscribers(event, subscriptions)
    ]
    # A delivery is created with its event's number, in the same transaction: a relay that
    # runs again finds the event numbered and creates nothing twice.
    for delivery in WebhookDelivery.objects.bulk_create(deliveries, batch_size=BATCH):
        webhook_deliver.delay_on_commit(delivery.pk)
    return len(events)


def events_relay_all() -> int:
    """Publish every waiting event, batch after batch (each batch its own transaction)."""
    total = 0
    while published := events_publish():
        total += published
        if published < BATCH:
            break
    return total
