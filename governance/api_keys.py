"""API keys for integrations: created, rotated and revoked here, and checked on every request.

A key reads `tsk_<prefix>_<secret>`. Only the prefix (shown, to tell keys apart) and the SHA-256
of the whole key are stored; the key itself is returned once, by create and rotate."""

import hashlib
import hmac
import secrets
import string
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.audit import audit_record, diff, fields_state
from governance.models import ApiKey, ApiKeyScope, AuditAction, Channel
from governance.services import apply_changes, event_emit

KEY_MARKER = "tsk"
PREFIX_LENGTH = 10
SECRET_LENGTH = 40
# Letters and digits only: a key is one "word" that a double click selects whole.
ALPHABET = string.ascii_lowercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits
# A key's last use is recorded at most this often: a write per request would cost more than
# the answer is worth.
LAST_USED_PRECISION = timedelta(minutes=1)
# What the audit trail and the events say about a key; never its hash.
AUDITED_FIELDS = ("name", "prefix", "scope", "role", "channel", "expires_at", "revoked_at")
EDITABLE_FIELDS = ("name", "expires_at")


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def key_hash(raw: str) -> str:
    """The stored form of a key: the SHA-256 hex digest of the whole key."""
    return hashlib.sha256(raw.encode()).hexdigest()


def key_prefix(raw: str) -> str | None:
    """The prefix a well-formed key names, else None."""
    parts = raw.split("_")
    if len(parts) != 3 or parts[0] != KEY_MARKER or not parts[1] or not parts[2]:
        return None
    return parts[1]


def _new_secret() -> tuple[str, str]:
    """(prefix, whole key) for a new key, with a prefix no other key has."""
    while True:
        prefix = _random(ALPHABET, PREFIX_LENGTH)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            return prefix, f"{KEY_MARKER}_{prefix}_{_random(SECRET_ALPHABET, SECRET_LENGTH)}"


def _error(field: str, message: str, code: str, **params) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def _validate(*, name, scope, role, channel, expires_at, now) -> None:
    """Every broken rule at once, keyed by field."""
    errors = {}
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors["name"] = [ValidationError("A name of 1 to 100 characters.", code="invalid")]
    if scope not in ApiKeyScope.values:
        errors["scope"] = [
            ValidationError(
                "The scope is one of %(scopes)s.",
                code="invalid_choice",
                params={"scopes": ", ".join(ApiKeyScope.values)},
            )
        ]
    if role is not None and not isinstance(role, Group):
        errors["role"] = [ValidationError("Not a role.", code="invalid")]
    elif scope == ApiKeyScope.WRITE and role is None:
        errors["role"] = [
            ValidationError("A write key needs a role: what it may change.", code="role_required")
        ]
    elif scope == ApiKeyScope.READ and role is not None:
        # A read key may only read, whatever a role would allow: a role on it would mislead.
        errors["role"] = [
            ValidationError("A read key has no role; it may only read.", code="role_not_allowed")
        ]
    if channel is not None and not isinstance(channel, Channel):
        errors["channel"] = [ValidationError("Not a channel.", code="invalid")]
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = [
            ValidationError("The expiry must be in the future.", code="expiry_in_past")
        ]
    if errors:
        raise ValidationError(errors)


def _state(key: ApiKey) -> dict:
    return fields_state(key, AUDITED_FIELDS)


def _emit(key: ApiKey, what: str, *, unique: str = "", **payload) -> None:
    event_emit(
        name=f"governance.api_key.{what}",
        key=f"governance.api_key:{key.pk}:{what}{':' + unique if unique else ''}",
        payload={"prefix": key.prefix, "name": key.name, "scope": key.scope, **payload},
        object_type="governance.apikey",
        object_ref=key.prefix,
    )


def _create(*, name, scope, role, channel, expires_at, created_by, rotated_from=None):
    prefix, raw = _new_secret()
    key = ApiKey.objects.create(
        name=name.strip(),
        prefix=prefix,
        secret_hash=key_hash(raw),
        scope=scope,
        role=role,
        channel=channel,
        expires_at=expires_at,
        created_by=created_by,
        rotated_from=rotated_from,
    )
    changes = diff(None, _state(key))
    if rotated_from is not None:
        changes["rotated_from"] = [None, rotated_from.prefix]
    audit_record(obj=key, action=AuditAction.CREATE, changes=changes)
    return key, raw


