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

import orjson
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django_guid import get_guid

from governance.models import AuditAction, AuditRecord

_request: contextvars.ContextVar = contextvars.ContextVar("tessera_request", default=None)
_override: contextvars.ContextVar = contextvars.ContextVar("tessera_actor", default=None)
_recording: contextvars.ContextVar = contextvars.ContextVar("tessera_recording", default=None)


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


@contextmanager
def recording_as(*, action: str, note: dict | None = None):
    """Record the updates made inside the block as `action` (a restore reuses the ordinary
    write path, which records updates), with `note` added to their changes."""
    token = _recording.set((action, note or {}))
    try:
        yield
    finally:
        _recording.reset(token)


def _as_recorded(action: str, changes: dict | None) -> tuple[str, dict | None]:
    recording = _recording.get()
    if recording is None or action != AuditAction.UPDATE:
        return action, changes
    action, note = recording
    return action, {**(changes or {}), **note}


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


def model_state(instance: models.Model, fields: Iterable[str]) -> dict:
    """The named fields as JSON, relations by the related rows' codes (their primary key when
    they have none): {"group": "general", "locales": ["de_DE", "en_US"]}. Many-to-many fields
    cost a query each."""
    state = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            rows = getattr(instance, name).all() if instance.pk else ()
            state[name] = sorted(_code(row) for row in rows)
        elif field.is_relation:
            row = getattr(instance, name)
            state[name] = _code(row) if row is not None else None
        else:
            state[name] = jsonable(getattr(instance, field.attname))
    return state


def _code(row):
    return getattr(row, "code", None) or jsonable(row.pk)


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
    for attribute in sorted(before.keys() | after.keys()):
        old, new = before.get(attribute) or {}, after.get(attribute) or {}
        if old == new:  # most attributes of an update: one comparison, in C
            continue
        if not old or not new:  # created or emptied: every scope changed
            for scope, data in sorted((new or old).items()):
                changes[f"values.{attribute}[{scope}]"] = [None, data] if new else [data, None]
            continue
        for scope in sorted(old.keys() | new.keys()):
            was, now = old.get(scope), new.get(scope)
            if was != now:
                changes[f"values.{attribute}[{scope}]"] = [was, now]
    return changes


def _record(
    obj, action, changes, state, object_repr, actor, request_id, content_types, json_ready=False
) -> dict:
    """A record's columns, by attribute name."""
    model = type(obj)
    content_type = content_types.get(model)
    if content_type is None:
        content_type = content_types[model] = ContentType.objects.get_for_model(model)
    convert = (lambda value: value) if json_ready else jsonable
    return {
        "content_type_id": content_type.pk,
        "object_id": obj.pk,
        "object_repr": (object_repr or str(obj))[:255],
        "action": action,
        "actor_id": actor.user_id,
        "api_key_id": actor.api_key_id,
        "actor_label": actor.label[:150],
        "request_id": (request_id or "")[:64],
        "changes": convert(changes or {}),
        "state": convert(state) if state is not None else None,
    }


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
    action, changes = _as_recorded(action, changes)
    if action == AuditAction.UPDATE and not changes:
        return None
    columns = _record(obj, action, changes, state, object_repr, current_actor(), get_guid(), {})
    record = AuditRecord(**columns)
    record.save()
    return record


def audit_many(entries: Iterable[tuple], *, json_ready: bool = False) -> int:
    """Append many records in one insert: entries of (obj, action, changes, state); updates
    that changed nothing are left out. `json_ready` skips converting changes and state (the
    bulk product path hands over stored JSON). Returns how many were written."""
    actor, request_id, content_types = current_actor(), get_guid(), {}
    records = []
    for obj, action, changes, state in entries:
        action, changes = _as_recorded(action, changes)
        if changes or action != AuditAction.UPDATE:
            records.append(
                _record(
                    obj, action, changes, state, None, actor, request_id, content_types, json_ready
                )
            )
    if connection.vendor == "postgresql" and len(records) > 1:
        _copy(records)
    elif records:
        AuditRecord.objects.bulk_create([AuditRecord(**r) for r in records], batch_size=1000)
    return len(records)


