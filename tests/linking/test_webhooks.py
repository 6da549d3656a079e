"""Webhook subscriptions: what may be registered (https, public addresses, known event types),
the secret (Standard Webhooks format, shown once, stored encrypted), updates, rotation,
deletion, and the audit trail that never holds a secret."""

import base64

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.models import AuditRecord
from linking.models import WebhookSubscription
from linking.services import webhooks
from linking.webhook_signing import secret_decrypt
from tests.governance.factories import ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db
PUBLIC = "https://8.8.8.8/hooks/tessera"


def refusal(**kwargs) -> dict[str, list[str]]:
    """{field: [codes]} of the ValidationError webhook_create raises."""
    options = {"url": PUBLIC, "event_types": [], **kwargs}
    with pytest.raises(ValidationError) as refused:
        webhooks.webhook_create(**options)
    return {field: [e.code for e in errors] for field, errors in refused.value.error_dict.items()}


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.7/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://[::ffff:10.0.0.1]/hook",
    ],
)
def test_private_destinations_are_refused_at_registration(url, settings):
    assert settings.TESSERA_WEBHOOKS_ALLOW_PRIVATE is False
    assert refusal(url=url) == {"url": ["private_destination"]}
    assert not WebhookSubscription.objects.exists()


def test_the_url_must_be_https_and_resolve(settings):
    assert refusal(url="http://8.8.8.8/hook") == {"url": ["scheme"]}
    assert refusal(url="https://nowhere.invalid/hook") == {"url": ["unresolvable"]}
    assert refusal(url="") == {"url": ["invalid"]}
    settings.TESSERA_WEBHOOKS_ALLOW_PRIVATE = True  # tests and local receivers
    subscription, _ = webhooks.webhook_create(url="http://127.0.0.1:9/hook", event_types=[])
    assert subscription.url == "http://127.0.0.1:9/hook"


def test_event_types_are_exact_names_or_prefix_patterns_in_known_namespaces():
    assert refusal(event_types=["pim.product.*", "nonsense", "crm.lead.created", "dam.*.x"]) == {
        "event_types": ["unknown_event_type"] * 3
    }
    assert refusal(event_types="pim.product.approved") == {"event_types": ["invalid"]}
    subscription, _ = webhooks.webhook_create(
        url=PUBLIC, event_types=["channel.product.*", "dam.asset.approved", "dam.asset.approved"]
    )
    assert subscription.event_types == ["channel.product.*", "dam.asset.approved"]


def test_every_broken_rule_is_reported_at_once():
    assert refusal(url="ftp://x", event_types=["x"], description="d" * 300) == {
        "url": ["scheme"],
        "event_types": ["unknown_event_type"],
        "description": ["invalid"],
    }


def test_the_secret_is_standard_webhooks_shaped_returned_once_and_stored_encrypted():
    admin = UserFactory()
    channel = ChannelFactory(code="web")
    _subscription, secret = webhooks.webhook_create(
        url=PUBLIC, event_types=[], channel=channel, description="shop", actor=admin
    )
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    stored = WebhookSubscription.objects.get()
    assert secret not in stored.secret_encrypted and secret[6:] not in stored.secret_encrypted
    assert secret_decrypt(stored.secret_encrypted) == secret
    assert (stored.channel, stored.created_by, stored.description) == (channel, admin, "shop")
    _other, other_secret = webhooks.webhook_create(url=PUBLIC, event_types=[])
    assert other_secret != secret


def test_a_secret_encrypted_under_a_former_secret_key_still_decrypts(settings):
    _, secret = webhooks.webhook_create(url=PUBLIC, event_types=[])
    stored = WebhookSubscription.objects.get().secret_encrypted
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "y" * 40
    assert secret_decrypt(stored) == secret


def test_rotation_keeps_the_previous_secret_for_a_day():
    subscription, first = webhooks.webhook_create(url=PUBLIC, event_types=[])
    subscription, second = webhooks.webhook_rotate_secret(subscription=subscription)
    assert second != first
    assert secret_decrypt(subscription.secret_encrypted) == second
    assert secret_decrypt(subscription.previous_secret_encrypted) == first
    left = subscription.previous_secret_expires_at - timezone.now()
    assert 23.9 * 3600 < left.total_seconds() <= 24 * 3600


def test_an_update_checks_the_url_again_and_disabling_by_hand_is_recorded(settings):
    subscription, _ = webhooks.webhook_create(url=PUBLIC, event_types=[])
    with pytest.raises(ValidationError) as refused:
        webhooks.webhook_update(subscription=subscription, changes={"url": "https://127.0.0.1/"})
    assert refused.value.error_dict["url"][0].code == "private_destination"
    with pytest.raises(ValidationError) as refused:
        webhooks.webhook_update(subscription=subscription, changes={"secret_encrypted": "x"})
    assert refused.value.error_dict["secret_encrypted"][0].code == "read_only"
    subscription = webhooks.webhook_update(
        subscription=subscription, changes={"is_active": False, "event_types": ["dam.*"]}
    )
    assert not subscription.is_active and subscription.disabled_reason == "Disabled by hand."
    assert subscription.event_types == ["dam.*"]


def test_changes_are_audited_without_the_secret():
    subscription, secret = webhooks.webhook_create(url=PUBLIC, event_types=[])
    webhooks.webhook_update(subscription=subscription, changes={"description": "erp"})
    _, new_secret = webhooks.webhook_rotate_secret(subscription=subscription)
    pk = subscription.pk
    webhooks.webhook_delete(subscription=subscription)
    records = AuditRecord.objects.filter(object_id=pk).order_by("pk")
    assert [r.action for r in records] == ["create", "update", "update", "delete"]
    assert records[1].changes == {"description": ["", "erp"]}
    assert "secret" in records[2].changes
    text = str([(r.changes, r.state) for r in records])
    assert secret not in text and new_secret not in text and "secret_encrypted" not in text
    assert not WebhookSubscription.objects.exists()
