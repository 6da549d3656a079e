"""The outbox relay (numbering committed events once, fanning them out to subscriptions) and
the change feed API (`/api/v1/events`): cursor paging, filters, who reads what, bad input."""

import itertools

import pytest
from django.db import transaction

from governance import roles
from governance.api_keys import api_key_create
from governance.models import Event
from governance.services import event_emit
from linking.models import WebhookDelivery
from linking.receivers import events as relay_receiver
from linking.services import webhooks
from linking.services.events import events_publish, events_relay_all
from tests.governance.factories import ChannelFactory
from tests.governance.people import member

pytestmark = pytest.mark.django_db
URL = "/api/v1/events"
PUBLIC = "https://8.8.8.8/hook"
_keys = itertools.count()


def emit(name="pim.product.approved", channel="", **payload) -> Event:
    number = next(_keys)
    event_emit(
        name=name,
        key=f"feed-test:{number}",
        payload=payload or {"n": number},
        object_type="product",
        object_ref=f"sku-{number}",
        channel=channel,
    )
    return Event.objects.get(key=f"feed-test:{number}")


@pytest.fixture
def admin_api(api_client):
    api_client.force_authenticate(member(roles.ADMINISTRATOR))
    return api_client


def key_client(**options):
    from rest_framework.test import APIClient

    _, raw = api_key_create(name="integration", scope="read", **options)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_relay_numbers_committed_events_once_in_order():
    first = [emit() for _ in range(3)]
    assert events_publish() == 3
    assert events_publish() == 0  # nothing twice
    later = [emit() for _ in range(2)]
    assert events_publish(limit=1) == 1
    assert events_relay_all() == 1
    numbered = Event.objects.order_by("sequence")
    assert [e.pk for e in numbered] == [e.pk for e in first + later]
    start = numbered[0].sequence
    assert [e.sequence for e in numbered] == list(range(start, start + 5))
    assert all(e.published_at is not None for e in numbered)


def test_each_event_goes_to_the_subscriptions_that_want_it_once():
    web, outlet = ChannelFactory(code="web"), ChannelFactory(code="outlet")
    subscribe = lambda **o: webhooks.webhook_create(url=PUBLIC, **o)[0]  # noqa: E731
    everything = subscribe(event_types=[])
    assets = subscribe(event_types=["dam.*"])
    approvals = subscribe(event_types=["pim.product.approved"])
    web_only = subscribe(event_types=[], channel=web)
    web_products = subscribe(event_types=["channel.product.*"], channel=web)
    disabled = subscribe(event_types=[])
    webhooks.webhook_update(subscription=disabled, changes={"is_active": False})
    approved = emit("pim.product.approved")
    retired = emit("dam.asset.retired")
    on_web = emit("channel.product.published", channel=web.code)
    on_outlet = emit("channel.product.published", channel=outlet.code)
    events_publish()
    events_publish()
    pairs = set(WebhookDelivery.objects.values_list("subscription_id", "event_id"))
    assert pairs == {
        (everything.pk, approved.pk),
        (everything.pk, retired.pk),
        (everything.pk, on_web.pk),
        (everything.pk, on_outlet.pk),
        (assets.pk, retired.pk),
        (approvals.pk, approved.pk),
        (web_only.pk, on_web.pk),
        (web_products.pk, on_web.pk),
    }
    delivery = WebhookDelivery.objects.get(subscription=assets)
    assert delivery.message_id == f"msg_{retired.pk}_{assets.uuid.hex}"
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    assert delivery.next_attempt_at is not None


