"""Product model writes: the root and sub-models that variant products hang from."""

import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from governance import workflow
from governance.audit import audit_record
from governance.models import AuditAction, Category
from governance.services import VersionConflict
from pim import selectors
from pim.audit import entry_changes, product_model_state
from pim.catalog import Catalog
from pim.models import FamilyVariant, ProductModel
from pim.signals import products_changed
from pim.values import inherit, merge_values

FIELDS = {"code", "family_variant", "parent", "categories", "values"}


@transaction.atomic
def product_model_save(
    *,
    data: dict,
    product_model: ProductModel | None = None,
    expected_version: int | None = None,
    catalog: Catalog | None = None,
) -> ProductModel:
    """Create (product_model None) or change a product model; its variants' completeness follows."""
    from pim.tasks import product_model_completeness_refresh

    catalog = catalog or selectors.catalog_load()
    errors: dict = {}

    def fail(field, code, message):
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    for name in sorted(set(data) - FIELDS - {"workflow_state"}):
        fail(name, "unknown_field", "Unknown field.")
    if "workflow_state" in data:
        fail("workflow_state", "read_only", "Only workflow transitions change the state.")
    before = None
    if product_model is not None:
        product_model = ProductModel.objects.select_for_update().get(pk=product_model.pk)
        before = product_model_state(product_model)
        if expected_version is not None and product_model.version != expected_version:
            raise VersionConflict(product_model.version)
        for name in ("family_variant", "parent"):
            if name in data and data[name] != _code(getattr(product_model, name)):
                fail(name, "read_only", f"A product model's {name} cannot change.")
    else:
        code = data.get("code")
        product_model = ProductModel(code=code.strip() if isinstance(code, str) else "")
        variant = FamilyVariant.objects.filter(code=data.get("family_variant")).first()
        if variant is None:
            fail(
                "family_variant",
                "unknown",
                f"There is no family variant {data.get('family_variant')!r}.",
            )
        product_model.family_variant = variant
        parent_code = data.get("parent")
        if parent_code is not None:
            product_model.parent = ProductModel.objects.filter(code=parent_code).first()
            if product_model.parent is None:
                fail("parent", "unknown", f"There is no product model {parent_code!r}.")
    if errors:
        raise ValidationError(errors)

    rules = catalog.variants[product_model.family_variant.code]
    parent = product_model.parent
    level = 0 if parent is None else 1
    if parent is not None and (parent.parent_id is not None or rules.depth < 2):
        fail(
            "parent",
            "invalid_parent",
            "Only a root model of a two-level family variant has sub-models.",
        )
    if parent is not None and parent.family_variant_id != product_model.family_variant_id:
        fail("parent", "family_variant_mismatch", "A sub-model has its parent's family variant.")
    family_attributes = catalog.families[rules.family].attributes
    allowed = rules.owned_at(level, family_attributes)
    owners = (
        {c: f"product model {parent.code}" for c in rules.owned_at(0, family_attributes)}
        if parent
        else {}
    )
    changes, value_errors = catalog.clean_values(
        data.get("values", {}), allowed=allowed, previous=product_model.values, owners=owners
    )
    for path, code, message in value_errors:
        fail(path, code, message)
    values = merge_values(product_model.values, changes)
    if parent is not None:
        axes = rules.axes[1]
        for axis in axes:
            if "|" not in values.get(axis, {}):
                fail(
                    f"values.{axis}", "axis_required", f"{axis} is a variant axis: give it a value."
                )
        product_model.axis_key = ";".join(
            f"{a}={json.dumps(values.get(a, {}).get('|'), sort_keys=True)}" for a in axes
        )
        clash = ProductModel.objects.filter(parent=parent, axis_key=product_model.axis_key)
        if product_model.pk:
            clash = clash.exclude(pk=product_model.pk)
        if product_model.axis_key and clash.exists():
            fail(
                "values",
                "axis_combination_taken",
                f"{clash.first().code} already has these axis values.",
            )
    category_ids = None
    if "categories" in data:
        codes = data["categories"]
        if not isinstance(codes, list):
            fail("categories", "invalid", "Expected a list of category codes.")
        else:
            found = dict(Category.objects.filter(code__in=codes).values_list("code", "pk"))
            for missing in [c for c in codes if c not in found]:
                fail("categories", "unknown", f"There is no category {missing!r}.")
            category_ids = list(found.values())
    try:
        product_model.full_clean(exclude=["family_variant", "parent", "values", "axis_key"])
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)

    if before is not None and values == product_model.values:
        stored_categories = set(product_model.categories.values_list("pk", flat=True))
        if category_ids is None or set(category_ids) == stored_categories:
            return product_model  # nothing changes: no write, no version bump
    product_model.values = values
    effective = inherit(parent.values, values) if parent else values
    product_model.search_text = catalog.search_text(product_model.code, effective)
    if product_model.pk:
        product_model.version += 1
        # An approved model edited becomes a new draft; channels keep its snapshot.
        product_model.workflow_state = workflow.after_edit(product_model.workflow_state)
    try:
        with transaction.atomic():
            product_model.save()
    except IntegrityError:
        raise ValidationError(
            {
                "code": ValidationError(
                    "A concurrent write took this code or axis combination.", code="conflict"
                )
            }
        ) from None
    if category_ids is not None:
        product_model.categories.set(category_ids)
    after = product_model_state(product_model)
    changed = entry_changes(before, after)
    audit_record(
        obj=product_model,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        changes=changed,  # no state: like products, the diffs suffice
    )
    if changed:
        products_changed.send(
            sender=ProductModel, product_ids=[], product_model_ids=[product_model.pk]
        )
    if changes:
        product_model_completeness_refresh.delay_on_commit(product_model.pk)
    return product_model


@transaction.atomic
def product_model_delete(*, product_model: ProductModel) -> None:
    """Delete a product model that nothing hangs from (variants and sub-models protect it);
    audited with the state it last had."""
    product_model = ProductModel.objects.select_for_update().get(pk=product_model.pk)
    before = product_model_state(product_model)
    audit_record(
        obj=product_model,
        action=AuditAction.DELETE,
        changes=entry_changes(before, None),
        state=before,
    )
    # Before the row goes, so receivers can still see what hangs from it (its asset links).
    products_changed.send(sender=ProductModel, product_ids=[], product_model_ids=[product_model.pk])
    product_model.delete()


def _code(row):
    return row.code if row is not None else None
