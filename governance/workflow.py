"""The approval workflow: draft → in review → approved → retired, for any registered model.

Governance knows no pim or dam model: each app registers a `WorkflowSpec` for its models (from
its AppConfig.ready) saying how to check an object's approval gates, what channels see of it
once approved (the snapshot), how to name it and whether a user's scope covers it. The
transition service is the only writer of `workflow_state` apart from edits, which send an
approved object back to draft (what channels see stays the published snapshot)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_guid import get_guid

from governance import signals
from governance.audit import REVISIONS, Actor, audit_record, current_actor, history
from governance.models import (
    AuditAction,
    AuditRecord,
    PublishedSnapshot,
    WorkflowState,
    WorkflowTransition,
)
from governance.services import event_emit

DRAFT, IN_REVIEW, APPROVED, RETIRED = (
    WorkflowState.DRAFT,
    WorkflowState.IN_REVIEW,
    WorkflowState.APPROVED,
    WorkflowState.RETIRED,
)


@dataclass(frozen=True)
class Move:
    """One transition: the states it starts from, where it leads, the permission verb that
    guards it and the past tense its event is named with."""

    sources: frozenset[str]
    target: str
    verb: str
    past: str


TRANSITIONS: dict[str, Move] = {
    "submit": Move(frozenset({DRAFT}), IN_REVIEW, "submit", "submitted"),
    "approve": Move(frozenset({IN_REVIEW}), APPROVED, "approve", "approved"),
    "reject": Move(frozenset({IN_REVIEW}), DRAFT, "approve", "rejected"),
    "retire": Move(frozenset({APPROVED, DRAFT}), RETIRED, "retire", "retired"),
    "reopen": Move(frozenset({RETIRED}), DRAFT, "retire", "reopened"),
}
ACTION_CHOICES = [(name, name) for name in TRANSITIONS]
MAX_BULK_ITEMS = 1000
# Gates are checked where an object heads for approval: a reviewer is not asked to look at
# what could not be approved anyway.
GATED_ACTIONS = {"submit", "approve"}


@dataclass(frozen=True)
class WorkflowSpec:
    """How the workflow treats one model. `gates(obj)` lists problems
    `{"code", "message", "field"?}` that block approval; `snapshot(obj)` is what channels see
    once approved; `object_ref(obj)` names it (sku, code, uuid); `allows(user, action, obj)`
    says whether the user's object scope covers it (action: submit, approve, retire)."""

    model: type[models.Model]
    object_type: str
    gates: Callable[[models.Model], list[dict]]
    snapshot: Callable[[models.Model], dict]
    object_ref: Callable[[models.Model], str]
    allows: Callable[[object, str, models.Model], bool]

    def permission(self, verb: str) -> str:
        """ "pim.approve_product" for verb "approve"."""
        meta = self.model._meta
        return f"{meta.app_label}.{verb}_{meta.model_name}"

    @property
    def event_prefix(self) -> str:
        return f"{self.model._meta.app_label}.{self.object_type}"


_registry: dict[type[models.Model], WorkflowSpec] = {}
# Gates a higher layer adds to a model it does not own (linking's media readiness on products):
# {model: {name: gate}}, each gate listing problems like a spec's own.
_extra_gates: dict[type[models.Model], dict[str, Callable[[models.Model], list[dict]]]] = {}


def register(spec: WorkflowSpec) -> None:
    """Put a model under the workflow (called from the owning app's ready())."""
    _registry[spec.model] = spec


def gate_register(model: type[models.Model], gate: Callable[[models.Model], list[dict]]) -> None:
    """Add an approval gate to a model from another app; its problems join the spec's gates
    (registering the same function again replaces it)."""
    _extra_gates.setdefault(model, {})[f"{gate.__module__}.{gate.__qualname__}"] = gate


def gate_problems(spec: WorkflowSpec, obj) -> list[dict]:
    """Every gate problem of an object: its spec's, then the added gates'."""
    problems = list(spec.gates(obj))
    for gate in _extra_gates.get(spec.model, {}).values():
        problems.extend(gate(obj))
    return problems


def spec_for(obj_or_model) -> WorkflowSpec:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not under the workflow.") from None


def principal_of(actor: Actor):
    """The acting person, or an API key's principal (its role's permissions); None for the
    system."""
    if actor.user is not None:
        return actor.user
    if actor.api_key is not None:
        from governance.authentication import ApiKeyUser

        return ApiKeyUser(actor.api_key)
    return None


def _same_actor(actor: Actor, user_id, api_key_id) -> bool:
    if actor.user_id is not None:
        return actor.user_id == user_id
    return actor.api_key_id is not None and actor.api_key_id == api_key_id