def test_a_transaction_queues_one_relay_however_many_events_it_writes(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for _ in range(3):
            emit()
    assert callbacks.count(relay_receiver._relay) == 1


def test_events_are_published_after_their_commit(run_tasks_on_commit, admin_api):
    with run_tasks_on_commit(execute=True), transaction.atomic():
        event = emit()
        assert Event.objects.get(pk=event.pk).sequence is None
    event.refresh_from_db()
    assert event.sequence is not None
    assert ids(admin_api.get(URL)) == [event.sequence]


def test_the_cursor_walks_every_event_once_in_order(admin_api):
    events = [emit(sku=f"s{n}") for n in range(7)]
    emit()  # committed but not yet published: not in the feed
    events_publish(limit=7)
    seen, cursor, pages = [], "", 0
    while True:
        body = admin_api.get(URL, {"after": cursor, "limit": 3}).json()
        seen += [row["id"] for row in body["results"]]
        cursor, pages = body["next_cursor"], pages + 1
        if not body["has_more"]:
            break
    numbers = [Event.objects.get(pk=e.pk).sequence for e in events]
    assert seen == numbers and pages == 3
    assert cursor == str(numbers[-1])
    assert admin_api.get(URL, {"after": cursor}).json() == {
        "results": [],
        "next_cursor": cursor,
        "has_more": False,
    }
    first = admin_api.get(URL, {"limit": 1}).json()["results"][0]
    event = Event.objects.get(pk=events[0].pk)
    assert first == {
        "id": event.sequence,
        "type": "pim.product.approved",
        "key": event.key,
        "object_type": "product",
        "object_ref": event.object_ref,
        "channel": None,
        "payload": {"sku": "s0"},
        "created_at": event.created_at.isoformat(),
        "published_at": event.published_at.isoformat(),
    }


def test_type_and_channel_filters(admin_api):
    ChannelFactory(code="web")
    approved = emit("pim.product.approved")
    retired = emit("dam.asset.retired")
    published = emit("channel.product.published", channel="web")
    emit("linking.links.changed")
    events_publish()
    number = lambda e: Event.objects.get(pk=e.pk).sequence  # noqa: E731
    assert ids(admin_api.get(URL, {"type": "dam.*,pim.product.approved"})) == [
        number(approved),
        number(retired),
    ]
    assert ids(admin_api.get(URL, {"channel": "web"})) == [number(published)]
    assert ids(admin_api.get(URL, {"type": "channel.product.*", "channel": "web"})) == [
        number(published)
    ]


def test_a_channel_restricted_key_reads_only_its_channel():
    web, outlet = ChannelFactory(code="web"), ChannelFactory(code="outlet")
    web_key, any_key = key_client(channel=web), key_client()
    mine = emit("channel.product.published", channel="web")
    emit("channel.product.published", channel="outlet")
    emit("pim.product.approved")
    events_publish()
    mine.refresh_from_db()
    assert ids(web_key.get(URL)) == [mine.sequence]
    assert ids(web_key.get(URL, {"channel": "web"})) == [mine.sequence]
    response = web_key.get(URL, {"channel": outlet.code})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert len(ids(any_key.get(URL))) == 3


def test_keys_never_read_events_about_api_keys(admin_api):
    client = key_client()  # creating the key emitted governance.api_key.created
    emit()
    events_publish()
    admin_types = [row["type"] for row in admin_api.get(URL).json()["results"]]
    key_types = [row["type"] for row in client.get(URL).json()["results"]]
    assert "governance.api_key.created" in admin_types
    assert key_types == ["pim.product.approved"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "abc"}, "after"),
        ({"after": "-1"}, "after"),
        ({"after": "1.5"}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"type": "pim.product.approved,bogus"}, "type"),
        ({"type": "crm.*"}, "type"),
        ({"channel": "nowhere"}, "channel"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(admin_api, params, field):
    response = admin_api.get(URL, params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == field


def test_who_may_read_the_change_feed(api_client):
    assert api_client.get(URL).status_code == 401
    api_client.force_authenticate(member(roles.VIEWER))
    assert api_client.get(URL).status_code == 403
    api_client.force_authenticate(member(roles.PRODUCT_DATA_OWNER))
    assert api_client.get(URL).status_code == 403
    api_client.force_authenticate(member(roles.ADMINISTRATOR))
    assert api_client.get(URL).status_code == 200
    assert key_client().get(URL).status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_a_page_costs_the_same_queries_whatever_its_size(
    admin_api, size, django_assert_max_num_queries
):
    ChannelFactory(code="web")
    for n in range(size):
        emit("channel.product.published", channel="web", n=n)
    events_publish()
    # permissions (user, groups), the channel's existence, the page
    with django_assert_max_num_queries(4):
        response = admin_api.get(URL, {"limit": size, "channel": "web"})
    assert len(ids(response)) == size
