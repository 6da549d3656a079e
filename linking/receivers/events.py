"""Signal receivers: a transaction that wrote outbox events queues one relay when it commits."""

from django.db import connection, transaction
from django.dispatch import receiver

from governance.signals import event_recorded


def _relay() -> None:
    from linking.tasks.webhooks import events_relay

    events_relay.delay()


@receiver(event_recorded, dispatch_uid="linking.events.relay_on_commit")
def relay_on_commit(sender, event, **kwargs):
    """Queue the relay after the writer's commit, once per transaction however many events it
    wrote (a rolled-back transaction drops its callbacks, so the next one queues again)."""
    if any(callback is _relay for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_relay, robust=True)
