"""Writes to the shared language. Every entry point (admin, API, seed, imports) calls these."""

from collections.abc import Iterable
from types import EllipsisType

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from treebeard.exceptions import PathOverflow

from governance.audit import (
    CHANNEL_FIELDS,
    CODE_ENTRY_FIELDS,
    TERM_FIELDS,
    VOCABULARY_FIELDS,
    audit_change,
    audit_delete,
    category_state,
    model_state,
)
from governance.governed import governed_switch_guard, tree_guard, vocabulary_guard
from governance.models import (
    ActivatableCode,
    Category,
    Channel,
    Currency,
    Locale,
    Term,
    Vocabulary,
    WorkerHeartbeat,
)

LABEL_MAX_LENGTH = 255
TREE_FIELDS = ["path", "depth", "numchild"]  # set by treebeard, never by a caller


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


def _merge_errors(errors: dict, exc: ValidationError) -> None:
    for field, field_errors in exc.error_dict.items():
        errors.setdefault(field, []).extend(field_errors)


def _clean_and_save(instance: models.Model, errors: dict, **clean_options) -> None:
    """Save when neither the caller's checks nor the model's own rules found a problem; else
    raise every problem at once."""
    try:
        instance.full_clean(**clean_options)
    except ValidationError as exc:
        _merge_errors(errors, exc)
    if errors:
        raise ValidationError(errors)
    instance.save()


def _delete_or_refuse(instance: models.Model) -> None:
    """Delete; rows elsewhere that must not lose it (PROTECT/RESTRICT) make it a 422."""
    try:
        instance.delete()
    except (models.ProtectedError, models.RestrictedError) as exc:
        users = sorted({str(row) for row in exc.args[1]})[:10]
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    "%(name)s is still used by %(users)s.",
                    code="in_use",
                    params={"name": str(instance), "users": ", ".join(users)},
                )
            }
        ) from exc


def labels_validate(labels) -> dict:
    """Labels as given, trimmed, when they map existing locale codes to text of 1-255
    characters (None is no labels); errors are keyed `labels` and name the bad locale."""
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        message = "Labels are an object mapping locale codes to text."
        raise ValidationError({"labels": ValidationError(message, code="invalid_labels")})
    known = set(
        Locale.objects.filter(code__in=[str(c) for c in labels]).values_list("code", flat=True)
        if labels
        else ()
    )
    cleaned, errors = {}, []
    for locale, label in labels.items():
        params = {"locale": locale}
        if locale not in known:
            errors.append(
                ValidationError("Unknown locale %(locale)s.", code="unknown_locale", params=params)
            )
        elif not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX_LENGTH:
            errors.append(
                ValidationError(
                    "The label for %(locale)s must be text of 1 to 255 characters.",
                    code="invalid_labels",
                    params=params,
                )
            )
        else:
            cleaned[locale] = label.strip()
    if errors:
        raise ValidationError({"labels": errors})
    return cleaned


def labels_merge(current: dict, patch) -> dict:
    """Labels after a per-locale merge (JSON merge patch): a locale set to None is removed,
    and `patch` None removes them all."""
    if patch is None:
        return {}
    if not isinstance(patch, dict):
        return labels_validate(patch)  # raises: not an object
    erased = {locale for locale, label in patch.items() if label is None}
    given = labels_validate({k: v for k, v in patch.items() if k not in erased})
    return {k: v for k, v in {**current, **given}.items() if k not in erased}


def _apply_with_labels(instance: models.Model, changes: dict, *, editable: set[str]) -> dict:
    """Set the changes (labels merged per locale) and return the errors found, by field."""
    errors: dict = {}
    changes = dict(changes)
    if "labels" in changes and "labels" in editable:
        labels = changes.pop("labels")
        try:
            instance.labels = labels_merge(instance.labels, labels)
        except ValidationError as exc:
            _merge_errors(errors, exc)
    try:
        apply_changes(instance, changes, editable=editable)
    except ValidationError as exc:
        _merge_errors(errors, exc)
    return errors


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
    """Create a locale or a currency; audited."""
    entry = model(code=code.strip(), label=label, is_active=is_active)
    full_clean_and_save(entry)
    audit_change(obj=entry, before=None, after=model_state(entry, CODE_ENTRY_FIELDS))
    return entry


