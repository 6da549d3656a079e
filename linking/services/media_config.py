"""Media configuration: the roles a family needs per channel, the placeholder per channel and
role, and each channel's media policy. Every write is audited; the documents of the products it
may affect are rebuilt in the background (linking/receivers/documents.py)."""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction

from dam.models import Asset, AssetKind
from governance.audit import audit_change, audit_delete, model_state
from governance.models import Channel
from linking.models import ChannelMediaPolicy, FallbackMedia, MediaRequirement
from linking.services.links import role_clean
from pim.models import Family

REQUIREMENT_FIELDS = ("family", "channel", "role", "minimum")
FALLBACK_FIELDS = ("channel", "role", "asset")
POLICY_FIELDS = ("counts_towards_completeness", "gates_approval")


def _problem(errors: dict, field: str, message: str, code: str) -> None:
    errors.setdefault(field, []).append(ValidationError(message, code=code))


def _unknown_fields(changes: dict, allowed, errors: dict) -> None:
    for name in sorted(set(changes) - set(allowed)):
        _problem(errors, name, "Unknown or read-only field.", "unknown_field")


def _by_code(model, field: str, code, errors: dict):
    row = model.objects.filter(code=code).first() if isinstance(code, str) else None
    if row is None:
        _problem(errors, field, f"There is no {field} {code!r}.", "unknown")
    return row


def _role(role, errors: dict) -> str | None:
    try:
        return role_clean(role) if isinstance(role, str) else role_clean("")
    except ValidationError as exc:
        errors.update({"role": exc.error_dict["role"]})
        return None


@transaction.atomic
def media_requirement_save(
    *, changes: dict, requirement: MediaRequirement | None = None
) -> MediaRequirement:
    """Create or change a family's media requirement on a channel (family, channel, role,
    minimum ≥ 1); every problem at once. Audited; the family's documents are rebuilt."""
    before = model_state(requirement, REQUIREMENT_FIELDS) if requirement else None
    requirement = requirement or MediaRequirement()
    errors: dict = {}
    _unknown_fields(changes, REQUIREMENT_FIELDS, errors)
    if requirement.pk is None:
        for name in ("family", "channel", "role"):
            if name not in changes:
                _problem(errors, name, "This field is required.", "required")
    if "family" in changes:
        requirement.family = _by_code(Family, "family", changes["family"], errors)
    if "channel" in changes:
        requirement.channel = _by_code(Channel, "channel", changes["channel"], errors)
    if "role" in changes:
        requirement.role = _role(changes["role"], errors) or requirement.role
    minimum = changes.get("minimum", requirement.minimum)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or not 1 <= minimum <= 100:
        _problem(errors, "minimum", "A whole number from 1 to 100.", "invalid")
    else:
        requirement.minimum = minimum
    if not errors:
        taken = MediaRequirement.objects.filter(
            family=requirement.family, channel=requirement.channel, role=requirement.role
        ).exclude(pk=requirement.pk)
        if taken.exists():
            _problem(
                errors,
                "role",
                "This family already has a requirement for this role on this channel.",
                "duplicate",
            )
    if errors:
        raise ValidationError(errors)
    requirement.save()
    audit_change(obj=requirement, before=before, after=model_state(requirement, REQUIREMENT_FIELDS))
    return requirement


@transaction.atomic
def media_requirement_delete(*, requirement: MediaRequirement) -> None:
    """Remove a media requirement; audited; the family's documents are rebuilt."""
    audit_delete(obj=requirement, before=model_state(requirement, REQUIREMENT_FIELDS))
    requirement.delete()


def _asset(raw, errors: dict) -> Asset | None:
    try:
        asset = Asset.objects.filter(uuid=uuid.UUID(str(raw))).first()
    except ValueError:
        asset = None
    if asset is None:
        _problem(errors, "asset", f"There is no asset {raw}.", "unknown")
    elif asset.kind != AssetKind.IMAGE:
        _problem(errors, "asset", f"A placeholder is an image, not a {asset.kind}.", "not_image")
    return asset


@transaction.atomic
def fallback_media_save(*, changes: dict, fallback: FallbackMedia | None = None) -> FallbackMedia:
    """Create or change a channel's placeholder for a role (an image asset, by uuid). It shows
    only once approved with rights for the channel. Audited; documents are rebuilt."""
    before = model_state(fallback, FALLBACK_FIELDS) if fallback else None
    fallback = fallback or FallbackMedia()
    errors: dict = {}
    _unknown_fields(changes, FALLBACK_FIELDS, errors)
    if fallback.pk is None:
        for name in FALLBACK_FIELDS:
            if name not in changes:
                _problem(errors, name, "This field is required.", "required")
    if "channel" in changes:
        fallback.channel = _by_code(Channel, "channel", changes["channel"], errors)
    if "role" in changes:
        fallback.role = _role(changes["role"], errors) or fallback.role
    if "asset" in changes:
        fallback.asset = _asset(changes["asset"], errors)
    if not errors:
        taken = FallbackMedia.objects.filter(channel=fallback.channel, role=fallback.role)
        if taken.exclude(pk=fallback.pk).exists():
            _problem(
                errors, "role", "This channel has a placeholder for this role already.", "duplicate"
            )
    if errors:
        raise ValidationError(errors)
    fallback.save()
    audit_change(obj=fallback, before=before, after=model_state(fallback, FALLBACK_FIELDS))
    return fallback


@transaction.atomic
def fallback_media_delete(*, fallback: FallbackMedia) -> None:
    """Remove a placeholder; audited; documents are rebuilt."""
    audit_delete(obj=fallback, before=model_state(fallback, FALLBACK_FIELDS))
    fallback.delete()


@transaction.atomic
def media_policy_save(*, channel: Channel, changes: dict) -> ChannelMediaPolicy:
    """Set how media readiness weighs on a channel (counts towards completeness, gates
    approval). Audited; the channel's documents are rebuilt."""
    errors: dict = {}
    _unknown_fields(changes, POLICY_FIELDS, errors)
    for name in POLICY_FIELDS:
        if name in changes and not isinstance(changes[name], bool):
            _problem(errors, name, "Expected true or false.", "invalid")
    if errors:
        raise ValidationError(errors)
    policy = ChannelMediaPolicy.objects.select_for_update().filter(channel=channel).first()
    before = model_state(policy, POLICY_FIELDS) if policy else None
    policy = policy or ChannelMediaPolicy(channel=channel)
    for name in POLICY_FIELDS:
        if name in changes:
            setattr(policy, name, changes[name])
    after = model_state(policy, POLICY_FIELDS)
    if before == after:
        return policy
    policy.save()
    audit_change(obj=policy, before=before, after=after)
    return policy
