"""The audit trail's writing side: who is acting, and one call to record what they did.

The actor is found, not passed around: `ActorMiddleware` keeps the current request in a
context variable, and DRF's authentication sets `user` and `auth` (an API key) on that same
request, so a service deep in a write path records the right person or key and the request
id. Tasks and commands name their actor with `acting_as(...)`; with neither, the actor is
"system"."""

import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django_guid import get_guid

from governance.models import AuditAction, AuditRecord

_request: contextvars.ContextVar = contextvars.ContextVar("tessera_request", default=None)
_override: contextvars.ContextVar = contextvars.ContextVar("tessera_actor", default=None)


@dataclass(frozen=True)
class Actor:
    user: object | None = None  # a User
    api_key: object | None = None  # a governance.ApiKey
    label: str = "system"

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)

    @property
    def api_key_id(self):
        return getattr(self.api_key, "pk", None)


SYSTEM = Actor()


class ActorMiddleware:
    """Make the request (and so its user or API key, once authenticated) the acting one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def acting_as(*, user=None, api_key=None, label: str = ""):
    """Record changes made inside the block as made by this user or key (tasks, commands)."""
    token = _override.set(actor_for(user=user, api_key=api_key, label=label))
    try:
        yield
    finally:
        _override.reset(token)


def actor_for(*, user=None, api_key=None, label: str = "") -> Actor:
    if api_key is not None:
        return Actor(api_key=api_key, label=label or f"key:{api_key.prefix}")
    if user is not None and getattr(user, "is_authenticated", False):
        return Actor(user=user, label=label or user.get_username())
    return Actor(label=label or "system")


def current_actor() -> Actor:
    """Who is acting now: an explicit `acting_as`, else the current request's user or key."""
    override = _override.get()
    if override is not None:
        return override
    request = _request.get()
    if request is None:
        return SYSTEM
    api_key = getattr(request, "auth", None)
    if api_key is not None and type(api_key).__name__ == "ApiKey":
        return actor_for(api_key=api_key)
    return actor_for(user=getattr(request, "user", None))


def current_user():
    """The acting person (None for a key or the system)."""
    return current_actor().user


def jsonable(value):
    """A field value as JSON: dates as ISO text, decimals as text, models by primary key."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def fields_state(instance: models.Model, fields: Iterable[str]) -> dict:
    """The named fields of an instance as JSON (foreign keys by id)."""
    state = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        state[name] = jsonable(value)
    return state


def diff(before: dict | None, after: dict | None) -> dict:
    """{field: [old, new]} for every field whose value differs (None for absent)."""
    before, after = before or {}, after or {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def values_diff(before: dict | None, after: dict | None) -> dict:
    """Catalog values compared per attribute × channel × locale:
    {"values.weight[ecommerce|en_US]": [old, new]}."""
    before, after = before or {}, after or {}
    changes = {}
    for attribute in sorted(set(before) | set(after)):
        old, new = before.get(attribute) or {}, after.get(attribute) or {}
        for scope in sorted(set(old) | set(new)):
            if old.get(scope) != new.get(scope):
                changes[f"values.{attribute}[{scope}]"] = [old.get(scope), new.get(scope)]
    return changes


def _record(obj, action, changes, state, object_repr, actor, request_id, content_types):
    model = type(obj)
    content_type = content_types.get(model) or ContentType.objects.get_for_model(model)
    content_types[model] = content_type
    return AuditRecord(
        content_type=content_type,
        object_id=obj.pk,
        object_repr=(object_repr or str(obj))[:255],
        action=action,
        actor_id=actor.user_id,
        api_key_id=actor.api_key_id,
        actor_label=actor.label[:150],
        request_id=(request_id or "")[:64],
        changes=jsonable(changes or {}),
        state=jsonable(state) if state is not None else None,
    )


def audit_record(
    *,
    obj: models.Model,
    action: str,
    changes: dict | None = None,
    state: dict | None = None,
    object_repr: str | None = None,
) -> AuditRecord | None:
    """Append one audit record for a change to `obj` by the current actor; an update that
    changed nothing records nothing."""
    if action == AuditAction.UPDATE and not changes:
        return None
    record = _record(obj, action, changes, state, object_repr, current_actor(), get_guid(), {})
    record.save()
    return record


def audit_many(entries: Iterable[tuple]) -> int:
    """Append many records at once: entries of (obj, action, changes, state); updates that
    changed nothing are left out. Returns how many were written."""
    actor, request_id, content_types = current_actor(), get_guid(), {}
    records = [
        _record(obj, action, changes, state, None, actor, request_id, content_types)
        for obj, action, changes, state in entries
        if changes or action != AuditAction.UPDATE
    ]
    AuditRecord.objects.bulk_create(records, batch_size=1000)
    return len(records)


def history(obj: models.Model):
    """The audit records of one object, newest first."""
    return AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).order_by("-id")