@transaction.atomic
def code_entry_update(*, entry: ActivatableCode, changes: dict) -> ActivatableCode:
    """Change a locale's or currency's label or activation; codes are identifiers, never changed."""
    before = model_state(entry, CODE_ENTRY_FIELDS)
    apply_changes(entry, changes, editable={"label", "is_active"})
    full_clean_and_save(entry)
    audit_change(obj=entry, before=before, after=model_state(entry, CODE_ENTRY_FIELDS))
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


def _category_tree_row(code: str) -> tuple[Category | None, ValidationError | None]:
    """The root named `code`, or why it cannot be a channel's category tree."""
    row = Category.objects.filter(code=code).first()
    if row is None:
        error = ValidationError("Unknown code %(code)s.", code="unknown", params={"code": code})
    elif not row.is_root():
        error = ValidationError(
            "%(code)s is not the root of a category tree.", code="not_a_tree", params={"code": code}
        )
    else:
        return row, None
    return None, error


def _channel_save(channel: Channel, *, locales, currencies, category_tree=...) -> Channel:
    rows, errors = _resolve_channel_relations(locales=locales, currencies=currencies)
    if category_tree is None:
        channel.category_tree = None
    elif category_tree is not ...:
        root, error = _category_tree_row(category_tree)
        if error:
            errors["category_tree"] = [error]
        channel.category_tree = root
    minimum = channel.approval_min_completeness
    if isinstance(minimum, bool) or not isinstance(minimum, int) or not 0 <= minimum <= 100:
        errors["approval_min_completeness"] = [
            ValidationError("A percentage: a whole number from 0 to 100.", code="invalid")
        ]
    try:
        channel.full_clean(exclude=["approval_min_completeness"])
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
    *,
    code: str,
    label: str = "",
    locales: list[str],
    currencies: list[str] = (),
    category_tree: str | None = None,
    approval_min_completeness: int = 100,
) -> Channel:
    """Create a channel publishing the given locales, currencies and category tree (a root's
    code); products are approved for it only when at least `approval_min_completeness`
    percent complete in each of its locales."""
    channel = Channel(
        code=code.strip(), label=label, approval_min_completeness=approval_min_completeness
    )
    _channel_save(
        channel, locales=locales, currencies=list(currencies), category_tree=category_tree
    )
    audit_change(obj=channel, before=None, after=model_state(channel, CHANNEL_FIELDS))
    return channel


@transaction.atomic
def channel_update(
    *,
    channel: Channel,
    changes: dict,
    locales: list[str] | None = None,
    currencies: list[str] | None = None,
    category_tree: str | EllipsisType | None = ...,
) -> Channel:
    """Change a channel's label, approval minimum, locales, currencies or category tree (a
    root's code, None for none; not given keeps it); lists replace what was there."""
    before = model_state(channel, CHANNEL_FIELDS)
    apply_changes(channel, changes, editable={"label", "approval_min_completeness"})
    _channel_save(channel, locales=locales, currencies=currencies, category_tree=category_tree)
    audit_change(obj=channel, before=before, after=model_state(channel, CHANNEL_FIELDS))
    return channel


@transaction.atomic
def channel_delete(*, channel: Channel) -> None:
    """Delete a channel; audited."""
    audit_delete(obj=channel, before=model_state(channel, CHANNEL_FIELDS))
    channel.delete()


def _vocabulary_touch(pk: int) -> None:
    """A vocabulary is read with its terms: changing one is a change to it for `updated_since`."""
    Vocabulary.objects.filter(pk=pk).update(updated_at=timezone.now())


@transaction.atomic
def vocabulary_create(
    *, code: str, labels: dict | None = None, is_governed: bool = False
) -> Vocabulary:
    """Create a controlled vocabulary (an empty list of terms), governed or not."""
    governed_switch_guard(current=False, new=is_governed)
    vocabulary, errors = Vocabulary(code=code.strip(), is_governed=is_governed), {}
    try:
        vocabulary.labels = labels_validate(labels)
    except ValidationError as exc:
        _merge_errors(errors, exc)
    _clean_and_save(vocabulary, errors)
    audit_change(obj=vocabulary, before=None, after=model_state(vocabulary, VOCABULARY_FIELDS))
    return vocabulary


