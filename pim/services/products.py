"""Product writes. Single create, update and bulk upsert share one path, `product_upsert_many`,
so the API, the NDJSON bulk endpoint, the admin and imports validate with the same code."""

import json
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from governance import workflow
from governance.audit import audit_many, audit_record
from governance.models import AuditAction, Category
from pim import selectors
from pim.audit import category_codes, entry_changes, product_state, stored_product_state
from pim.catalog import Catalog
from pim.models import Product, ProductModel, UniqueValue
from pim.services.associations import (
    AssociationTargets,
    associations_replace,
    unsaved_targets,
)
from pim.services.completeness import completeness_replace
from pim.signals import products_changed
from pim.values import inherit, merge_values

FIELDS = {"sku", "family", "parent", "categories", "enabled", "values", "associations"}


def sku_key(sku: str) -> str:
    """The SKU as compared: "ab-1" and "AB-1 " are the same product."""
    return sku.strip().casefold()


@dataclass
class Outcome:
    """What became of one input item: 201 created, 200 updated, 412 stale, 422 invalid."""

    index: int
    sku: str | None
    status: int = 0
    product: Product | None = None
    errors: list[dict] = field(default_factory=list)
    unchanged: bool = False  # saved as it was: nothing written, no version bump

    def fail(self, field_path, code, message, status=422):
        self.status = status
        self.errors.append({"field": field_path, "code": code, "message": message})

    @property
    def ok(self):
        return not self.errors


@dataclass
class _Plan:
    outcome: Outcome
    item: dict
    key: str = ""
    product: Product | None = None
    parent: ProductModel | None = None
    family: str = ""
    values: dict = field(default_factory=dict)
    effective: dict = field(default_factory=dict)
    axis_key: str = ""
    category_ids: list[int] | None = None
    associations: dict | None = None
    unknown_fields: list[str] = field(default_factory=list)
    before: dict | None = None  # the stored product's state, for its audit record
    changes: dict = field(default_factory=dict)  # what the save changes (audit diff)


def product_upsert_many(
    *,
    items: list[Any],
    mode: str = "upsert",
    expected_versions: dict[int, int] | None = None,
    catalog: Catalog | None = None,
    category_scope: list[str] | None = None,
    dry_run: bool = False,
) -> list[Outcome]:
    """Create or update products; each item succeeds or fails on its own, nothing half-written.

    mode "create" refuses an existing SKU, "update" a missing one. `expected_versions` maps an
    item's index to the version its writer last read (If-Match); a mismatch answers 412.
    `category_scope` (category paths; None = unscoped) limits a scoped writer's classifying.
    Completeness of each saved product is recomputed in the same transaction. `dry_run`
    validates exactly the same way (uniqueness and variant axes included) and answers the
    same statuses, but writes nothing and locks no rows.
    """
    catalog = catalog or selectors.catalog_load()
    plans = _parse(items)
    with transaction.atomic():
        targets = _load(plans, lock=not dry_run)
        if category_scope is not None:
            _check_scope(plans, category_scope)
        for plan in plans:
            if plan.outcome.ok:
                _build(plan, catalog, mode, (expected_versions or {}).get(plan.outcome.index))
            for name in plan.unknown_fields:
                plan.outcome.fail(name, "unknown_field", "Unknown field.")
        _check_unique(plans, catalog)
        _check_axes(plans)
        failed = {p.key for p in plans if not p.outcome.ok}
        for plan in plans:
            if plan.outcome.ok and plan.associations and failed:
                for key in unsaved_targets(plan.associations, targets, failed):
                    plan.outcome.fail(
                        "associations", "target_failed", f"Linked product {key} was not saved."
                    )
        good = []
        for plan in (p for p in plans if p.outcome.ok):
            if dry_run and plan.before is None:
                plan.outcome.status = 201  # a creation: its audit diff is not needed to know
                continue
            plan.changes = _changes(plan)
            if _is_unchanged(plan):
                plan.outcome.status, plan.outcome.product = 200, plan.product
                plan.outcome.unchanged = True
            else:
                good.append(plan)
        if dry_run:
            for plan in good:
                plan.outcome.status = 200
            return [plan.outcome for plan in plans]
        try:
            with transaction.atomic():
                _write(good, catalog)
        except IntegrityError:
            # Another writer took a unique value or axis combination since we checked: retry one
            # by one so only the loser fails, and it fails with a clear message.
            for plan in good:
                try:
                    with transaction.atomic():
                        _write([plan], catalog)
                except IntegrityError:
                    plan.outcome.fail(
                        None,
                        "conflict",
                        "A concurrent write took a unique value of this product; retry.",
                        409,
                    )
    return [plan.outcome for plan in plans]


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product (its completeness, links and unique values go with it); audited with
    the state it last had."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = stored_product_state(product)
    audit_record(
        obj=product, action=AuditAction.DELETE, changes=entry_changes(before, None), state=before
    )
    # Before the row goes, so receivers can still see what hangs from it (its asset links).
    products_changed.send(sender=Product, product_ids=[product.pk], product_model_ids=[])
    product.delete()


