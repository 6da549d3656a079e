"""Variants in the product editor: the axis matrix of a variant's product model — which axis
values have a variant and which do not — and creating the missing ones in one go, through the
same product service as every other entry point."""

import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from governance.models import Term
from linking.views.product_editor_form import label_in
from pim import selectors
from pim.catalog import Catalog
from pim.models import Product
from pim.policies import product_policy
from pim.services.products import product_upsert_many
from pim.values import split_key

MAX_SUGGESTIONS = 200  # combinations offered at once (the cartesian product can be large)


def _choices(catalog: Catalog, code: str, locale: str) -> list[tuple] | None:
    """(value, label) an axis can take, or None when they cannot be listed (a metric, a text)."""
    attribute = catalog.attributes[code]
    if attribute.type == "boolean":
        return [(True, "yes"), (False, "no")]
    if attribute.type != "select":
        return None
    terms = Term.objects.filter(vocabulary_id=attribute.vocabulary_id, is_deprecated=False)
    return [
        (term.code, label_in(term.labels, locale, term.code))
        for term in terms.order_by("sort_order", "code")
    ]


def _axis_value(values: dict, code: str):
    for key, data in values.get(code, {}).items():
        if split_key(key) == (None, None):
            return data
    return None


def axis_matrix(catalog: Catalog, product: Product, locale: str) -> dict | None:
    """The variant axes of the product's model, and the combinations no sibling has yet, each
    with a suggested SKU (`<model>-<value>-…`)."""
    parent = product.parent
    if parent is None:
        return None
    rules = catalog.variants[parent.family_variant.code]
    axes = list(rules.axes.get(rules.depth, ()))
    choices = [_choices(catalog, code, locale) for code in axes]
    if not axes or any(choice is None for choice in choices):
        return {"axes": axes, "missing": [], "listable": False}
    taken = {
        tuple(_axis_value(values, code) for code in axes)
        for values in Product.objects.filter(parent=parent).values_list("values", flat=True)
    }
    missing = []
    for combination in itertools.product(*choices):
        values = tuple(value for value, _ in combination)
        if values in taken:
            continue
        key = "|".join(str(value) for value in values)
        suffix = "-".join(str(value).lower() for value in values)
        missing.append(
            {
                "key": key,
                "labels": [label for _, label in combination],
                "sku": f"{parent.code}-{suffix}".replace("_", "-"),
            }
        )
        if len(missing) == MAX_SUGGESTIONS:
            break
    return {"axes": axes, "missing": missing, "listable": True}


@login_required
@require_POST
def variants_create(request, sku):
    """Create the checked missing variants of the product's model (each on its own)."""
    if not request.user.has_perm("pim.add_product"):
        raise PermissionDenied
    visible = product_policy.visible(request.user, Product.objects.select_related("parent"))
    product = get_object_or_404(visible, sku=sku, parent__isnull=False)  # a variant, or 404
    catalog = selectors.catalog_load()
    rules = catalog.variants[product.parent.family_variant.code]
    axes = list(rules.axes.get(rules.depth, ()))
    matrix = axis_matrix(catalog, product, "")
    offered = {row["key"]: row for row in matrix["missing"]} if matrix else {}
    categories = list(product.categories.values_list("code", flat=True))
    items = []
    for key in request.POST.getlist("combination"):
        if key not in offered:
            continue  # taken meanwhile, or never offered
        raw = key.split("|")
        values = {
            code: [{"channel": None, "locale": None, "data": _typed(catalog, code, value)}]
            for code, value in zip(axes, raw, strict=True)
        }
        new_sku = request.POST.get(f"sku-{key}", "").strip() or offered[key]["sku"]
        items.append(
            {
                "sku": new_sku,
                "parent": product.parent.code,
                "categories": categories,
                "values": values,
            }
        )
    url = reverse("workbench-product", args=[product.sku]) + "#variants"
    if not items:
        messages.info(request, "Choose the variants to create.")
        return redirect(url)
    outcomes = product_upsert_many(
        items=items, mode="create", category_scope=product_policy.write_scope(request.user)
    )
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome.ok:
            messages.success(request, f"Created {item['sku']}.")
        else:
            reasons = "; ".join(error["message"] for error in outcome.errors)
            messages.error(request, f"{item['sku']} was not created: {reasons}")
    return redirect(url)


def _typed(catalog: Catalog, code: str, raw: str):
    return raw == "True" if catalog.attributes[code].type == "boolean" else raw


urlpatterns = [
    path("products/<str:sku>/variants/", variants_create, name="workbench-product-variants"),
]
