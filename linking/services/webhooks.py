"""Webhook subscriptions: registered, changed, rotated, disabled and removed here, whatever the
entry point (API, admin). Every change is audited; the secret never is.

An endpoint's URL is https and resolves only to public addresses (governance.net), checked
when it is saved and again at each delivery; `TESSERA_WEBHOOKS_ALLOW_PRIVATE` lifts both rules
for tests and local receivers. Its secret (`whsec_…`) is returned once, by create and rotate.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.audit import audit_record, diff, fields_state
from governance.models import AuditAction, Channel
from governance.net import DestinationRefused, destination_check
from governance.services import apply_changes
from linking.models import DeliveryState, WebhookDelivery, WebhookSubscription
from linking.selectors.events import event_types_clean
from linking.webhook_signing import secret_encrypt, secret_generate

EDITABLE_FIELDS = ("url", "description", "event_types", "channel", "is_active")
AUDITED_FIELDS = ("url", "description", "event_types", "channel", "is_active", "disabled_reason")
# How long the secret replaced by a rotation keeps signing beside the new one.
ROTATION_GRACE = timedelta(hours=24)
MAX_URL_LENGTH = 2000


def _state(subscription: WebhookSubscription) -> dict:
    return fields_state(subscription, AUDITED_FIELDS)


def url_refusal(url) -> ValidationError | None:
    """Why an endpoint URL may not be registered (scheme, form, a non-public address)."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL_LENGTH:
        return ValidationError(f"A URL of 1 to {MAX_URL_LENGTH} characters.", code="invalid")
    allow_private = settings.TESSERA_WEBHOOKS_ALLOW_PRIVATE
    try:
        destination_check(
            url.strip(),
            allow_private=allow_private,
            schemes=("https", "http") if allow_private else ("https",),
        )
    except DestinationRefused as exc:
        return ValidationError(exc.message, code=exc.code)
    return None


def _validate(subscription: WebhookSubscription, changed) -> None:
    """Every broken rule of the fields in `changed`, at once, keyed by field."""
    errors: dict[str, list] = {}
    if "url" in changed:
        refusal = url_refusal(subscription.url)
        if refusal is not None:
            errors["url"] = [refusal]
        else:
            subscription.url = subscription.url.strip()
    if "event_types" in changed:
        try:
            subscription.event_types = event_types_clean(subscription.event_types, "event_types")
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if "description" in changed:
        description = subscription.description
        if not isinstance(description, str) or len(description) > 255:
            errors["description"] = [ValidationError("At most 255 characters.", code="invalid")]
    if "is_active" in changed and not isinstance(subscription.is_active, bool):
        errors["is_active"] = [ValidationError("true or false.", code="invalid")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def webhook_create(
    *,
    url: str,
    event_types: list[str],
    channel: Channel | None = None,
    description: str = "",
    actor=None,
) -> tuple[WebhookSubscription, str]:
    """Register an endpoint and return it with its secret (the only time it is shown);
    audited. It receives the events published from now on."""
    secret = secret_generate()
    subscription = WebhookSubscription(
        url=url,
        event_types=event_types,
        channel=channel,
        description=description,
        secret_encrypted=secret_encrypt(secret),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _validate(subscription, EDITABLE_FIELDS)
    subscription.save()
    audit_record(
        obj=subscription, action=AuditAction.CREATE, changes=diff(None, _state(subscription))
    )
    return subscription, secret


@transaction.atomic
def webhook_update(*, subscription: WebhookSubscription, changes: dict) -> WebhookSubscription:
    """Change an endpoint's URL (checked again), events, channel, description or activity;
    audited. Enabling a disabled endpoint clears its failure count; disabling one fails its
    pending deliveries."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = _state(subscription)
    was_active = subscription.is_active
    apply_changes(subscription, changes, editable=EDITABLE_FIELDS)
    _validate(subscription, changes)
    if subscription.is_active and not was_active:
        subscription.consecutive_failures, subscription.failing_since = 0, None
        subscription.disabled_reason, subscription.disabled_at = "", None
    elif was_active and not subscription.is_active:
        _mark_disabled(subscription, "Disabled by hand.")
    subscription.save()
    audit_record(
        obj=subscription, action=AuditAction.UPDATE, changes=diff(before, _state(subscription))
    )
    return subscription


def _mark_disabled(subscription: WebhookSubscription, reason: str) -> None:
    subscription.is_active, subscription.disabled_reason = False, reason[:255]
    subscription.disabled_at = timezone.now()
    WebhookDelivery.objects.filter(subscription=subscription, state=DeliveryState.PENDING).update(
        state=DeliveryState.FAILED, next_attempt_at=None, last_error=reason[:500]
    )


@transaction.atomic
def webhook_disable(*, subscription: WebhookSubscription, reason: str) -> WebhookSubscription:
    """Stop delivering to an endpoint: disabled with `reason`, its pending deliveries failed;
    audited. Disabling a disabled endpoint changes nothing."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if not subscription.is_active:
        return subscription
    before = _state(subscription)
    _mark_disabled(subscription, reason)
    subscription.save()
    audit_record(
        obj=subscription, action=AuditAction.UPDATE, changes=diff(before, _state(subscription))
    )
    return subscription


@transaction.atomic
def webhook_rotate_secret(*, subscription: WebhookSubscription) -> tuple[WebhookSubscription, str]:
    """Give an endpoint a new secret, returned once; the replaced one keeps signing beside it
    for ROTATION_GRACE (a secret older than that is dropped). Audited, without the secrets."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    secret = secret_generate()
    expires_at = timezone.now() + ROTATION_GRACE
    subscription.previous_secret_encrypted = subscription.secret_encrypted
    subscription.previous_secret_expires_at = expires_at
    subscription.secret_encrypted = secret_encrypt(secret)
    subscription.save()
    audit_record(
        obj=subscription,
        action=AuditAction.UPDATE,
        changes={
            "secret": ["(previous)", "(rotated)"],
            "previous_secret_expires_at": [None, expires_at.isoformat()],
        },
    )
    return subscription, secret


@transaction.atomic
def webhook_delete(*, subscription: WebhookSubscription) -> None:
    """Remove an endpoint with its deliveries and their log; audited."""
    audit_record(
        obj=subscription, action=AuditAction.DELETE, changes=diff(_state(subscription), None)
    )
    subscription.delete()


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it, with the same `webhook-id`: it is
    pending and due again, and its attempt is queued on commit. A delivery that had used every
    attempt gets exactly one more; the endpoint must be enabled."""
    from linking.tasks.webhooks import webhook_deliver

    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("subscription")
        .get(pk=delivery.pk)
    )
    if not delivery.subscription.is_active:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    "The endpoint is disabled: enable it first.", code="endpoint_disabled"
                )
            }
        )
    delivery.state, delivery.next_attempt_at = DeliveryState.PENDING, timezone.now()
    delivery.save(update_fields=["state", "next_attempt_at"])
    webhook_deliver.delay_on_commit(delivery.pk)
    return delivery