def _parse(items) -> list[_Plan]:
    plans, seen = [], {}
    for index, item in enumerate(items):
        sku = item.get("sku") if isinstance(item, dict) else None
        plan = _Plan(Outcome(index=index, sku=sku if isinstance(sku, str) else None), item)
        plans.append(plan)
        if not isinstance(item, dict):
            plan.outcome.fail(None, "invalid", "Expected a JSON object.")
            continue
        plan.unknown_fields = sorted(set(item) - FIELDS - {"workflow_state"})  # reported later
        if "workflow_state" in item:
            plan.outcome.fail(
                "workflow_state", "read_only", "Only workflow transitions change the state."
            )
        if not isinstance(sku, str) or not sku.strip():
            plan.outcome.fail("sku", "required", "A product needs a SKU.")
            continue
        if len(sku.strip()) > 255:
            plan.outcome.fail("sku", "max_length", "A SKU has at most 255 characters.")
            continue
        plan.key = sku_key(sku)
        if plan.key in seen:
            plan.outcome.fail(
                "sku", "duplicate_in_request", f"Item {seen[plan.key]} has the same SKU."
            )
        seen.setdefault(plan.key, index)
    return plans


def _load(plans: list[_Plan], lock: bool = True) -> AssociationTargets | None:
    """The rows the batch touches, in a fixed number of queries, locked against other writers
    (unless a dry run only reads them)."""
    live = [p for p in plans if p.outcome.ok]
    rows = Product.objects.select_related("family", "parent")
    if lock:
        rows = rows.select_for_update(of=("self",))
    existing = {p.sku_key: p for p in rows.filter(sku_key__in=[p.key for p in live])}
    parent_codes = {p.item["parent"] for p in live if isinstance(p.item.get("parent"), str)}
    parent_ids = {p.parent_id for p in existing.values() if p.parent_id}
    parents = {
        m.code: m
        for m in ProductModel.objects.select_related("parent", "family_variant").filter(
            Q(code__in=parent_codes) | Q(pk__in=parent_ids)
        )
    }
    by_id = {m.pk: m for m in parents.values()}
    category_codes = {
        c
        for p in live
        if isinstance(p.item.get("categories"), list)
        for c in p.item["categories"]
        if isinstance(c, str) and "\x00" not in c  # PostgreSQL text has no NUL: no such code
    }
    categories = dict(Category.objects.filter(code__in=category_codes).values_list("code", "pk"))
    with_links = [p for p in live if "associations" in p.item]
    targets = (
        AssociationTargets(
            [p.item["associations"] for p in with_links], {p.key for p in live}, sku_key
        )
        if with_links
        else None
    )
    for plan in live:
        plan.product = existing.get(plan.key)
        plan.parent = (
            by_id.get(plan.product.parent_id) if plan.product and plan.product.parent_id else None
        )
        if "parent" in plan.item:
            code = plan.item["parent"]
            plan.parent = None
            if code is not None:
                plan.parent = parents.get(code) if isinstance(code, str) else None
                if plan.parent is None:
                    plan.outcome.fail("parent", "unknown", f"There is no product model {code!r}.")
        if "associations" in plan.item:
            plan.associations = targets.parse(
                plan.item["associations"], plan.outcome.fail, plan.key
            )
        if "categories" in plan.item:
            codes = plan.item["categories"]
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                plan.outcome.fail("categories", "invalid", "Expected a list of category codes.")
                continue
            for code in codes:
                if code not in categories:
                    plan.outcome.fail("categories", "unknown", f"There is no category {code!r}.")
            plan.category_ids = [categories[c] for c in dict.fromkeys(codes) if c in categories]
    _remember_states([p for p in live if p.product is not None])
    return targets


