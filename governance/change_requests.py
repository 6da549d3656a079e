"""Change requests on governed vocabularies and category trees: filed by anyone allowed to,
checked in full when filed and again when approved, applied by a Metadata Manager in one
transaction (a merge rewrites every value that held a merged code: see `governance.signals`)."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance import services
from governance.audit import audit_record, current_actor, current_user, diff, fields_state
from governance.governed import DECIDE, change_request_applying
from governance.models import (
    AuditAction,
    Category,
    ChangeKind,
    ChangeRequest,
    ChangeRequestStatus,
    Term,
    Vocabulary,
)
from governance.services import event_emit, labels_merge, labels_validate
from governance.signals import categories_merged, terms_merged
from governance.validators import validate_code

APPROVE_PERMISSION = DECIDE
AUDITED_FIELDS = ("status", "decided_by", "decided_at", "decision_comment")

# Payload fields by kind: (required, optional); a category's `parent` defaults to the tree's root.
PAYLOAD_FIELDS = {
    ChangeKind.ADD: ({"code"}, {"labels", "sort_order", "parent"}),
    ChangeKind.RENAME: ({"code", "labels"}, set()),
    ChangeKind.MERGE: ({"sources", "target"}, set()),
    ChangeKind.DEPRECATE: ({"code"}, set()),
}


class _Errors(dict):
    """Field → [ValidationError], so a request lists every problem at once."""

    def add(self, field: str, code: str, message: str, /, **params) -> None:
        self.setdefault(field, []).append(ValidationError(message, code=code, params=params))

    def merge(self, exc: ValidationError, prefix: str) -> None:
        for field, errors in exc.error_dict.items():
            name = prefix if field == NON_FIELD_ERRORS else f"{prefix}.{field}"
            self.setdefault(name, []).extend(errors)

    def raise_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _check_target(vocabulary, category_tree, errors: _Errors) -> None:
    if (vocabulary is None) == (category_tree is None):
        errors.add(
            NON_FIELD_ERRORS,
            "one_target",
            "A change request is about one vocabulary or one category tree.",
        )
        return
    if category_tree is not None and not category_tree.is_root():
        errors.add(
            "category_tree",
            "not_a_tree",
            "%(code)s is not the root of a category tree.",
            code=category_tree.code,
        )
        return
    target = vocabulary or category_tree
    if not target.is_governed:
        field = "vocabulary" if vocabulary is not None else "category_tree"
        errors.add(
            field,
            "not_governed",
            "%(code)s is not governed: change it directly.",
            code=target.code,
        )


def _check_shape(kind, payload, errors: _Errors) -> bool:
    """The kind is known and the payload names exactly the fields the kind takes."""
    if kind not in ChangeKind.values:
        errors.add("kind", "invalid_choice", "Unknown kind %(kind)s.", kind=str(kind))
        return False
    if not isinstance(payload, dict):
        errors.add("payload", "invalid", "The payload is a JSON object.")
        return False
    required, optional = PAYLOAD_FIELDS[kind]
    for name in sorted(set(payload) - required - optional):
        errors.add(f"payload.{name}", "unknown_field", "Unknown field.")
    for name in sorted(required - set(payload)):
        errors.add(f"payload.{name}", "required", "This field is required.")
    for name in ("code", "target", "parent"):
        if name in payload and not isinstance(payload[name], str):
            errors.add(f"payload.{name}", "invalid", "Expected a code.")
    sources = payload.get("sources")
    if "sources" in payload and (
        not isinstance(sources, list) or not all(isinstance(c, str) for c in sources)
    ):
        errors.add("payload.sources", "invalid", "Expected a list of codes.")
    elif "sources" in payload and not sources:
        errors.add("payload.sources", "required", "Name at least one term to merge.")
    if "sort_order" in payload and (
        isinstance(payload["sort_order"], bool)
        or not isinstance(payload["sort_order"], int)
        or payload["sort_order"] < 0
    ):
        errors.add("payload.sort_order", "invalid", "Expected a whole number of 0 or more.")
    return not errors


def _check_new_code(code: str, taken: bool, owner: str, errors: _Errors) -> None:
    try:
        validate_code(code)
    except ValidationError as exc:
        errors.merge(ValidationError({"code": exc}), "payload")
        return
    if taken:
        errors.add(
            "payload.code", "unique", "%(owner)s already has %(code)s.", owner=owner, code=code
        )


def _check_labels(current: dict, patch, errors: _Errors, *, renaming: bool) -> dict | None:
    """Labels after the change (renaming merges per locale; None erases a locale)."""
    try:
        labels = labels_merge(current, patch) if renaming else labels_validate(patch)
    except ValidationError as exc:
        errors.merge(exc, "payload")
        return None
    if renaming and labels == current:
        errors.add("payload.labels", "no_change", "These are the labels it has already.")
    return labels


def _check_merge(sources: list[str], target: str, errors: _Errors) -> None:
    if target in sources:
        errors.add(
            "payload.target",
            "target_in_sources",
            "%(code)s cannot be merged into itself: take it out of the sources.",
            code=target,
        )


# Vocabularies -------------------------------------------------------------------------------


def _check_vocabulary_change(vocabulary: Vocabulary, kind: str, payload: dict) -> None:
    errors = _Errors()
    if "parent" in payload:
        errors.add("payload.parent", "unknown_field", "Terms have no parent.")
    codes = [payload[n] for n in ("code", "target") if n in payload] + payload.get("sources", [])
    terms = {t.code: t for t in Term.objects.filter(vocabulary=vocabulary, code__in=codes)}

    def term(field: str, code: str) -> Term | None:
        if code in terms:
            return terms[code]
        elsewhere = Term.objects.filter(code=code).exclude(vocabulary=vocabulary).first()
        if elsewhere is not None:
            errors.add(
                field,
                "other_vocabulary",
                "%(code)s is a term of %(other)s, not of %(vocabulary)s.",
                code=code,
                other=elsewhere.vocabulary.code,
                vocabulary=vocabulary.code,
            )
        else:
            errors.add(
                field,
                "unknown",
                "%(vocabulary)s has no term %(code)s.",
                vocabulary=vocabulary.code,
                code=code,
            )
        return None

    owner = f"Vocabulary {vocabulary.code}"
    if kind == ChangeKind.ADD:
        _check_new_code(payload["code"], payload["code"] in terms, owner, errors)
        _check_labels({}, payload.get("labels"), errors, renaming=False)
    elif kind == ChangeKind.RENAME:
        if (found := term("payload.code", payload["code"])) is not None:
            _check_labels(found.labels, payload["labels"], errors, renaming=True)
    elif kind == ChangeKind.DEPRECATE:
        found = term("payload.code", payload["code"])
        if found is not None and found.is_deprecated:
            errors.add(
                "payload.code",
                "already_deprecated",
                "%(code)s is deprecated already.",
                code=found.code,
            )
    else:
        for code in payload["sources"]:
            term("payload.sources", code)
        target = term("payload.target", payload["target"])
        if target is not None and target.is_deprecated:
            errors.add(
                "payload.target",
                "target_deprecated",
                "%(code)s is deprecated: merge into a term that can still be chosen.",
                code=target.code,
            )
        _check_merge(payload["sources"], payload["target"], errors)
    errors.raise_any()


def _apply_vocabulary_change(vocabulary: Vocabulary, kind: str, payload: dict) -> None:
    if kind == ChangeKind.ADD:
        services.term_create(
            vocabulary=vocabulary,
            code=payload["code"],
            labels=payload.get("labels"),
            sort_order=payload.get("sort_order", 0),
        )
        return
    if kind in (ChangeKind.RENAME, ChangeKind.DEPRECATE):
        term = Term.objects.get(vocabulary=vocabulary, code=payload["code"])
        changes = (
            {"labels": payload["labels"]} if kind == ChangeKind.RENAME else {"is_deprecated": True}
        )
        services.term_update(term=term, changes=changes)
        return
    sources = list(dict.fromkeys(payload["sources"]))
    terms_merged.send(sender=Term, vocabulary=vocabulary, sources=sources, target=payload["target"])
    for term in Term.objects.filter(vocabulary=vocabulary, code__in=sources):
        try:
            with transaction.atomic():
                services.term_delete(term=term)
        except ValidationError:  # something still holds it: it stays, deprecated
            services.term_update(term=term, changes={"is_deprecated": True})


# Category trees -----------------------------------------------------------------------------


def _check_tree_change(tree: Category, kind: str, payload: dict) -> None:
    errors = _Errors()
    if "sort_order" in payload:
        errors.add("payload.sort_order", "unknown_field", "Categories are kept in code order.")
    codes = [payload[n] for n in ("code", "target") if n in payload]
    codes += [payload.get("parent", tree.code), *payload.get("sources", [])]
    categories = {c.code: c for c in Category.objects.filter(code__in=codes)}

    def category(field: str, code: str, *, leaf: bool = False) -> Category | None:
        found = categories.get(code)
        if found is None:
            errors.add(field, "unknown", "There is no category %(code)s.", code=code)
        elif not found.path.startswith(tree.path):
            errors.add(
                field,
                "other_tree",
                "%(code)s is not in the tree %(tree)s.",
                code=code,
                tree=tree.code,
            )
        elif leaf and found.is_root():
            errors.add(field, "is_root", "%(code)s is the tree itself.", code=code)
        elif leaf and found.numchild:
            errors.add(
                field,
                "has_children",
                "%(code)s has children; move or delete them first.",
                code=code,
            )
        else:
            return found
        return None

    if kind == ChangeKind.ADD:
        _check_new_code(payload["code"], payload["code"] in categories, "A category", errors)
        category("payload.parent", payload.get("parent", tree.code))
        _check_labels({}, payload.get("labels"), errors, renaming=False)
    elif kind == ChangeKind.RENAME:
        if (found := category("payload.code", payload["code"])) is not None:
            _check_labels(found.labels, payload["labels"], errors, renaming=True)
    elif kind == ChangeKind.DEPRECATE:
        category("payload.code", payload["code"], leaf=True)
    else:
        for code in payload["sources"]:
            category("payload.sources", code, leaf=True)
        category("payload.target", payload["target"])
        _check_merge(payload["sources"], payload["target"], errors)
    errors.raise_any()


def _apply_tree_change(tree: Category, kind: str, payload: dict) -> None:
    if kind == ChangeKind.ADD:
        services.category_create(
            code=payload["code"],
            parent=payload.get("parent", tree.code),
            labels=payload.get("labels"),
        )
        return
    if kind == ChangeKind.RENAME:
        category = Category.objects.get(code=payload["code"])
        services.category_update(category=category, changes={"labels": payload["labels"]})
        return
    if kind == ChangeKind.DEPRECATE:
        services.category_delete(category=Category.objects.get(code=payload["code"]))
        return
    sources = list(dict.fromkeys(payload["sources"]))
    categories_merged.send(sender=Category, sources=sources, target=payload["target"])
    for category in Category.objects.filter(code__in=sources).order_by("-depth"):
        services.category_delete(category=category)


# Services -----------------------------------------------------------------------------------


def _check(*, vocabulary, category_tree, kind, payload) -> None:
    errors = _Errors()
    _check_target(vocabulary, category_tree, errors)
    _check_shape(kind, payload, errors)
    errors.raise_any()
    if vocabulary is not None:
        _check_vocabulary_change(vocabulary, kind, payload)
    else:
        _check_tree_change(category_tree, kind, payload)


def _describe(change_request: ChangeRequest) -> dict:
    target = change_request.vocabulary or change_request.category_tree
    return {
        "id": change_request.pk,
        "kind": change_request.kind,
        "vocabulary": change_request.vocabulary.code if change_request.vocabulary_id else None,
        "category_tree": target.code if change_request.category_tree_id else None,
        "payload": change_request.payload,
        "status": change_request.status,
    }


def _emit(change_request: ChangeRequest, what: str) -> None:
    event_emit(
        name=f"governance.change_request.{what}",
        key=f"governance.change_request:{change_request.pk}:{what}",
        payload=_describe(change_request),
        object_type="governance.changerequest",
        object_ref=str(change_request.pk),
    )


def _audit(change_request: ChangeRequest, action: str, before: dict | None) -> None:
    after = fields_state(change_request, AUDITED_FIELDS)
    audit_record(obj=change_request, action=action, changes=diff(before, after))


@transaction.atomic
def change_request_submit(
    *,
    vocabulary: Vocabulary | None = None,
    category_tree: Category | None = None,
    kind: str,
    payload: dict,
    reason: str = "",
) -> ChangeRequest:
    """File a change to a governed vocabulary or category tree, checked in full now (422 with
    every problem); audited, and announced as `governance.change_request.submitted`."""
    _check(vocabulary=vocabulary, category_tree=category_tree, kind=kind, payload=payload)
    if isinstance(payload.get("sources"), list):
        payload = {**payload, "sources": list(dict.fromkeys(payload["sources"]))}
    change_request = ChangeRequest.objects.create(
        vocabulary=vocabulary,
        category_tree=category_tree,
        kind=kind,
        payload=payload,
        reason=(reason or "").strip(),
        requested_by=current_user(),
    )
    _audit(change_request, AuditAction.CREATE, None)
    _emit(change_request, "submitted")
    return change_request


def _decide(change_request: ChangeRequest, *, approving: bool) -> tuple[ChangeRequest, dict]:
    """The request, locked and fresh, when the current actor may decide it now."""
    actor = current_actor()
    user = actor.user
    if actor.api_key_id is not None or (user is not None and not user.has_perm(APPROVE_PERMISSION)):
        raise PermissionDenied("Only a Metadata Manager decides change requests.")
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if change_request.status != ChangeRequestStatus.PENDING:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    "This change request was %(status)s already.",
                    code="not_pending",
                    params={"status": change_request.status},
                )
            }
        )
    four_eyes = getattr(settings, "TESSERA_FOUR_EYES", True)
    if approving and four_eyes and user is not None and change_request.requested_by_id == user.pk:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    "You filed this change request: someone else approves it.", code="four_eyes"
                )
            }
        )
    return change_request, fields_state(change_request, AUDITED_FIELDS)


def _close(change_request, before, *, status, comment, what) -> ChangeRequest:
    change_request.status = status
    change_request.decided_by = current_user()
    change_request.decided_at = timezone.now()
    change_request.decision_comment = comment
    change_request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    _audit(change_request, AuditAction.UPDATE, before)
    _emit(change_request, what)
    return change_request


@transaction.atomic
def change_request_approve(*, change_request: ChangeRequest, comment: str = "") -> ChangeRequest:
    """Approve a pending request and apply it, all in this transaction: a change that no longer
    applies (422) leaves it pending and nothing changed. A merge sends `terms_merged` or
    `categories_merged` so the catalog and the library rewrite their references first.
    Announced as `governance.change_request.applied`."""
    change_request, before = _decide(change_request, approving=True)
    vocabulary, tree = change_request.vocabulary, change_request.category_tree
    kind, payload = change_request.kind, change_request.payload
    _check(vocabulary=vocabulary, category_tree=tree, kind=kind, payload=payload)
    with change_request_applying():
        if vocabulary is not None:
            _apply_vocabulary_change(vocabulary, kind, payload)
        else:
            _apply_tree_change(tree, kind, payload)
    return _close(
        change_request,
        before,
        status=ChangeRequestStatus.APPLIED,
        comment=(comment or "").strip(),
        what="applied",
    )


@transaction.atomic
def change_request_reject(*, change_request: ChangeRequest, comment: str) -> ChangeRequest:
    """Reject a pending request, saying why (a comment is required); nothing else changes.
    Announced as `governance.change_request.rejected`."""
    if not isinstance(comment, str) or not comment.strip():
        raise ValidationError(
            {"comment": ValidationError("Say why the change is rejected.", code="required")}
        )
    change_request, before = _decide(change_request, approving=False)
    return _close(
        change_request,
        before,
        status=ChangeRequestStatus.REJECTED,
        comment=comment.strip(),
        what="rejected",
    )
