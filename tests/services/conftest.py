import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests import tiers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def _services_tier():
    missing = tiers.missing_services()
    if missing:
        tiers.unavailable("services", "; ".join(missing))


def start_worker(name: str, **env) -> subprocess.Popen:
    """A `celery worker` process (solo pool) on this process's settings and test database;
    `env` overrides its environment. Its log is test-artifacts/celery-<name>.log; the process
    carries its `hostname`."""
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    hostname = f"{name}-{os.getpid()}@localhost"
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / f"celery-{name}.log", "a")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues=default,media",
            f"--hostname={hostname}",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env={
            # This process's environment, already set for its xdist worker (Redis databases,
            # S3 port, files): without the worker's name, settings_test keeps it as it is.
            **{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            **env,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child holds its own descriptor
    process.hostname = hostname
    return process


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the Redis broker, writing to the test database.

    One per module, stopped after it: a worker left running would take the tasks that later
    tests in this process queue, and hold locks on tables their teardown truncates."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()  # nothing left over from an earlier run
    with django_db_blocker.unblock():
        process = start_worker(
            f"worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}",
            # Webhook tests post to a receiver on loopback and retry within seconds.
            TESSERA_WEBHOOKS_ALLOW_PRIVATE="true",
            TESSERA_WEBHOOK_RETRY_SCHEDULE="1,1,1,1",
        )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[process.hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start; see test-artifacts/")
        yield process.hostname
    finally:
        process.terminate()
        process.wait(timeout=30)
