import time

import pytest
from django.db import transaction

from governance.models import WorkerHeartbeat
from governance.tasks import worker_heartbeat


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_task_goes_through_redis_to_a_worker_process_and_lands_in_the_database(celery_worker):
    assert not worker_heartbeat.app.conf.task_always_eager
    with transaction.atomic():
        worker_heartbeat.delay_on_commit()
        time.sleep(0.5)
        # Not sent before the commit: the worker cannot have seen it yet.
        assert not WorkerHeartbeat.objects.exists()
    assert wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=celery_worker).exists())
