"""/api/v1/webhooks and /api/v1/webhook-deliveries: administrators register endpoints (the
secret answered once), change, rotate and delete them, read the delivery log and redeliver;
nobody else, and never an API key."""

import pytest

from governance import roles
from governance.api_keys import api_key_create
from governance.services import event_emit
from linking.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from linking.services import webhooks
from linking.services.events import events_publish
from linking.webhook_signing import secret_decrypt
from tests.governance.factories import ChannelFactory
from tests.governance.people import member

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks"
PUBLIC = "https://8.8.8.8/hook"


@pytest.fixture
def admin_api(api_client):
    api_client.force_authenticate(member(roles.ADMINISTRATOR))
    return api_client


def problem(response, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return sorted((e["field"], e["code"]) for e in response.json().get("errors") or [])


def test_register_answers_the_secret_once(admin_api):
    ChannelFactory(code="web")
    response = admin_api.post(
        URL,
        {"url": PUBLIC, "event_types": ["channel.product.*"], "channel": "web", "description": "x"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    subscription = WebhookSubscription.objects.get(uuid=body["uuid"])
    assert secret_decrypt(subscription.secret_encrypted) == body["secret"]
    assert (body["url"], body["channel"], body["event_types"]) == (
        PUBLIC,
        "web",
        ["channel.product.*"],
    )
    assert body["created_by"] == "administrator" and body["is_active"] is True
    shown = admin_api.get(f"{URL}/{body['uuid']}").json()
    assert "secret" not in shown and "secret_encrypted" not in shown
    assert admin_api.get(URL).json()["results"][0]["uuid"] == body["uuid"]


def test_registration_refusals_are_422_by_field(admin_api):
    response = admin_api.post(
        URL, {"url": "https://169.254.169.254/", "event_types": ["nope"], "extra": 1}
    )
    assert problem(response, 422) == [("extra", "unknown_field")]
    response = admin_api.post(URL, {"url": "https://169.254.169.254/", "event_types": ["nope"]})
    assert problem(response, 422) == [
        ("event_types", "unknown_event_type"),
        ("url", "private_destination"),
    ]
    assert problem(admin_api.post(URL, {"url": PUBLIC, "channel": "nowhere"}), 422) == [
        ("channel", "does_not_exist")
    ]
    assert not WebhookSubscription.objects.exists()


def test_update_rotate_and_delete(admin_api):
    subscription, first = webhooks.webhook_create(url=PUBLIC, event_types=[])
    detail = f"{URL}/{subscription.uuid}"
    response = admin_api.patch(detail, {"is_active": False, "event_types": ["dam.*"]})
    assert response.status_code == 200, response.content
    assert response.json()["disabled_reason"] == "Disabled by hand."
    response = admin_api.patch(detail, {"is_active": True})
    assert (response.json()["is_active"], response.json()["disabled_reason"]) == (True, "")
    assert problem(admin_api.patch(detail, {"url": "http://8.8.8.8/"}), 422) == [("url", "scheme")]
    response = admin_api.post(f"{detail}/rotate-secret")
    assert response.status_code == 201
    body = response.json()
    assert body["secret"] != first and body["previous_secret_valid_until"] is not None
    assert admin_api.delete(detail).status_code == 204
    assert admin_api.get(detail).status_code == 404


def _deliveries(subscription, count: int) -> None:
    for n in range(count):
        event_emit(name="pim.product.approved", key=f"api-test:{n}", payload={})
    events_publish()
    for delivery in WebhookDelivery.objects.filter(subscription=subscription):
        WebhookAttempt.objects.bulk_create(
            WebhookAttempt(
                delivery=delivery,
                number=n,
                attempted_at=delivery.created_at,
                status_code=500,
                error="HTTP 500",
            )
            for n in (1, 2)
        )


@pytest.mark.parametrize("size", [3, 30])
def test_the_delivery_log_costs_the_same_queries_whatever_its_size(
    admin_api, size, django_assert_max_num_queries
):
    subscription, _ = webhooks.webhook_create(url=PUBLIC, event_types=[])
    _deliveries(subscription, size)
    # permissions (user, groups), the subscription, the page, its attempts
    with django_assert_max_num_queries(5):
        response = admin_api.get(f"{URL}/{subscription.uuid}/deliveries", {"page_size": size})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == size
    assert rows[0]["event"]["type"] == "pim.product.approved"
    assert [a["number"] for a in rows[0]["attempts_log"]] == [1, 2]
    assert rows[0]["attempts_log"][0]["status"] == 500


def test_redeliver_queues_a_new_attempt_with_the_same_id(admin_api):
    subscription, _ = webhooks.webhook_create(url=PUBLIC, event_types=[])
    _deliveries(subscription, 1)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed", next_attempt_at=None)
    response = admin_api.post(f"/api/v1/webhook-deliveries/{delivery.message_id}/redeliver")
    assert response.status_code == 202, response.content
    assert (response.json()["message_id"], response.json()["state"]) == (
        delivery.message_id,
        "pending",
    )
    webhooks.webhook_update(subscription=subscription, changes={"is_active": False})
    response = admin_api.post(f"/api/v1/webhook-deliveries/{delivery.message_id}/redeliver")
    assert problem(response, 422) == [(None, "endpoint_disabled")]


def test_only_administrators_manage_webhooks_never_keys(api_client):
    subscription, _ = webhooks.webhook_create(url=PUBLIC, event_types=[])
    api_client.force_authenticate(member(roles.METADATA_MANAGER))
    assert api_client.get(URL).status_code == 403
    assert api_client.post(URL, {"url": PUBLIC}).status_code == 403
    editor = member(roles.PRODUCT_EDITOR, "editor")
    _, raw = api_key_create(
        name="writer", scope="write", role=editor.groups.get(name=roles.PRODUCT_EDITOR)
    )
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(URL).status_code == 403
    assert api_client.get(f"{URL}/{subscription.uuid}").status_code == 403
    assert api_client.post(f"{URL}/{subscription.uuid}/rotate-secret").status_code == 403
