"""Writes to the catalog's structure: attribute groups, attributes, families, family variants
and association types. Each validates the whole object and reports every error at once."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.audit import audit_change, audit_delete, model_state
from governance.models import Channel, Vocabulary
from governance.services import apply_changes, full_clean_and_save, labels_clean, labels_validate
from pim.audit import (
    ASSOCIATION_TYPE_FIELDS,
    attribute_group_state,
    attribute_state,
    family_state,
    family_variant_state,
)
from pim.models import (
    ATTRIBUTE_SETTINGS,
    AXIS_TYPES,
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeType,
    Family,
    FamilyRequirement,
    FamilyVariant,
    VariantLevel,
)
from pim.validators import UNIQUE_TYPES, unit_dimension


def _error(errors: dict, field: str, message: str, code: str) -> None:
    errors.setdefault(field, []).append(ValidationError(message, code=code))


@transaction.atomic
def attribute_group_save(
    *, code: str, changes: dict, group: AttributeGroup | None = None
) -> AttributeGroup:
    """Create (group None) or change an attribute group; audited."""
    before = attribute_group_state(group) if group else None
    group = group or AttributeGroup(code=code.strip())
    if "labels" in changes:
        changes = {**changes, "labels": labels_validate(changes["labels"])}
    apply_changes(group, changes, editable={"labels", "sort_order"})
    full_clean_and_save(group)
    audit_change(obj=group, before=before, after=attribute_group_state(group))
    return group


@transaction.atomic
def attribute_save(*, code: str, changes: dict, attribute: Attribute | None = None) -> Attribute:
    """Create (attribute None) or change an attribute; the type never changes once created.
    Audited."""
    errors: dict = {}
    creating = attribute is None
    before = None if creating else attribute_state(attribute)
    attribute = attribute or Attribute(code=code.strip())
    changes = dict(changes)
    if not creating and "type" in changes and changes["type"] != attribute.type:
        _error(
            errors, "type", "An attribute's type cannot change: values depend on it.", "read_only"
        )
    for name, model in (("group", AttributeGroup), ("vocabulary", Vocabulary)):
        if name in changes:
            value = changes.pop(name)
            row = model.objects.filter(code=value).first() if value else None
            if value and row is None:
                _error(errors, name, f"There is no {name} {value!r}.", "unknown")
            setattr(attribute, name, row)
    labels_clean(changes, errors)
    for name in ("date_min", "date_max"):  # Django's date parsing raises on anything but text
        if name in changes and not isinstance(changes[name], str | None):
            _error(errors, name, "Expected a date as YYYY-MM-DD.", "invalid")
            del changes[name]
    try:
        apply_changes(
            attribute, changes, editable=set(ATTRIBUTE_SETTINGS) - {"group", "vocabulary"}
        )
        attribute.full_clean()
    except ValidationError as exc:
        for name, messages in exc.error_dict.items():
            errors.setdefault(name, []).extend(messages)
    _check_attribute_constraints(attribute, errors)
    if errors:
        raise ValidationError(errors)
    attribute.save()
    audit_change(obj=attribute, before=before, after=attribute_state(attribute))
    return attribute


def _check_attribute_constraints(a: Attribute, errors: dict) -> None:
    if a.type == AttributeType.IDENTIFIER:
        a.is_unique = True
    if a.is_unique and a.type not in UNIQUE_TYPES:
        _error(errors, "is_unique", f"A {a.type} attribute cannot be unique.", "not_uniqueable")
    if a.is_unique and (a.is_localizable or a.is_scopable):
        _error(
            errors,
            "is_unique",
            "A unique attribute is neither localizable nor scopable.",
            "not_uniqueable",
        )
    if a.type in (AttributeType.SELECT, AttributeType.MULTISELECT) and not a.vocabulary_id:
        _error(errors, "vocabulary", "A select attribute needs a vocabulary.", "required")
    if a.regex:
        try:
            re.compile(a.regex)
        except re.error as exc:
            _error(errors, "regex", f"Not a valid regular expression: {exc}.", "invalid_regex")
    # Bounds are compared only once each passed its own field's check: a refused bound may
    # still hold whatever was sent (a dict, a list), which does not compare.
    bounds_valid = not errors.keys() & {"min_value", "max_value", "date_min", "date_max"}
    if bounds_valid and None not in (a.min_value, a.max_value) and a.min_value > a.max_value:
        _error(errors, "min_value", "The minimum is above the maximum.", "min_above_max")
    if bounds_valid and a.date_min and a.date_max and a.date_min > a.date_max:
        _error(errors, "date_min", "The earliest date is after the latest.", "min_above_max")
    if a.type == AttributeType.METRIC:
        if not a.allowed_units:
            _error(
                errors, "allowed_units", "A metric attribute needs its allowed units.", "required"
            )
        elif not isinstance(a.allowed_units, list) or not all(
            isinstance(u, str) for u in a.allowed_units
        ):
            _error(errors, "allowed_units", "Expected a list of unit names.", "invalid")
        else:
            dimensions = {u: unit_dimension(u) for u in a.allowed_units}
            for unit, dimension in dimensions.items():
                if dimension is None:
                    _error(
                        errors, "allowed_units", f"{unit!r} is not a known unit.", "unknown_unit"
                    )
            known = {d for d in dimensions.values() if d}
            if len(known) > 1:
                _error(
                    errors, "allowed_units", "All units must measure the same thing.", "mixed_units"
                )
            if known and not errors.get("allowed_units"):
                a.metric_family = known.pop()
            if a.default_unit and a.default_unit not in a.allowed_units:
                _error(
                    errors,
                    "default_unit",
                    "The default unit must be an allowed unit.",
                    "unit_not_allowed",
                )


@transaction.atomic
def family_save(
    *,
    code: str,
    changes: dict,
    family: Family | None = None,
) -> Family:
    """Create or change a family: its attributes, label attribute and per-channel requirements.

    Changed requirements recompute its products' completeness in the background, after commit.
    """
    from pim.tasks import family_completeness_refresh

    errors: dict = {}
    before = family_state(family) if family else None
    family = family or Family(code=code.strip())
    changes = dict(changes)
    attributes = changes.pop("attributes", None)
    requirements = changes.pop("requirements", None)
    label = changes.pop("label_attribute", ...)
    labels_clean(changes, errors)
    try:
        apply_changes(family, changes, editable={"labels"})
        family.full_clean(exclude=["label_attribute"])
    except ValidationError as exc:
        errors.update(exc.error_dict)

    if attributes is not None and (
        not isinstance(attributes, list) or not all(isinstance(c, str) for c in attributes)
    ):
        _error(errors, "attributes", "Expected a list of attribute codes.", "invalid")
        attributes = None
    current = set(family.attributes.values_list("code", flat=True)) if family.pk else set()
    codes = current if attributes is None else set(attributes)
    rows = {a.code: a for a in Attribute.objects.filter(code__in=codes)}
    for unknown in sorted(codes - rows.keys()):
        _error(errors, "attributes", f"There is no attribute {unknown!r}.", "unknown")
    if label is not ...:
        if not isinstance(label, str | None):  # a code or nothing; a dict would not even hash
            label = repr(label)
        family.label_attribute = rows.get(label) if label else None
        if label and label not in rows:
            _error(
                errors,
                "label_attribute",
                "The label attribute must be one of the family's attributes.",
                "not_in_family",
            )
        elif label and rows[label].type not in (AttributeType.TEXT, AttributeType.IDENTIFIER):
            _error(
                errors,
                "label_attribute",
                "The label attribute must be a text attribute.",
                "not_text",
            )
    required = None
    if requirements is not None:
        required = _requirements(requirements, rows, errors)
    if errors:
        raise ValidationError(errors)
    family.save()
    if attributes is not None:
        family.attributes.set(rows.values())
    if required is not None:
        old = set(family.requirements.values_list("channel_id", "attribute_id"))
        if old != required:
            family.requirements.all().delete()
            FamilyRequirement.objects.bulk_create(
                FamilyRequirement(family=family, channel_id=c, attribute_id=a) for c, a in required
            )
            family_completeness_refresh.delay_on_commit(family.pk)
    audit_change(obj=family, before=before, after=family_state(family))
    return family


def _requirements(requirements, rows, errors) -> set[tuple[int, int]] | None:
    if not isinstance(requirements, dict):
        _error(errors, "requirements", 'Expected {"channel": ["attribute", …]}.', "invalid")
        return None
    channels = dict(Channel.objects.filter(code__in=list(requirements)).values_list("code", "pk"))
    required = set()
    for channel, codes in requirements.items():
        if channel not in channels:
            _error(
                errors, f"requirements.{channel}", f"There is no channel {channel!r}.", "unknown"
            )
            continue
        if not isinstance(codes, list):
            _error(
                errors, f"requirements.{channel}", "Expected a list of attribute codes.", "invalid"
            )
            continue
        for code in codes:
            if code not in rows:
                _error(
                    errors,
                    f"requirements.{channel}",
                    f"{code!r} is not an attribute of this family.",
                    "not_in_family",
                )
            else:
                required.add((channels[channel], rows[code].pk))
    return required


@transaction.atomic
def family_variant_save(
    *, code: str, changes: dict, variant: FamilyVariant | None = None
) -> FamilyVariant:
    """Create or change a family variant; its family and axes are fixed once it exists."""
    errors: dict = {}
    creating = variant is None
    before = None if creating else family_variant_state(variant)
    variant = variant or FamilyVariant(code=code.strip())
    changes = dict(changes)
    levels = changes.pop("levels", None)
    if creating:
        family_code = changes.pop("family", None)
        variant.family = (
            Family.objects.filter(code=family_code).first()
            if isinstance(family_code, str)
            else None
        )
        if variant.family_id is None:  # (reading .family of an unset family would raise)
            _error(
                errors,
                "family",
                f"There is no family {family_code!r}.",
                "unknown" if family_code else "required",
            )
        if levels is None:
            _error(errors, "levels", "A family variant needs one or two levels.", "required")
    elif "family" in changes:
        _error(errors, "family", "A family variant's family cannot change.", "read_only")
        changes.pop("family")
    labels_clean(changes, errors)
    try:
        apply_changes(variant, changes, editable={"labels"})
        variant.full_clean(exclude=["family"])
    except ValidationError as exc:
        errors.update(exc.error_dict)
    parsed = (
        _levels(levels, variant, errors, creating)
        if levels is not None and variant.family_id
        else None
    )
    if errors:
        raise ValidationError(errors)
    variant.save()
    if parsed is not None:
        for number, (axes, attributes) in enumerate(parsed, start=1):
            level, _ = VariantLevel.objects.get_or_create(family_variant=variant, level=number)
            level.axes.set(axes)
            level.attributes.set(attributes)
    audit_change(obj=variant, before=before, after=family_variant_state(variant))
    return variant


def _levels(levels, variant, errors, creating):
    if not isinstance(levels, list) or not 1 <= len(levels) <= 2:
        _error(errors, "levels", "Expected one or two levels of {axes, attributes}.", "invalid")
        return None
    family_attributes = {a.code: a for a in variant.family.attributes.all()}
    old_axes = (
        {level.level: sorted(a.code for a in level.axes.all()) for level in variant.levels.all()}
        if not creating
        else {}
    )
    parsed, seen = [], set()
    for number, level in enumerate(levels, start=1):
        path = f"levels[{number - 1}]"
        if (
            not isinstance(level, dict)
            or not isinstance(level.get("axes"), list)
            or not level["axes"]
        ):
            _error(errors, path, "A level needs a non-empty list of axes.", "invalid")
            continue
        attributes = level.get("attributes", [])
        if not isinstance(attributes, list):
            _error(errors, f"{path}.attributes", "Expected a list of attribute codes.", "invalid")
            continue
        if old_axes and sorted(level["axes"]) != old_axes.get(number):
            _error(
                errors,
                f"{path}.axes",
                "Axes cannot change once products vary on them.",
                "read_only",
            )
        for code in [*level["axes"], *attributes]:
            if code not in family_attributes:
                _error(
                    errors,
                    path,
                    f"{code!r} is not an attribute of family {variant.family.code}.",
                    "not_in_family",
                )
            elif code in seen:
                _error(errors, path, f"{code} is on two levels.", "duplicate")
            seen.add(code)
        for code in level["axes"]:
            attribute = family_attributes.get(code)
            if attribute and (
                attribute.type not in AXIS_TYPES
                or attribute.is_localizable
                or attribute.is_scopable
            ):
                _error(
                    errors,
                    f"{path}.axes",
                    f"{code}: an axis is a select, boolean or metric attribute, neither localizable nor scopable.",
                    "invalid_axis",
                )
        parsed.append(
            (
                [family_attributes[c] for c in level["axes"] if c in family_attributes],
                [family_attributes[c] for c in attributes if c in family_attributes],
            )
        )
    return parsed


@transaction.atomic
def association_type_save(
    *, code: str, changes: dict, association_type: AssociationType | None = None
) -> AssociationType:
    """Create or change an association type; audited."""
    before = model_state(association_type, ASSOCIATION_TYPE_FIELDS) if association_type else None
    association_type = association_type or AssociationType(code=code.strip())
    if "labels" in changes:
        changes = {**changes, "labels": labels_validate(changes["labels"])}
    apply_changes(association_type, changes, editable={"labels", "is_quantified", "is_two_way"})
    full_clean_and_save(association_type)
    after = model_state(association_type, ASSOCIATION_TYPE_FIELDS)
    audit_change(obj=association_type, before=before, after=after)
    return association_type


STATES = {
    AttributeGroup: attribute_group_state,
    Attribute: attribute_state,
    Family: family_state,
    FamilyVariant: family_variant_state,
    AssociationType: lambda row: model_state(row, ASSOCIATION_TYPE_FIELDS),
}


@transaction.atomic
def catalog_entry_delete(
    *, instance: AttributeGroup | Attribute | Family | FamilyVariant | AssociationType
) -> None:
    """Delete an attribute group, attribute, family, family variant or association type;
    audited. Rows that still use it refuse (ProtectedError, as Django raises it)."""
    audit_delete(obj=instance, before=STATES[type(instance)](instance))
    instance.delete()
