import pytest

from governance.models import WorkerHeartbeat
from governance.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


def test_worker_heartbeat_is_idempotent_per_worker():
    worker_heartbeat.apply()
    first = WorkerHeartbeat.objects.get()
    worker_heartbeat.apply()
    assert WorkerHeartbeat.objects.get().seen_at > first.seen_at


def test_a_task_delivered_again_and_again_is_dropped_after_the_bound():
    """acks_late redelivers a task whose worker died; a poison message must not loop forever."""
    for _ in range(worker_heartbeat.max_deliveries):
        worker_heartbeat.apply(task_id="same-delivery")
    seen = WorkerHeartbeat.objects.get().seen_at
    worker_heartbeat.apply(task_id="same-delivery")
    assert WorkerHeartbeat.objects.get().seen_at == seen
