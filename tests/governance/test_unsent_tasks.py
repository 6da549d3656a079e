"""A task queued on commit while the broker is away is kept, not lost, and sent by the sweep once
the broker answers (the service tier's test_faults.py does this with a real Redis stopped)."""

import socket

import pytest
from django.db import transaction
from kombu import Connection

from governance.models import UnsentTask
from governance.on_commit import unsent_tasks_send
from governance.tasks import worker_heartbeat
from tests.governance.brokers import broker_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: connections are refused, as with a stopped Redis."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_task_the_broker_refuses_after_the_commit_is_kept(closed_port):
    with broker_at(f"redis://127.0.0.1:{closed_port}/0"), transaction.atomic():
        worker_heartbeat.apply_async_on_commit(queue="default", countdown=5, expires=60)
        assert not UnsentTask.objects.exists()  # nothing is sent before the commit
    kept = UnsentTask.objects.get()
    assert kept.name == "governance.tasks.worker_heartbeat"
    assert (kept.args, kept.kwargs) == ([], {})
    assert kept.options == {"queue": "default", "countdown": 5}  # only JSON options we resend
    assert "Error" in kept.error and kept.attempts == 1


def test_a_rolled_back_write_keeps_nothing(closed_port):
    with broker_at(f"redis://127.0.0.1:{closed_port}/0"), transaction.atomic():
        worker_heartbeat.delay_on_commit()
        transaction.set_rollback(True)
    assert not UnsentTask.objects.exists()


def test_the_sweep_sends_kept_tasks_once_the_broker_answers(closed_port):
    for n in range(3):
        UnsentTask.objects.create(name="governance.tasks.quality_run_execute", args=[n])
    with broker_at(f"redis://127.0.0.1:{closed_port}/0"):
        assert unsent_tasks_send() == 0  # still away: everything stays, the first try counted
    assert list(UnsentTask.objects.values_list("attempts", flat=True)) == [2, 1, 1]

    with broker_at("memory://"):
        assert unsent_tasks_send() == 3
        with Connection("memory://") as connection:
            queue = connection.SimpleQueue("default")
            bodies = [queue.get(timeout=1) for _ in range(3)]
            headers = [message.headers for message in bodies]
            for message in bodies:
                message.ack()
            queue.close()
    assert not UnsentTask.objects.exists()
    assert [h["task"] for h in headers] == ["governance.tasks.quality_run_execute"] * 3
    assert [h["argsrepr"] for h in headers] == ["[0]", "[1]", "[2]"]


def test_the_admin_lists_kept_tasks_and_sends_them_on_request(admin_client):
    UnsentTask.objects.create(name="governance.tasks.worker_heartbeat", error="refused")
    page = admin_client.get("/admin/governance/unsenttask/")
    assert page.status_code == 200 and b"governance.tasks.worker_heartbeat" in page.content
    assert admin_client.get("/admin/governance/unsenttask/add/").status_code == 403
    with broker_at("memory://"):
        response = admin_client.post(
            "/admin/governance/unsenttask/",
            {"action": "send_now", "_selected_action": [UnsentTask.objects.get().pk]},
            follow=True,
        )
    assert b"Sent 1; 0 still kept." in response.content
    assert not UnsentTask.objects.exists()