@transaction.atomic
def vocabulary_update(*, vocabulary: Vocabulary, changes: dict) -> Vocabulary:
    """Change a vocabulary's labels (merged per locale; None erases a locale) or whether it is
    governed; the code never changes."""
    before = model_state(vocabulary, VOCABULARY_FIELDS)
    governed_switch_guard(
        current=vocabulary.is_governed, new=changes.get("is_governed", vocabulary.is_governed)
    )
    errors = _apply_with_labels(vocabulary, changes, editable={"labels", "is_governed"})
    _clean_and_save(vocabulary, errors)
    audit_change(obj=vocabulary, before=before, after=model_state(vocabulary, VOCABULARY_FIELDS))
    return vocabulary


@transaction.atomic
def vocabulary_delete(*, vocabulary: Vocabulary) -> None:
    """Delete an empty vocabulary that nothing uses; one with terms is refused (`has_terms`)
    rather than cascading, since values hold its terms' codes: delete or deprecate them first."""
    if vocabulary.terms.exists():
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    "Vocabulary %(code)s still has terms; delete them first.",
                    code="has_terms",
                    params={"code": vocabulary.code},
                )
            }
        )
    audit_delete(obj=vocabulary, before=model_state(vocabulary, VOCABULARY_FIELDS))
    _delete_or_refuse(vocabulary)


@transaction.atomic
def term_create(
    *,
    vocabulary: Vocabulary,
    code: str,
    labels: dict | None = None,
    sort_order: int = 0,
    is_deprecated: bool = False,
) -> Term:
    """Add a term to a vocabulary; its code is unique within the vocabulary. A governed
    vocabulary refuses (`governed`): terms are added there by an approved change request."""
    vocabulary_guard(vocabulary.pk)
    term = Term(
        vocabulary=vocabulary, code=code.strip(), sort_order=sort_order, is_deprecated=is_deprecated
    )
    errors: dict = {}
    try:
        term.labels = labels_validate(labels)
    except ValidationError as exc:
        _merge_errors(errors, exc)
    if vocabulary.pk and Term.objects.filter(vocabulary=vocabulary, code=term.code).exists():
        errors["code"] = [
            ValidationError(
                "Vocabulary %(vocabulary)s already has a term %(code)s.",
                code="unique",
                params={"vocabulary": vocabulary.code, "code": term.code},
            )
        ]
    # The (vocabulary, code) constraint was just checked with an error keyed by field.
    _clean_and_save(term, errors, validate_constraints=False)
    _vocabulary_touch(vocabulary.pk)
    audit_change(obj=term, before=None, after=model_state(term, TERM_FIELDS))
    return term


@transaction.atomic
def term_update(*, term: Term, changes: dict) -> Term:
    """Change a term's labels (merged per locale), sort order or deprecation; a deprecated term
    stays valid where it is used but cannot be newly chosen."""
    before = model_state(term, TERM_FIELDS)
    governed_state = (term.labels, term.is_deprecated)  # sort order is presentation, not governed
    errors = _apply_with_labels(term, changes, editable={"labels", "sort_order", "is_deprecated"})
    if (term.labels, term.is_deprecated) != governed_state:
        vocabulary_guard(term.vocabulary_id)
    _clean_and_save(term, errors, validate_constraints=False)
    _vocabulary_touch(term.vocabulary_id)
    audit_change(obj=term, before=before, after=model_state(term, TERM_FIELDS))
    return term


@transaction.atomic
def term_delete(*, term: Term) -> None:
    """Delete a term. Values holding its code are not this app's to see: deprecate a term in
    use instead (a consumer may veto the delete from a pre_delete receiver)."""
    vocabulary_guard(term.vocabulary_id)
    audit_delete(obj=term, before=model_state(term, TERM_FIELDS))
    _delete_or_refuse(term)
    _vocabulary_touch(term.vocabulary_id)