def _content_type(obj) -> ContentType:
    return ContentType.objects.get_for_model(type(obj))


def last_submission(obj) -> WorkflowTransition | None:
    """The transition that put the object in review most recently."""
    return (
        WorkflowTransition.objects.filter(
            content_type=_content_type(obj), object_id=obj.pk, to_state=IN_REVIEW
        )
        .order_by("-id")
        .first()
    )


def _last_edit(obj) -> AuditRecord | None:
    """The latest create, update or restore: who made the content (transitions are not
    edits)."""
    return history(obj).filter(action__in=REVISIONS).defer("state", "changes").first()


def four_eyes_problems(obj, actor: Actor) -> list[ValidationError]:
    """Why this actor may not approve: they submitted it or edited it last."""
    if not getattr(settings, "TESSERA_FOUR_EYES", True):
        return []
    problems = []
    submission = last_submission(obj)
    if submission and _same_actor(actor, submission.actor_id, submission.api_key_id):
        problems.append(
            ValidationError(
                "You submitted this item: someone else must approve or reject it.",
                code="four_eyes_submitter",
            )
        )
    edit = _last_edit(obj)
    if edit and _same_actor(actor, edit.actor_id, edit.api_key_id):
        problems.append(
            ValidationError(
                "You edited this item last: someone else must approve or reject it.",
                code="four_eyes_editor",
            )
        )
    return problems


def refusals(*, obj, action: str, comment: str = "", actor: Actor | None = None) -> dict:
    """Every reason the actor may not apply `action` to `obj` now, keyed by field; empty when
    the transition may go ahead."""
    actor = actor or current_actor()
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field, message, code, **params):
        errors.setdefault(field, []).append(ValidationError(message, code=code, params=params))

    move = TRANSITIONS.get(action)
    if move is None:
        refuse("action", "Unknown action %(action)s.", "unknown_action", action=action)
        return errors
    spec = spec_for(obj)
    state = obj.workflow_state
    if state not in move.sources:
        refuse(
            "workflow_state",
            "Cannot %(action)s an item that is %(state)s (only from %(sources)s).",
            "invalid_transition",
            action=action,
            state=WorkflowState(state).label.lower(),
            sources=", ".join(sorted(WorkflowState(s).label.lower() for s in move.sources)),
        )
    permission = spec.permission(move.verb)
    principal = principal_of(actor)
    if principal is None:
        refuse(NON_FIELD_ERRORS, "A transition needs a person or an API key.", "actor_required")
    elif not (principal.is_active and principal.has_perm(permission)):
        refuse(
            NON_FIELD_ERRORS,
            "You do not have the permission %(permission)s.",
            "permission_denied",
            permission=permission,
        )
    elif not spec.allows(principal, action, obj):
        refuse(NON_FIELD_ERRORS, "This item is outside your scope.", "out_of_scope")
    if action == "reject" and not comment.strip():
        refuse("comment", "Say why the item is rejected.", "comment_required")
    if move.verb == "approve":
        errors.setdefault(NON_FIELD_ERRORS, []).extend(four_eyes_problems(obj, actor))
        if not errors[NON_FIELD_ERRORS]:
            del errors[NON_FIELD_ERRORS]
    if action in GATED_ACTIONS:
        for problem in gate_problems(spec, obj):
            errors.setdefault(problem.get("field") or NON_FIELD_ERRORS, []).append(
                ValidationError(problem["message"], code=problem["code"])
            )
    return errors


