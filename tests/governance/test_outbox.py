"""The domain-event outbox: an event row exists iff the transaction that wrote it committed."""

import pytest
from django.db import transaction

from governance.models import Event
from governance.services import event_emit, vocabulary_create

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def _change_with_event(code: str) -> None:
    vocabulary = vocabulary_create(code=code)
    event_emit(
        name="governance.vocabulary.created",
        key=f"vocabulary:{vocabulary.pk}:created",
        payload={"code": code},
        object_type="vocabulary",
        object_ref=code,
    )


def test_an_event_is_written_with_its_change_when_the_transaction_commits():
    with transaction.atomic():
        _change_with_event("colours")
    [event] = Event.objects.all()
    assert (event.name, event.object_type, event.object_ref) == (
        "governance.vocabulary.created",
        "vocabulary",
        "colours",
    )
    assert event.payload == {"code": "colours"}  # publishing it is linking's (on commit)


def test_no_event_survives_a_rolled_back_transaction():
    with pytest.raises(Boom), transaction.atomic():
        _change_with_event("materials")
        assert Event.objects.count() == 1  # visible inside the transaction only
        raise Boom
    assert not Event.objects.exists()


def test_the_same_key_tells_an_event_once():
    assert event_emit(name="x.happened", key="x:1", payload={})
    assert not event_emit(name="x.happened", key="x:1", payload={"again": True})
    assert Event.objects.get(key="x:1").payload == {}