@transaction.atomic
def api_key_create(
    *,
    name: str,
    scope: str,
    role: Group | None = None,
    channel: Channel | None = None,
    expires_at: datetime | None = None,
    created_by=None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plaintext (the only time it exists); audited,
    emits `governance.api_key.created`."""
    _validate(
        name=name,
        scope=scope,
        role=role,
        channel=channel,
        expires_at=expires_at,
        now=timezone.now(),
    )
    key, raw = _create(
        name=name,
        scope=scope,
        role=role,
        channel=channel,
        expires_at=expires_at,
        created_by=created_by,
    )
    _emit(key, "created", channel=channel.code if channel else None)
    return key, raw


@transaction.atomic
def api_key_update(*, key: ApiKey, changes: dict) -> ApiKey:
    """Rename a key or change its expiry; audited, emits `governance.api_key.updated`."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    before = _state(key)
    apply_changes(key, changes, editable=EDITABLE_FIELDS)
    if "expires_at" in changes and key.revoked_at is not None:
        raise _error("expires_at", "A revoked key stays revoked.", "revoked")
    _validate(
        name=key.name,
        scope=key.scope,
        role=key.role,
        channel=key.channel,
        expires_at=key.expires_at if "expires_at" in changes else None,
        now=timezone.now(),
    )
    key.name = key.name.strip()
    key.save(update_fields=list(changes))
    record = audit_record(obj=key, action=AuditAction.UPDATE, changes=diff(before, _state(key)))
    if record is not None:
        _emit(key, "updated", unique=str(record.pk), changes=sorted(record.changes))
    return key


@transaction.atomic
def api_key_rotate(*, key: ApiKey, old_valid_until: datetime) -> tuple[ApiKey, str]:
    """A new key with the same settings, returned with its plaintext; the old one keeps working
    until `old_valid_until`. Audited (the new key, the old key's expiry), emits
    `governance.api_key.rotated`."""
    old = ApiKey.objects.select_for_update().get(pk=key.pk)
    now = timezone.now()
    if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= now):
        raise _error(NON_FIELD_ERRORS, "Only a usable key can be rotated.", "not_usable")
    if ApiKey.objects.filter(rotated_from=old).exists():
        raise _error(NON_FIELD_ERRORS, "This key was already rotated.", "already_rotated")
    if old_valid_until is None or old_valid_until <= now:
        raise _error(
            "old_valid_until", "The old key's last moment must be in the future.", "in_past"
        )
    if old.expires_at is not None and old_valid_until > old.expires_at:
        raise _error(
            "old_valid_until",
            "The old key cannot outlive its expiry (%(expires_at)s).",
            "after_expiry",
            expires_at=old.expires_at.isoformat(),
        )
    new, raw = _create(
        name=old.name,
        scope=old.scope,
        role=old.role,
        channel=old.channel,
        expires_at=old.expires_at,
        created_by=old.created_by,
        rotated_from=old,
    )
    before = _state(old)
    old.expires_at = old_valid_until
    old.save(update_fields=["expires_at"])
    audit_record(obj=old, action=AuditAction.UPDATE, changes=diff(before, _state(old)))
    _emit(old, "rotated", new_prefix=new.prefix, old_valid_until=old_valid_until.isoformat())
    return new, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Stop a key from working, now; audited, emits `governance.api_key.revoked`. Revoking a
    revoked key changes nothing."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        return key
    before = _state(key)
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(obj=key, action=AuditAction.UPDATE, changes=diff(before, _state(key)))
    _emit(key, "revoked")
    return key


def api_key_find(raw: str) -> ApiKey | None:
    """The key whose hash matches `raw`, usable or not; None for anything else."""
    if not isinstance(raw, str) or len(raw) > 200 or key_prefix(raw) is None:
        return None
    # The lookup goes by the hash: timing it could reveal at most part of a hash, which gives
    # no way to a key. The prefix is then compared in constant time as a second check.
    key = ApiKey.objects.select_related("role", "channel").filter(secret_hash=key_hash(raw)).first()
    if key is None or not hmac.compare_digest(key.prefix, key_prefix(raw)):
        return None
    return key


def api_key_refusal(key: ApiKey, *, now: datetime) -> str | None:
    """Why a key may not be used now, or None when it may."""
    if key.revoked_at is not None:
        return "This API key was revoked."
    if key.expires_at is not None and key.expires_at <= now:
        return "This API key has expired."
    return None


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The usable key `raw` is, else None; records its last use (at most once a minute)."""
    key = api_key_find(raw)
    now = timezone.now()
    if key is None or api_key_refusal(key, now=now) is not None:
        return None
    if key.last_used_at is None or key.last_used_at <= now - LAST_USED_PRECISION:
        # Conditional, so concurrent requests write once; not audited: it is bookkeeping.
        ApiKey.objects.filter(pk=key.pk, last_used_at=key.last_used_at).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_key_list():
    """Every key with what its representation names, in one query."""
    return ApiKey.objects.select_related(
        "role", "channel", "rotated_from", "rotated_to", "created_by"
    ).order_by("pk")