def _trees_lock() -> None:
    """Serialize writes to the category trees: an insert or a move rewrites the paths of other
    nodes (siblings are kept in code order), so two at once could collide."""
    list(Category.objects.select_for_update().filter(depth=1).values_list("pk", flat=True))


def _category_refresh(category: Category) -> None:
    """Paths shift when siblings are added or moved: work on the stored ones."""
    category.refresh_from_db(fields=TREE_FIELDS)


def _categories_touch(*pks: int | None, subtree: str | None = None) -> None:
    """Mark categories whose output (parent, tree, depth, children_count) changed; by pk, since
    paths shift."""
    rows = models.Q(pk__in=[pk for pk in pks if pk])
    if subtree:
        rows |= models.Q(path__startswith=subtree)
    Category.objects.filter(rows).update(updated_at=timezone.now())


def _parent_path(category: Category) -> str:
    return category.path[: -Category.steplen]


def _parent_pk(category: Category) -> int | None:
    if category.is_root():
        return None
    return Category.objects.filter(path=_parent_path(category)).values_list("pk", flat=True)[0]


def _unknown(field: str, code: str) -> dict:
    return {
        field: [ValidationError("Unknown code %(code)s.", code="unknown", params={"code": code})]
    }


def _not_a_tree() -> ValidationError:
    return ValidationError("Only a category tree (a root) is governed.", code="not_a_tree")


def _too_deep() -> ValidationError:
    return ValidationError(
        {"parent": ValidationError("The category tree is too deep here.", code="too_deep")}
    )


@transaction.atomic
def category_create(
    *, code: str, parent: str | None = None, labels: dict | None = None, is_governed: bool = False
) -> Category:
    """Create a category under `parent` (a code), or a new tree when parent is None (governed
    or not). A governed tree refuses (`governed`): it grows by approved change requests."""
    _trees_lock()
    governed_switch_guard(current=False, new=is_governed)
    category, errors = Category(code=code.strip(), is_governed=is_governed), {}
    if is_governed and parent is not None:
        errors["is_governed"] = [_not_a_tree()]
    try:
        category.labels = labels_validate(labels)
    except ValidationError as exc:
        _merge_errors(errors, exc)
    parent_node = Category.objects.filter(code=parent).first() if parent is not None else None
    if parent is not None and parent_node is None:
        errors.update(_unknown("parent", parent))
    if parent_node is not None:
        tree_guard(parent_node.path)
    try:
        category.full_clean(exclude=TREE_FIELDS)
    except ValidationError as exc:
        _merge_errors(errors, exc)
    if errors:
        raise ValidationError(errors)
    try:
        if parent_node is None:
            category = Category.objects.add_root(instance=category)
        else:
            Category.objects.add_child(parent_node, instance=category)
    except PathOverflow as exc:
        raise _too_deep() from exc
    if parent_node is not None:
        _categories_touch(parent_node.pk)
    audit_change(obj=category, before=None, after=category_state(category))
    return category


def _category_move_errors(category: Category, parent: Category | None) -> dict:
    if parent is not None and parent.path.startswith(category.path):
        message = "A category cannot move under itself or one of its descendants."
        return {"parent": [ValidationError(message, code="cyclic_move")]}
    if category.is_root() and category.channels.exists():
        channels = ", ".join(category.channels.values_list("code", flat=True)[:10])
        return {
            "parent": [
                ValidationError(
                    "Channels %(channels)s publish this tree: it must stay a root.",
                    code="tree_in_use",
                    params={"channels": channels},
                )
            ]
        }
    return {}