def _check_scope(plans: list[_Plan], scope: list[str]) -> None:
    """A scoped writer adds and removes only categories inside their subtrees, and leaves each
    product classified in at least one of them (else it would vanish from their view)."""
    live = [p for p in plans if p.outcome.ok]
    codes = {c for p in live for c in (p.before or {}).get("categories", ())}
    codes |= {c for p in live if p.category_ids is not None for c in p.item["categories"]}
    paths = dict(Category.objects.filter(code__in=codes).values_list("code", "path"))
    inside = {code for code, path in paths.items() if path.startswith(tuple(scope))}
    for plan in live:
        before = set((plan.before or {}).get("categories", ()))
        after = before if plan.category_ids is None else set(plan.item["categories"])
        for code in sorted((after ^ before) - inside):
            plan.outcome.fail(
                "categories", "out_of_scope", f"Category {code} is outside your scope."
            )
        if plan.outcome.ok and not after & inside:
            plan.outcome.fail(
                "categories",
                "out_of_scope",
                "Classify the product in at least one category of your scope.",
            )


def _remember_states(plans: list[_Plan]) -> None:
    """What each stored product holds before the change (its categories in one query)."""
    categories = category_codes([p.product.pk for p in plans]) if plans else {}
    for plan in plans:
        product = plan.product
        plan.before = product_state(
            sku=product.sku,
            family=product.family.code,
            parent=product.parent.code if product.parent_id else None,
            enabled=product.is_enabled,
            categories=categories.get(product.pk, ()),
            values=product.values,
        )


def _changes(plan: _Plan) -> dict:
    """What saving the plan changes, as the audit trail records it."""
    if plan.category_ids is None:
        categories = plan.before["categories"] if plan.before else ()
    else:
        categories = dict.fromkeys(plan.item["categories"])
    enabled = plan.item.get("enabled", plan.product.is_enabled if plan.product else True)
    after = product_state(
        sku=plan.item["sku"].strip(),
        family=plan.family,
        parent=plan.parent.code if plan.parent else None,
        enabled=enabled,
        categories=categories,
        values=plan.values,
    )
    return entry_changes(plan.before, after)


def _is_unchanged(plan: _Plan) -> bool:
    """An update that changes nothing (associations given count as a change): it is answered
    as saved without a write, so re-sending the same data neither bumps the version nor turns
    an approved product back into a draft."""
    return plan.before is not None and plan.associations is None and not plan.changes


def _audit_entries(plans: list[_Plan]):
    """(product, action, changes, None) per saved product, built from what the batch holds.
    No state: a product's earlier revisions are rebuilt from its diffs (pim.audit), so a save
    of ten values of a 2,400-value product records ten values, not 2,400."""
    for plan in plans:
        action = AuditAction.CREATE if plan.before is None else AuditAction.UPDATE
        yield plan.product, action, plan.changes, None


