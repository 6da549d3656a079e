"""Reads of the published domain events: the change feed, and what an event looks like outside.

Event types are dotted names (`pim.product.approved`); a filter or a subscription names an
exact type or a prefix pattern ending in `.*` (`channel.product.*`, `dam.*`). The first part
must be one of the namespaces events are emitted in, so a typo there is an error instead of
a filter that silently matches nothing.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from governance.models import Event

NAMESPACES = ("channel", "dam", "governance", "linking", "pim")
_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$")
# Keys never manage keys (governance.authentication): the feed does not tell them about keys.
HIDDEN_FROM_API_KEYS = ("governance.api_key.",)


def event_type_refusal(value) -> str | None:
    """Why `value` is not an event type or `prefix.*` pattern, or None when it is one."""
    if not isinstance(value, str) or not (_TYPE.match(value) or _PATTERN.match(value)):
        return f"{value!r} is not an event type (a.b.c) or a pattern (a.b.*)."
    if value.split(".", 1)[0] not in NAMESPACES:
        return f"{value!r}: events are named in {', '.join(NAMESPACES)}."
    return None


def event_types_clean(values, field: str) -> list[str]:
    """The event types given, without repeats; a ValidationError keyed by `field` listing
    every one that is not a type or a pattern."""
    if not isinstance(values, list):
        raise ValidationError({field: ValidationError("A list of event types.", code="invalid")})
    errors = [
        ValidationError(reason, code="unknown_event_type")
        for reason in map(event_type_refusal, values)
        if reason
    ]
    if errors:
        raise ValidationError({field: errors})
    return list(dict.fromkeys(values))


def event_type_matches(patterns: list[str], name: str) -> bool:
    """Whether an event called `name` is among `patterns` (empty: every event)."""
    return not patterns or any(
        name.startswith(p[:-1]) if p.endswith(".*") else name == p for p in patterns
    )


def _types_condition(patterns: list[str]) -> Q:
    condition = Q(pk__in=[])
    for pattern in patterns:
        if pattern.endswith(".*"):
            condition |= Q(name__startswith=pattern[:-1])
        else:
            condition |= Q(name=pattern)
    return condition


def change_feed(
    *,
    after: int,
    limit: int,
    types: list[str] | None = None,
    channel: str | None = None,
    hidden_prefixes: tuple[str, ...] = (),
) -> list[Event]:
    """Published events after the sequence number `after`, in sequence order, at most `limit`
    (one query). Sequences are given to committed events one relay at a time, so what this
    returns never skips an event a later read would find before the last one it returned."""
    queryset: QuerySet[Event] = Event.objects.filter(sequence__gt=after)
    if types:
        queryset = queryset.filter(_types_condition(types))
    if channel is not None:
        queryset = queryset.filter(channel=channel)
    for prefix in hidden_prefixes:
        queryset = queryset.exclude(name__startswith=prefix)
    return list(queryset.order_by("sequence")[:limit])


def event_document(event: Event) -> dict:
    """An event as the change feed and webhooks show it (`id` is its sequence number)."""
    return {
        "id": event.sequence,
        "type": event.name,
        "key": event.key,
        "object_type": event.object_type,
        "object_ref": event.object_ref,
        "channel": event.channel or None,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
        "published_at": event.published_at.isoformat() if event.published_at else None,
    }