@transaction.atomic
def category_update(
    *, category: Category, changes: dict, parent: str | EllipsisType | None = ...
) -> Category:
    """Change a category's labels (merged per locale) or, on a root, whether its tree is
    governed; `parent` given moves the category and its subtree under that code (None: make it
    a tree of its own). The code never changes. In a governed tree only an approved change
    request changes labels, and nothing moves (`governed`)."""
    _trees_lock()
    _category_refresh(category)
    before = category_state(category)
    labels = category.labels
    governed_switch_guard(
        current=category.is_governed, new=changes.get("is_governed", category.is_governed)
    )
    errors = _apply_with_labels(category, changes, editable={"labels", "is_governed"})
    if "is_governed" in changes and not category.is_root():
        errors["is_governed"] = [_not_a_tree()]
    move_to = ...
    if parent is not ...:
        target = Category.objects.filter(code=parent).first() if parent is not None else None
        if parent is not None and target is None:
            errors.update(_unknown("parent", parent))
        elif (target.path if target else "") != _parent_path(category):
            errors.update(_category_move_errors(category, target))
            move_to = target
    if category.labels != labels or move_to is not ...:
        tree_guard(category.path, move_to.path if move_to not in (None, ...) else "")
    try:
        category.full_clean(exclude=TREE_FIELDS)
    except ValidationError as exc:
        _merge_errors(errors, exc)
    if errors:
        raise ValidationError(errors)
    category.save(update_fields=["labels", "is_governed", "updated_at"])
    if move_to is not ...:
        old_parent = _parent_pk(category)
        try:
            if move_to is None:
                first_root = Category.objects.get_first_root_node()
                Category.objects.move(category, first_root, "sorted-sibling")
            else:
                Category.objects.move(category, move_to, "sorted-child")
        except PathOverflow as exc:
            raise _too_deep() from exc
        _category_refresh(category)
        _categories_touch(old_parent, move_to and move_to.pk, subtree=category.path)
    audit_change(obj=category, before=before, after=category_state(category))
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete a leaf category; one with children (`has_children`), a tree a channel publishes
    (`tree_in_use`) or one in a governed tree (`governed`) is refused."""
    _trees_lock()
    _category_refresh(category)
    tree_guard(category.path)
    if category.numchild:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    "Category %(code)s has children; move or delete them first.",
                    code="has_children",
                    params={"code": category.code},
                )
            }
        )
    if category.is_root() and category.channels.exists():
        channels = ", ".join(category.channels.values_list("code", flat=True)[:10])
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    "Channels %(channels)s publish this tree.",
                    code="tree_in_use",
                    params={"channels": channels},
                )
            }
        )
    _refuse_if_granted(category)
    parent = _parent_pk(category)
    audit_delete(obj=category, before=category_state(category))
    _delete_or_refuse(category)
    _categories_touch(parent)


def _refuse_if_granted(category: Category) -> None:
    """A category that scopes someone is not deleted from under them: with their last grant
    gone they would be unscoped, i.e. see everything. Revoke (or move) the grants first."""
    from governance.models import CategoryGroupObjectPermission, CategoryUserObjectPermission

    holders = sorted(
        {
            *CategoryUserObjectPermission.objects.filter(content_object=category).values_list(
                "user__username", flat=True
            ),
            *CategoryGroupObjectPermission.objects.filter(content_object=category).values_list(
                "group__name", flat=True
            ),
        }
    )
    if holders:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    "Category %(code)s scopes %(holders)s; revoke those grants first.",
                    code="has_grants",
                    params={"code": category.code, "holders": ", ".join(holders[:10])},
                )
            }
        )


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Record that a worker is alive and running tasks (idempotent per worker)."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now()}
    )
    return heartbeat


def event_emit(
    *,
    name: str,
    key: str,
    payload: dict,
    object_type: str = "",
    object_ref: str = "",
    channel: str = "",
) -> bool:
    """Record a domain event in the outbox, once per key, in the caller's transaction (it is
    published only if that commits); True when it is new. Sends `event_recorded`."""
    from governance import signals
    from governance.models import Event

    event, created = Event.objects.get_or_create(
        key=key[:200],
        defaults={
            "name": name,
            "payload": payload,
            "object_type": object_type,
            "object_ref": str(object_ref)[:255],
            "channel": channel,
        },
    )
    if created:
        signals.event_recorded.send(sender=Event, event=event)
    return created


class VersionConflict(Exception):
    """The writer read an older version than the one stored (If-Match)."""

    def __init__(self, current: int):
        super().__init__(f"The stored version is {current}.")
        self.current = current


def labels_clean(changes: dict, errors: dict) -> None:
    """Validate changes["labels"] in place, for services that report every error at once."""
    if "labels" in changes:
        try:
            changes["labels"] = labels_validate(changes["labels"])
        except ValidationError as exc:
            errors.setdefault("labels", []).extend(exc.error_dict["labels"])