@transaction.atomic
def transition(*, obj: models.Model, action: str, comment: str = "") -> models.Model:
    """Move an object through the workflow as the current actor, or refuse with every reason.

    Logs the transition, records it in the audit trail, emits `<app>.<type>.<past tense>`,
    publishes the snapshot on approval (removes it on retirement) and notifies reviewers
    (submission) or the submitter (rejection) after commit."""
    from governance import notifications

    spec = spec_for(obj)
    actor = current_actor()
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    errors = refusals(obj=locked, action=action, comment=comment, actor=actor)
    if errors:
        raise ValidationError(errors)
    move = TRANSITIONS[action]
    from_state = locked.workflow_state
    submission = last_submission(locked) if action == "reject" else None
    now = timezone.now()
    # A transition changes what the object's representation shows: a new version, so caches
    # and If-Match see it.
    type(obj).objects.filter(pk=obj.pk).update(
        workflow_state=move.target, version=models.F("version") + 1, updated_at=now
    )
    locked.refresh_from_db()
    for name in ("workflow_state", "version", "updated_at"):
        setattr(obj, name, getattr(locked, name))
    ref = spec.object_ref(locked)
    record = WorkflowTransition.objects.create(
        content_type=_content_type(locked),
        object_id=locked.pk,
        object_repr=str(locked)[:255],
        from_state=from_state,
        to_state=move.target,
        actor_id=actor.user_id,
        api_key_id=actor.api_key_id,
        actor_label=actor.label[:150],
        comment=comment.strip(),
        request_id=(get_guid() or "")[:64],
    )
    audit_record(
        obj=locked,
        action=AuditAction.TRANSITION,
        changes={"workflow_state": [from_state, move.target]},
    )
    event_emit(
        name=f"{spec.event_prefix}.{move.past}",
        key=f"{spec.event_prefix}.{move.past}:{locked.pk}:{record.pk}",
        payload={
            "from": from_state,
            "to": move.target,
            "comment": record.comment,
            "actor": record.actor_label,
            "revision": locked.version,
        },
        object_type=spec.object_type,
        object_ref=ref,
    )
    if action == "approve":
        _publish(spec, locked, actor, now)
    elif action == "retire":
        PublishedSnapshot.objects.filter(
            content_type=_content_type(locked), object_id=locked.pk
        ).delete()
    signals.transitioned.send(
        sender=type(locked), obj=locked, action=action, from_state=from_state, to_state=move.target
    )
    if from_state == IN_REVIEW:
        notifications.reviews_settled(obj=locked)
    if move.target == IN_REVIEW:
        notifications.notify_reviewers(spec=spec, obj=locked, submitter=actor)
    elif action == "reject" and submission is not None and submission.actor_id:
        notifications.notify_rejection(obj=locked, recipient_id=submission.actor_id, record=record)
    return obj


def _publish(spec: WorkflowSpec, obj, actor: Actor, now) -> PublishedSnapshot:
    snapshot, _ = PublishedSnapshot.objects.update_or_create(
        content_type=_content_type(obj),
        object_id=obj.pk,
        defaults={
            "object_repr": str(obj)[:255],
            "revision": obj.version,
            "payload": spec.snapshot(obj),
            "approved_by_id": actor.user_id,
            "approved_at": now,
        },
    )
    return snapshot


@dataclass
class ItemReport:
    """What became of one object of a bulk transition."""

    obj: models.Model
    ok: bool
    state: str
    errors: list[dict]


def error_list(exc: ValidationError) -> list[dict]:
    """A ValidationError as [{field, code, message}] (None for the whole item)."""
    if not hasattr(exc, "error_dict"):
        return [
            {"field": None, "code": e.code or "invalid", "message": m}
            for e in exc.error_list
            for m in e
        ]
    return [
        {
            "field": None if field == NON_FIELD_ERRORS else field,
            "code": error.code or "invalid",
            "message": message,
        }
        for field, errors in exc.error_dict.items()
        for error in errors
        for message in error
    ]


@transaction.atomic
def transition_many(
    *, objects: Iterable[models.Model], action: str, comment: str = ""
) -> list[ItemReport]:
    """Apply one action to many objects, each on its own (a savepoint per object): a refused
    item is reported with its reasons and does not stop the others. At most MAX_BULK_ITEMS,
    whatever the entry point (API, admin action): one request, one transaction."""
    objects = list(objects)
    if len(objects) > MAX_BULK_ITEMS:
        raise ValidationError(
            {
                "items": ValidationError(
                    "At most %(max)d items at once.",
                    code="too_many",
                    params={"max": MAX_BULK_ITEMS},
                )
            }
        )
    reports = []
    for obj in objects:
        try:
            transition(obj=obj, action=action, comment=comment)
        except ValidationError as exc:
            reports.append(ItemReport(obj, False, obj.workflow_state, error_list(exc)))
        else:
            reports.append(ItemReport(obj, True, obj.workflow_state, []))
    return reports


def snapshot_of(obj) -> PublishedSnapshot | None:
    """What channels see of an object: its published snapshot, if it was approved."""
    return PublishedSnapshot.objects.filter(
        content_type=_content_type(obj), object_id=obj.pk
    ).first()


def transitions_of(obj):
    """The object's transition log, newest first."""
    return WorkflowTransition.objects.filter(
        content_type=_content_type(obj), object_id=obj.pk
    ).select_related("actor")


def action_of(record: WorkflowTransition) -> str:
    """The action a logged transition was (reject and submit lead to different states)."""
    if record.from_state == IN_REVIEW and record.to_state == DRAFT:
        return "reject"
    for name, move in TRANSITIONS.items():
        if record.from_state in move.sources and record.to_state == move.target:
            return name
    return "edit"


def after_edit(state: str) -> str:
    """The state an object is in once edited: an approved one becomes a new draft revision
    (channels keep seeing the snapshot); one in review stays there (four-eyes catches the
    editor); draft and retired stay as they are."""
    return DRAFT if state == APPROVED else state
