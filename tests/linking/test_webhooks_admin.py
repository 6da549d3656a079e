"""The webhook admin: endpoints registered and rotated through the services (the secret shown
once, a refused URL explained on the form), the delivery log read-only with redelivery."""

import re

import pytest

from governance.services import event_emit
from linking.models import WebhookDelivery, WebhookSubscription
from linking.services.events import events_publish
from linking.services.webhooks import webhook_create
from linking.webhook_signing import secret_decrypt

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/linking/webhooksubscription/"
SHOWN_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


def shown_secrets(response) -> list[str]:
    return [
        match.group(0)
        for message in response.context["messages"]
        if (match := SHOWN_SECRET.search(str(message)))
    ]


def test_registering_shows_the_secret_once(admin_client, admin_user):
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {"url": "https://8.8.8.8/hook", "description": "", "event_types": '["dam.*"]'},
        follow=True,
    )
    assert response.status_code == 200
    [secret] = shown_secrets(response)
    subscription = WebhookSubscription.objects.get()
    assert secret_decrypt(subscription.secret_encrypted) == secret
    assert (subscription.event_types, subscription.created_by) == (["dam.*"], admin_user)
    page = admin_client.get(f"{CHANGELIST}{subscription.pk}/change/").content.decode()
    assert secret not in page and subscription.secret_encrypted not in page


def test_a_private_destination_is_refused_on_the_form(admin_client):
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {"url": "https://169.254.169.254/", "description": "", "event_types": "[]"},
    )
    assert response.status_code == 200
    assert "a link-local address" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_rotating_from_the_changelist_shows_the_new_secret(admin_client):
    subscription, old = webhook_create(url="https://8.8.8.8/hook", event_types=[])
    response = admin_client.post(
        CHANGELIST,
        {"action": "rotate_secret", "_selected_action": [subscription.pk]},
        follow=True,
    )
    [secret] = shown_secrets(response)
    subscription.refresh_from_db()
    assert secret != old and secret_decrypt(subscription.secret_encrypted) == secret


def test_the_delivery_log_is_read_only_and_redelivers(admin_client):
    webhook_create(url="https://8.8.8.8/hook", event_types=[])
    event_emit(name="pim.product.approved", key="admin-test", payload={})
    events_publish()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed", next_attempt_at=None)
    page = admin_client.get(f"/admin/linking/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    admin_client.post(
        "/admin/linking/webhookdelivery/",
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert delivery.state == "pending"