def _copy(records: list[dict]) -> None:
    """Insert by COPY: a batch's documents (every value of a thousand products, twice) made
    the parameters of one INSERT the slowest part of a bulk upsert. Ids come from the table's
    sequence in row order, so the trail keeps the order of the batch."""
    names = [*records[0], "created_at"]
    table = connection.ops.quote_name(AuditRecord._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(AuditRecord._meta.get_field(name).column) for name in names
    )
    now, dumps = timezone.now(), orjson.dumps
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for r in records:
            copy.write_row(
                (
                    r["content_type_id"],
                    r["object_id"],
                    r["object_repr"],
                    r["action"],
                    r["actor_id"],
                    r["api_key_id"],
                    r["actor_label"],
                    r["request_id"],
                    dumps(r["changes"]).decode(),
                    None if r["state"] is None else dumps(r["state"]).decode(),
                    now,
                )
            )


def audit_change(
    *,
    obj: models.Model,
    before: dict | None,
    after: dict,
    keep_state: bool = False,
    action: str | None = None,
) -> AuditRecord | None:
    """Record `obj` going from `before` (None: it was created) to `after`, as a field diff;
    `keep_state` stores `after` as the state a restore returns to."""
    action = action or (AuditAction.CREATE if before is None else AuditAction.UPDATE)
    return audit_record(
        obj=obj, action=action, changes=diff(before, after), state=after if keep_state else None
    )


def audit_delete(*, obj: models.Model, before: dict) -> AuditRecord | None:
    """Record that `obj` is being deleted, with what it held (call before the delete: the
    record needs its primary key)."""
    return audit_record(obj=obj, action=AuditAction.DELETE, changes=diff(before, None))


def actor_kind(record: AuditRecord) -> str:
    """Who acted, as a kind: "api_key", "user" or "system"."""
    if record.api_key_id:
        return "api_key"
    return "user" if record.actor_id else "system"


def history(obj: models.Model):
    """The audit records of one object, newest first."""
    return history_of(type(obj), obj.pk)


def history_of(model: type[models.Model], object_id: int):
    """The audit records of the object of `model` with that id (deleted or not), newest first."""
    return AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=object_id
    ).order_by("-id")


REVISIONS = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.RESTORE)


def restorable_record(obj: models.Model, record_id, *, needs_state: bool = True) -> AuditRecord:
    """The audit record `record_id` of `obj` that marks a revision to return to (holding its
    state, unless the caller rebuilds states from diffs); a ValidationError (`record`: invalid,
    unknown or not_restorable) otherwise."""

    def refuse(message, code):
        return ValidationError({"record": ValidationError(message, code=code)})

    if isinstance(record_id, bool) or not isinstance(record_id, int):
        raise refuse("Name an audit record by its id (a whole number).", "invalid")
    record = history(obj).filter(pk=record_id).first()
    if record is None:
        raise refuse(f"{obj} has no audit record {record_id}.", "unknown")
    if record.action not in REVISIONS or (needs_state and record.state is None):
        raise refuse(f"Audit record {record_id} holds no state to restore.", "not_restorable")
    return record


# The shared language's objects, as their audit records show them.
CODE_ENTRY_FIELDS = ("code", "label", "is_active")  # locales and currencies
VOCABULARY_FIELDS = ("code", "labels", "is_governed")
TERM_FIELDS = ("vocabulary", "code", "labels", "sort_order", "is_deprecated")
CHANNEL_FIELDS = (
    "code",
    "label",
    "locales",
    "currencies",
    "category_tree",
    "approval_min_completeness",
)


def category_state(category) -> dict:
    """A category's code, labels, governance and parent (by code; None for a tree's root)."""
    is_child = category.pk and not category.is_root()
    parent = type(category).objects.get_parent(category) if is_child else None
    return {
        **model_state(category, ("code", "labels", "is_governed")),
        "parent": parent.code if parent else None,
    }
