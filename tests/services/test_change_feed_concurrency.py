"""The change feed under concurrent writers, on PostgreSQL: writers hold overlapping
transactions open for random times (so events commit out of id order), relays run in threads
and in the worker, and a reader follows `/api/v1/events?after=` all along. At the end it has
seen every event exactly once, in sequence order, with no gap."""

import random
import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from governance import roles
from governance.models import Event
from governance.services import event_emit
from linking.services.events import events_publish, events_relay_all
from tests.governance.people import member

WRITERS, TRANSACTIONS = 6, 12


def _thread(target, errors, *args):
    def run():
        try:
            target(*args)
        except Exception as exc:  # reported by the test, not lost in a thread
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    return threading.Thread(target=run, daemon=True)


@pytest.mark.django_db(transaction=True)
def test_the_reader_sees_every_event_once_in_order_without_gaps(celery_worker):
    admin = member(roles.ADMINISTRATOR)
    errors: list[Exception] = []
    writing_done, relays_done = threading.Event(), threading.Event()
    seen: list[dict] = []

    def write(number):
        rng = random.Random(number)
        for n in range(TRANSACTIONS):
            with transaction.atomic():
                for part in range(rng.randint(1, 3)):
                    event_emit(
                        name="pim.product.approved",
                        key=f"concurrent:{number}:{n}:{part}",
                        payload={"writer": number},
                    )
                    time.sleep(rng.uniform(0, 0.03))  # others insert and commit meanwhile
            time.sleep(rng.uniform(0, 0.01))

    def relay(number):
        rng = random.Random(100 + number)
        while not writing_done.is_set():
            events_publish(limit=rng.randint(1, 4))
            time.sleep(rng.uniform(0, 0.01))

    def read():
        client = APIClient()
        client.force_authenticate(admin)
        cursor = ""
        while True:
            response = client.get("/api/v1/events", {"after": cursor, "limit": 7})
            assert response.status_code == 200, response.content
            body = response.json()
            seen.extend(body["results"])
            cursor = body["next_cursor"]
            if not body["results"] and relays_done.is_set():
                return
            time.sleep(0.005)

    writers = [_thread(write, errors, n) for n in range(WRITERS)]
    relays = [_thread(relay, errors, n) for n in range(2)]
    reader = _thread(read, errors)
    started = time.monotonic()
    for thread in [*writers, *relays, reader]:
        thread.start()
    for thread in writers:
        thread.join(timeout=40)
    writing_done.set()
    for thread in relays:
        thread.join(timeout=10)
    events_relay_all()  # what the relays had not reached yet
    relays_done.set()
    reader.join(timeout=10)
    assert not errors, errors
    assert time.monotonic() - started < 50

    written = set(Event.objects.values_list("key", flat=True))
    assert Event.objects.filter(sequence__isnull=True).count() == 0
    numbers = [row["id"] for row in seen]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # no gap, no repeat
    assert {row["key"] for row in seen} == written and len(seen) == len(written)
    # The case the sequence exists for did happen: events committed out of id order.
    by_sequence = list(Event.objects.order_by("sequence").values_list("pk", flat=True))
    assert by_sequence != sorted(by_sequence)
