"""Writes of the workbench's product grid: bulk actions on selected products (through the
workflow and pim's upsert, which audit, emit events and recompute completeness) and saved views."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from governance.audit import acting_as
from governance.models import Category
from governance.workflow import transition_many
from linking.models import SavedView
from pim.models import Product
from pim.policies import product_policy
from pim.services.products import product_upsert_many, sku_key

# Action → the permission that offers it (each object is still checked by the service).
BULK_ACTIONS = {
    "submit": ("Submit for review", "pim.submit_product"),
    "approve": ("Approve", "pim.approve_product"),
    "add_category": ("Add to category", "pim.change_product"),
    "enable": ("Enable", "pim.change_product"),
    "disable": ("Disable", "pim.change_product"),
}
MAX_SELECTED = 200


@dataclass
class BulkResult:
    sku: str
    ok: bool
    errors: list[str] = field(default_factory=list)


def bulk_actions_for(user) -> dict[str, str]:
    """The bulk actions this person may use at all (label by action)."""
    return {name: label for name, (label, perm) in BULK_ACTIONS.items() if user.has_perm(perm)}


def products_bulk_apply(
    *, user, skus: list[str], action: str, category: str = ""
) -> list[BulkResult]:
    """Apply one action to each selected product on its own, reporting each (ok or why not):
    transitions through `transition_many`, the rest through `product_upsert_many`."""
    if action not in bulk_actions_for(user):
        raise ValidationError({"action": ValidationError("You may not do that.", code="denied")})
    if not skus:
        raise ValidationError({"items": ValidationError("Select products.", code="required")})
    if len(skus) > MAX_SELECTED:
        raise ValidationError(
            {"items": ValidationError(f"At most {MAX_SELECTED} at once.", code="too_many")}
        )
    if action == "add_category" and not Category.objects.filter(code=category).exists():
        raise ValidationError({"category": ValidationError("Choose a category.", code="required")})
    keys = [sku_key(s) for s in skus]
    found = {
        p.sku_key: p
        for p in product_policy.visible(user, Product.objects.all()).filter(sku_key__in=keys)
    }
    results: dict[str, BulkResult] = {
        key: BulkResult(sku, False, ["Not found."]) for sku, key in zip(skus, keys, strict=True)
    }
    products = [found[k] for k in dict.fromkeys(keys) if k in found]
    with acting_as(user=user):
        if action in ("submit", "approve"):
            for report in transition_many(objects=products, action=action):
                messages = [e["message"] for e in report.errors]
                results[report.obj.sku_key] = BulkResult(report.obj.sku, report.ok, messages)
        else:
            for product, outcome in zip(
                products, _upsert(user, products, action, category), strict=True
            ):
                messages = [
                    f"{e['field']}: {e['message']}" if e.get("field") else e["message"]
                    for e in outcome.errors
                ]
                results[product.sku_key] = BulkResult(product.sku, outcome.ok, messages)
    return list(results.values())


def _upsert(user, products: list[Product], action: str, category: str):
    if action == "add_category":
        current: dict[int, list[str]] = {p.pk: [] for p in products}
        for pk, code in Product.categories.through.objects.filter(
            product_id__in=list(current)
        ).values_list("product_id", "category__code"):
            current[pk].append(code)
        items = [{"sku": p.sku, "categories": sorted({*current[p.pk], category})} for p in products]
    else:
        items = [{"sku": p.sku, "enabled": action == "enable"} for p in products]
    # A change by a scoped editor must stay inside their categories, as in the API.
    return product_upsert_many(
        items=items, mode="update", category_scope=product_policy.write_scope(user)
    )


@transaction.atomic
def saved_view_save(*, user, page: str, name: str, query: str) -> SavedView:
    """Save (or overwrite) one of a person's named views of a workbench list. Not audited:
    it changes no shared data."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ValidationError("Name the view.", code="required")})
    if len(name) > 100 or len(query) > 2000:
        raise ValidationError({"name": ValidationError("Too long.", code="max_length")})
    try:
        view, _ = SavedView.objects.update_or_create(
            user=user, page=page, name=name, defaults={"query": query.lstrip("?")}
        )
    except IntegrityError:  # saved twice at once: the other save won
        view = SavedView.objects.get(user=user, page=page, name=name)
    return view


@transaction.atomic
def saved_view_delete(*, user, view_id: int) -> None:
    """Delete one of the person's own saved views (someone else's is not found)."""
    SavedView.objects.filter(user=user, pk=view_id).delete()
