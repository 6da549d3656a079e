"""Queueing tasks once a transaction commits, without failing the write when the broker is away."""

from celery import current_app
from django.db import transaction


def send_on_commit(send) -> None:
    """Run `send` (which queues tasks) once the transaction commits. Robust with a broker: the
    write is committed by then, so a broker that cannot be reached must not turn it into an
    error; the failure is logged, and what events carry is re-driven by the outbox sweep
    (`events_relay`). Eager (no broker), the tasks run here and their errors are the caller's
    to see."""
    transaction.on_commit(send, robust=not current_app.conf.task_always_eager)
