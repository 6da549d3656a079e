"""Celery entry points for governance: thin, idempotent, calling services."""

import socket

from celery import shared_task
from django.db import OperationalError

from governance import services

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