def _build(plan: _Plan, catalog: Catalog, mode: str, expected_version: int | None) -> None:
    outcome, item, product = plan.outcome, plan.item, plan.product
    if mode == "create" and product:
        return outcome.fail("sku", "already_exists", f"Product {product.sku} already exists.")
    if mode == "update" and not product:
        return outcome.fail("sku", "not_found", "No such product.", 404)
    if product and expected_version is not None and product.version != expected_version:
        return outcome.fail(
            None,
            "stale_version",
            f"The product is at version {product.version}, not {expected_version}: read it again.",
            412,
        )
    if "enabled" in item and not isinstance(item["enabled"], bool):
        outcome.fail("enabled", "not_a_boolean", "Expected true or false.")

    variant = catalog.variants[plan.parent.family_variant.code] if plan.parent else None
    family = item.get("family", product.family.code if product else None)
    if variant and family is None:
        family = variant.family
    if not isinstance(family, str) or family not in catalog.families:
        return outcome.fail(
            "family",
            "unknown" if family else "required",
            f"There is no family {family!r}." if family else "A product needs a family.",
        )
    if variant and variant.family != family:
        return outcome.fail(
            "family", "family_mismatch", f"The parent's family is {variant.family}, not {family}."
        )
    family_attributes = catalog.families[family].attributes
    owners = {}
    if variant:
        level = 1 if plan.parent.parent_id is None else 2
        if level != variant.depth:
            return outcome.fail(
                "parent",
                "not_a_leaf_model",
                f"{plan.parent.code} is not the last level of {variant.code}: attach the product to one of its sub-models.",
            )
        allowed = variant.owned_at(level, family_attributes)
        ancestors = [plan.parent.parent, plan.parent] if plan.parent.parent_id else [plan.parent]
        for depth, model in enumerate(ancestors):
            for code in variant.owned_at(depth, family_attributes):
                owners[code] = f"product model {model.code}"
    else:
        allowed = family_attributes

    previous = product.values if product else {}
    if product and product.family.code != family:
        previous = {
            c: s for c, s in previous.items() if c in allowed
        }  # values of the old family go
    changes, errors = catalog.clean_values(
        item.get("values", {}), allowed=allowed, previous=previous, owners=owners
    )
    for path, code, message in errors:
        outcome.fail(path, code, message)
    plan.values = merge_values(previous, changes)
    plan.family = family
    if variant:
        axes = variant.axes[variant.depth]
        missing = [a for a in axes if "|" not in plan.values.get(a, {})]
        for axis in missing:
            outcome.fail(
                f"values.{axis}", "axis_required", f"{axis} is a variant axis: give it a value."
            )
        plan.axis_key = ";".join(
            f"{a}={json.dumps(plan.values.get(a, {}).get('|'), sort_keys=True)}" for a in axes
        )
        levels = [m.values for m in ancestors]
        plan.effective = inherit(*levels, plan.values)
    else:
        plan.effective = plan.values


def _check_unique(plans: list[_Plan], catalog: Catalog) -> None:
    """A unique attribute's value may be held by one product only, in this batch or stored."""
    unique = {c for c, a in catalog.attributes.items() if a.is_unique}
    claims: dict[tuple[str, str], _Plan] = {}
    for plan in plans:
        if not plan.outcome.ok:
            continue
        for code in unique & plan.values.keys():
            value = plan.values[code].get("|")
            if value is None:
                continue
            claim = (code, str(value))
            if claim in claims:
                plan.outcome.fail(
                    f"values.{code}",
                    "duplicate_value",
                    f"{value!r} is also given to item {claims[claim].outcome.index}.",
                )
            else:
                claims[claim] = plan
    if not claims:
        return
    taken = UniqueValue.objects.filter(
        attribute__code__in={c for c, _ in claims}, value__in={v for _, v in claims}
    ).values_list("attribute__code", "value", "product_id", "product__sku")
    for code, value, product_id, sku in taken:
        plan = claims.get((code, value))
        if plan and plan.outcome.ok and (plan.product is None or plan.product.pk != product_id):
            plan.outcome.fail(
                f"values.{code}", "duplicate_value", f"{value!r} is already the {code} of {sku}."
            )


def _check_axes(plans: list[_Plan]) -> None:
    """Two variants of one product model never share the same axis values."""
    claims: dict[tuple[int, str], _Plan] = {}
    for plan in plans:
        if plan.outcome.ok and plan.parent:
            claim = (plan.parent.pk, plan.axis_key)
            if claim in claims:
                plan.outcome.fail(
                    "values",
                    "axis_combination_taken",
                    f"Item {claims[claim].outcome.index} has the same variant axis values.",
                )
            else:
                claims[claim] = plan
    if not claims:
        return
    taken = Product.objects.filter(
        parent_id__in={p for p, _ in claims}, axis_key__in={k for _, k in claims}
    ).values_list("parent_id", "axis_key", "pk", "sku")
    for parent_id, axis_key, pk, sku in taken:
        plan = claims.get((parent_id, axis_key))
        if plan and plan.outcome.ok and (plan.product is None or plan.product.pk != pk):
            plan.outcome.fail(
                "values",
                "axis_combination_taken",
                f"{sku} already has these variant axis values under {plan.parent.code}.",
            )


