"""What the catalog records in the audit trail: the state of its objects, relations by code.

A product's state is what a restore returns it to: SKU, family, parent, enabled, categories and
its own values (inherited ones belong to its product models). Diffs compare the fields, and the
values per attribute × channel × locale (`values.name[|en_US]`)."""

from governance.audit import diff, history, model_state, values_diff
from pim.models import (
    ATTRIBUTE_SETTINGS,
    Attribute,
    AttributeGroup,
    Family,
    FamilyVariant,
    Product,
    ProductModel,
)

ATTRIBUTE_GROUP_FIELDS = ("code", "labels", "sort_order")
ASSOCIATION_TYPE_FIELDS = ("code", "labels", "is_quantified", "is_two_way")


def entry_changes(before: dict | None, after: dict | None) -> dict:
    """The diff of two product (or product model) states: fields, then values by scope."""
    before, after = before or {}, after or {}
    return {
        **diff(
            {k: v for k, v in before.items() if k != "values"},
            {k: v for k, v in after.items() if k != "values"},
        ),
        **values_diff(before.get("values"), after.get("values")),
    }


def product_state(
    *, sku: str, family: str, parent: str | None, enabled: bool, categories, values: dict
) -> dict:
    return {
        "sku": sku,
        "family": family,
        "parent": parent,
        "enabled": enabled,
        "categories": sorted(categories),
        "values": values,
    }


def category_codes(product_ids: list[int]) -> dict[int, list[str]]:
    """The category codes of each product, in one query."""
    codes: dict[int, list[str]] = {}
    rows = Product.categories.through.objects.filter(product_id__in=product_ids)
    for product_id, code in rows.values_list("product_id", "category__code"):
        codes.setdefault(product_id, []).append(code)
    return codes


def stored_product_state(product: Product) -> dict:
    """A saved product's state, read from the database."""
    product = Product.objects.select_related("family", "parent").get(pk=product.pk)
    return product_state(
        sku=product.sku,
        family=product.family.code,
        parent=product.parent.code if product.parent_id else None,
        enabled=product.is_enabled,
        categories=category_codes([product.pk]).get(product.pk, []),
        values=product.values,
    )


STATE_FIELDS = ("sku", "family", "parent", "enabled", "categories")


def product_state_at(product: Product, record) -> dict:
    """The product's state right after `record`: today's state with every later change undone.
    Every write to a product goes through the audited write path, so the diffs are complete."""
    state = stored_product_state(product)
    later = history(product).filter(pk__gt=record.pk).values_list("changes", flat=True)
    for changes in later:  # newest first
        _undo(state, changes)
    return state


def _undo(state: dict, changes: dict) -> None:
    values = state["values"]
    for key, (old, _new) in changes.items():
        if key.startswith("values."):
            attribute, _, scope = key[len("values.") : -1].partition("[")
            scopes = values.setdefault(attribute, {})
            if old is None:
                scopes.pop(scope, None)
            else:
                scopes[scope] = old
            if not scopes:
                del values[attribute]
        elif key in STATE_FIELDS:  # notes and workflow moves are not part of the state
            state[key] = old if key != "categories" else sorted(old or [])


def product_model_state(product_model: ProductModel) -> dict:
    return {
        **model_state(product_model, ("code", "family_variant", "parent", "categories")),
        "values": product_model.values,
    }


def attribute_state(attribute: Attribute) -> dict:
    return model_state(attribute, ("code", *ATTRIBUTE_SETTINGS))


def attribute_group_state(group: AttributeGroup) -> dict:
    return model_state(group, ATTRIBUTE_GROUP_FIELDS)


def family_state(family: Family) -> dict:
    """Labels, attributes, label attribute and requirements ({channel: [attribute, …]})."""
    state = model_state(family, ("code", "labels", "attributes", "label_attribute"))
    requirements: dict[str, list[str]] = {}
    if family.pk:
        rows = family.requirements.values_list("channel__code", "attribute__code")
        for channel, attribute in rows.order_by("channel__code", "attribute__code"):
            requirements.setdefault(channel, []).append(attribute)
    state["requirements"] = requirements
    return state


def family_variant_state(variant: FamilyVariant) -> dict:
    state = model_state(variant, ("code", "family", "labels"))
    state["levels"] = [
        {
            "axes": sorted(a.code for a in level.axes.all()),
            "attributes": sorted(a.code for a in level.attributes.all()),
        }
        for level in (variant.levels.prefetch_related("axes", "attributes") if variant.pk else ())
    ]
    return state
