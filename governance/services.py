"""Writes to the shared language. Every entry point (admin, API, seed, imports) calls these."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from governance.models import ActivatableCode, Channel, Currency, Locale, WorkerHeartbeat


def full_clean_and_save(instance: models.Model) -> None:
    """Validate with the model's own rules (field validators, uniqueness) and save."""
    instance.full_clean()
    instance.save()


def apply_changes(instance: models.Model, changes: dict, *, editable: Iterable[str]) -> None:
    """Set the given fields on an instance; a field outside `editable` is an error."""
    editable = set(editable)
    unknown = sorted(set(changes) - editable)
    if unknown:
        raise ValidationError(
            {
                name: ValidationError("This field cannot be changed.", code="read_only")
                for name in unknown
            }
        )
    for name, value in changes.items():
        setattr(instance, name, value)


def _codes_to_rows(model, codes, field: str, *, require_active: bool):
    codes = list(dict.fromkeys(codes))  # keep order, drop repeats
    rows = {row.code: row for row in model.objects.filter(code__in=codes)}
    errors = [
        ValidationError("Unknown code %(code)s.", code="unknown", params={"code": c})
        for c in codes
        if c not in rows
    ]
    if require_active:
        errors += [
            ValidationError("%(code)s is not active.", code="inactive", params={"code": c})
            for c in codes
            if c in rows and not rows[c].is_active
        ]
    if errors:
        raise ValidationError({field: errors})
    return [rows[c] for c in codes]


@transaction.atomic
def code_entry_create(
    *, model: type[ActivatableCode], code: str, label: str = "", is_active: bool = True
) -> ActivatableCode:
    """Create a locale or a currency."""
    entry = model(code=code.strip(), label=label, is_active=is_active)
    full_clean_and_save(entry)
    return entry


@transaction.atomic
def code_entry_update(*, entry: ActivatableCode, changes: dict) -> ActivatableCode:
    """Change a locale's or currency's label or activation; codes are identifiers, never changed."""
    apply_changes(entry, changes, editable={"label", "is_active"})
    full_clean_and_save(entry)
    return entry


def _resolve_channel_relations(*, locales, currencies) -> tuple[dict, dict]:
    """Rows for the given codes (None = leave as is) and the errors found, keyed by field."""
    rows, errors = {}, {}
    if locales is not None and not locales:
        errors["locales"] = [
            ValidationError("A channel needs at least one locale.", code="required")
        ]
    for field, model, codes in (("locales", Locale, locales), ("currencies", Currency, currencies)):
        if codes is None or field in errors:
            continue
        try:
            rows[field] = _codes_to_rows(model, codes, field, require_active=True)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    return rows, errors


def _channel_save(channel: Channel, *, locales, currencies) -> Channel:
    rows, errors = _resolve_channel_relations(locales=locales, currencies=currencies)
    try:
        channel.full_clean()
    except ValidationError as exc:
        errors = {**exc.error_dict, **errors}
    if errors:  # every problem at once, so the caller fixes them in one go
        raise ValidationError(errors)
    channel.save()
    for field, related in rows.items():
        getattr(channel, field).set(related)
    return channel


@transaction.atomic
def channel_create(
    *, code: str, label: str = "", locales: list[str], currencies: list[str] = ()
) -> Channel:
    """Create a channel publishing the given locales and currencies."""
    channel = Channel(code=code.strip(), label=label)
    return _channel_save(channel, locales=locales, currencies=list(currencies))


@transaction.atomic
def channel_update(
    *,
    channel: Channel,
    changes: dict,
    locales: list[str] | None = None,
    currencies: list[str] | None = None,
) -> Channel:
    """Change a channel's label, locales or currencies; lists replace what was there."""
    apply_changes(channel, changes, editable={"label"})
    return _channel_save(channel, locales=locales, currencies=currencies)


@transaction.atomic
def channel_delete(*, channel: Channel) -> None:
    """Delete a channel."""
    channel.delete()


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Record that a worker is alive and running tasks (idempotent per worker)."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now()}
    )
    return heartbeat