def _write(plans: list[_Plan], catalog: Catalog) -> None:
    now = timezone.now()
    families = catalog.ids["family"]
    new, changed = [], []
    for plan in plans:
        item, product = plan.item, plan.product
        fields = {
            "sku": item["sku"].strip(),
            "family_id": families[plan.family],
            "parent": plan.parent,
            "axis_key": plan.axis_key,
            "values": plan.values,
            "search_text": catalog.search_text(item["sku"].strip(), plan.effective),
        }
        if product is None:
            product = Product(
                sku_key=plan.key,
                is_enabled=item.get("enabled", True),
                created_at=now,
                updated_at=now,
                **fields,
            )
            new.append(product)
            plan.outcome.status = 201
        else:
            for name, value in fields.items():
                setattr(product, name, value)
            if "enabled" in item:
                product.is_enabled = item["enabled"]
            # An approved product edited becomes a new draft; channels keep its snapshot.
            product.workflow_state = workflow.after_edit(product.workflow_state)
            product.version += 1
            product.updated_at = now
            changed.append(product)
            plan.outcome.status = 200
        plan.product = plan.outcome.product = product
    _insert_rows(new)
    _update_rows(changed)
    _write_categories([p for p in plans if p.category_ids is not None])
    associations_replace(
        {p.product.pk: p.associations for p in plans if p.associations is not None}
    )
    _write_unique_values(plans, catalog)
    completeness_replace([(p.product, p.family, p.effective) for p in plans], catalog)
    audit_many(_audit_entries(plans), json_ready=True)  # one insert for the batch
    if plans:
        products_changed.send(
            sender=Product, product_ids=[p.product.pk for p in plans], product_model_ids=[]
        )


UPDATED_FIELDS = (
    "sku",
    "family",
    "parent",
    "axis_key",
    "values",
    "search_text",
    "is_enabled",
    "workflow_state",
    "version",
    "updated_at",
)


INSERTED_FIELDS = (
    "created_at",
    "updated_at",
    "values",
    "version",
    "search_text",
    "sku",
    "sku_key",
    "family",
    "parent",
    "axis_key",
    "is_enabled",
    "workflow_state",
)


def _insert_rows(products: list[Product]) -> None:
    """New products; on PostgreSQL by COPY, with ids reserved from the table's sequence first."""
    if connection.vendor != "postgresql" or len(products) < 2:
        Product.objects.bulk_create(products)
        return
    table = Product._meta.db_table
    fields = [Product._meta.get_field(name) for name in INSERTED_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(products)],
        )
        for product, (pk,) in zip(products, cursor.fetchall(), strict=True):
            product.pk = product.id = pk
            product._state.adding = False
        columns = ", ".join(["id", *(f.column for f in fields)])
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for product in products:
                row = [product.pk]
                for f in fields:
                    value = getattr(product, f.attname)
                    row.append(orjson.dumps(value).decode() if f.name == "values" else value)
                copy.write_row(row)


def _update_rows(products: list[Product]) -> None:
    """UPDATE … WHERE id = %s, once per product in one pipelined executemany.

    Django's bulk_update builds a CASE WHEN per field and row: for a thousand products that took
    longer than validating them.
    """
    if not products:
        return
    fields = [Product._meta.get_field(name) for name in UPDATED_FIELDS]
    table = connection.ops.quote_name(Product._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    rows = [
        [f.get_db_prep_save(getattr(p, f.attname), connection) for f in fields] + [p.pk]
        for p in products
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)


def _write_categories(plans: list[_Plan]) -> None:
    links = Product.categories.through
    links.objects.filter(product_id__in=[p.product.pk for p in plans]).delete()
    links.objects.bulk_create(
        [links(product_id=p.product.pk, category_id=c) for p in plans for c in p.category_ids]
    )


def _write_unique_values(plans: list[_Plan], catalog: Catalog) -> None:
    unique = {c: a.pk for c, a in catalog.attributes.items() if a.is_unique}
    if not unique:
        return
    UniqueValue.objects.filter(product_id__in=[p.product.pk for p in plans]).delete()
    UniqueValue.objects.bulk_create(
        [
            UniqueValue(
                attribute_id=unique[code], value=str(p.values[code]["|"]), product_id=p.product.pk
            )
            for p in plans
            for code in unique.keys() & p.values.keys()
            if "|" in p.values[code]
        ]
    )
