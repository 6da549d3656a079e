"""Celery entry points for governance: thin, idempotent, calling services."""

import socket

from celery import shared_task
from django.db import OperationalError

from governance import on_commit, quality, services

# Errors a retry can cure: a database failover, a dropped connection. Anything else is a bug.
RETRYABLE_ERRORS = (OperationalError, ConnectionError, TimeoutError)
RETRY_POLICY = {
    "autoretry_for": RETRYABLE_ERRORS,
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}


@shared_task(bind=True, **RETRY_POLICY)
def worker_heartbeat(self):
    """Record the worker that ran this as alive."""
    services.worker_heartbeat_record(hostname=self.request.hostname or socket.gethostname())


# A nightly run reads the whole catalog: longer than the default 15 minutes.
@shared_task(time_limit=3 * 3600, soft_time_limit=3 * 3600 - 60, **RETRY_POLICY)
def quality_run_execute(run_id: int) -> str:
    """Run a queued quality run's checks; a finished run, or one already running, is left alone."""
    return quality.quality_run_execute(run_id=run_id)


@shared_task(**RETRY_POLICY)
def quality_run_nightly() -> int:
    """Nightly: start a run of every registered check; returns its id."""
    return quality.quality_run_start().pk


@shared_task(**RETRY_POLICY)
def unsent_tasks_send() -> int:
    """Every minute: send the task messages the broker could not take when they were queued."""
    return on_commit.unsent_tasks_send()
