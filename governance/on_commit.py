"""Queueing tasks once a transaction commits, without failing the write or losing the task when
the broker is away: a message the broker refuses is kept in the database (`UnsentTask`) and sent
again by `unsent_tasks_send` (every minute, from beat) once the broker answers."""

import logging

from celery import current_app
from django.db import transaction

from governance.models import UnsentTask

logger = logging.getLogger(__name__)

# Publishing options worth keeping with an unsent message (all JSON; an `eta` is not used here).
KEPT_OPTIONS = ("queue", "countdown", "priority", "routing_key")
SEND_BATCH = 500


def send_on_commit(send) -> None:
    """Run `send` (which queues tasks through `task_publish`) once the transaction commits. The
    write is committed by then, so a broker that cannot be reached must not turn it into an
    error. Eager (no broker), the tasks run here and their errors are the caller's to see."""
    transaction.on_commit(send, robust=not current_app.conf.task_always_eager)


def task_publish(task, args=(), kwargs=None, **options) -> None:
    """Send a task; if the broker cannot take it, keep the message to send later."""
    try:
        task.apply_async(args, kwargs, **options)
    except Exception as exc:  # kombu's OperationalError, a refused connection, a timeout, …
        if current_app.conf.task_always_eager:
            raise  # eager: the task ran here, and this is its own error
        UnsentTask.objects.create(
            name=task.name,
            args=list(args),
            kwargs=kwargs or {},
            options={k: v for k, v in options.items() if k in KEPT_OPTIONS},
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning(
            "task %s not sent (%s): kept to send when the broker is back", task.name, exc
        )


def unsent_tasks_send() -> int:
    """Send the kept messages, oldest first, until the broker refuses one; how many were sent."""
    sent = 0
    with transaction.atomic():
        # skip_locked: two sweeps at once share the rows instead of sending them twice.
        rows = UnsentTask.objects.select_for_update(skip_locked=True)[:SEND_BATCH]
        for row in rows:
            try:
                current_app.send_task(row.name, row.args, row.kwargs, **row.options)
            except Exception as exc:  # still away: the rest waits for the next sweep
                row.attempts += 1
                row.error = f"{type(exc).__name__}: {exc}"[:2000]
                row.save(update_fields=["attempts", "error"])
                break
            row.delete()
            sent += 1
    return sent
