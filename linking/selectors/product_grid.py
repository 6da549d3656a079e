"""The workbench's product grid: filters, sort and keyset pages over the products a person may
see, in a fixed number of queries whatever the page size (the page, then completeness, media
readiness and categories of its rows)."""

import base64
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from governance.models import Category
from linking.models import MediaReadiness
from pim import selectors as pim_selectors
from pim.api.filters import product_filter
from pim.models import Completeness, Family, Product
from pim.policies import product_policy
from pim.values import value_key

# Sort name → the ordered expression (a field, or the annotation made in `_sorted`).
SORTS = {
    "sku": "sku_key",
    "family": "family__code",
    "state": "workflow_state",
    "completeness": "grid_ratio",
    "updated": "updated_at",
}


@dataclass
class GridQuery:
    """What the grid shows, as read from the query string (see linking/views/products.py)."""

    q: str = ""
    family: str = ""
    category: str = ""
    state: str = ""
    channel: str = ""
    locale: str = ""
    completeness: str = ""  # "", "complete", "incomplete"
    missing_media: bool = False
    sort: str = "sku"
    descending: bool = False
    after: str = ""  # cursor: the page starts after this row
    before: str = ""  # cursor: the page ends before this row
    limit: int = 50


@dataclass
class GridRow:
    id: int
    sku: str
    name: str
    family: str
    state: str
    enabled: bool
    updated_at: datetime
    completeness: int | None = None
    missing: list[str] = field(default_factory=list)
    readiness: int | None = None
    categories: list[str] = field(default_factory=list)


@dataclass
class GridPage:
    rows: list[GridRow]
    next_cursor: str = ""
    previous_cursor: str = ""


def encode_cursor(value, pk: int) -> str:
    raw = orjson.dumps([value.isoformat() if isinstance(value, datetime) else value, pk])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str):
    """(value, id) of a cursor; None when it is not one of ours (the first page is shown)."""
    try:
        value, pk = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if sort == "updated":
            value = datetime.fromisoformat(value)
        if not isinstance(pk, int) or isinstance(value, (list, dict)):
            return None
        return value, pk
    except (ValueError, TypeError, orjson.JSONDecodeError):
        return None


def grid_queryset(user, query: GridQuery, ids: dict):
    """The products the person may see, filtered (no order yet). `ids`: the catalog's code → id
    maps, so channel and locale filters need no join."""
    products = product_policy.visible(user, Product.objects.all())
    params = {}
    if query.q:
        params["q"] = query.q  # pim's full-text search (tsvector on PostgreSQL) or SKU prefix
    if query.family:
        params["family"] = query.family
    if query.category:
        params.update(categories=query.category, categories_include_children="true")
    products = product_filter(products, params, pim_selectors.catalog_load)
    if query.state:
        products = products.filter(workflow_state=query.state)
    channel_id = ids["channel"].get(query.channel)
    locale_id = ids["locale"].get(query.locale)
    if channel_id and locale_id:
        scope = {"product_id": OuterRef("pk"), "channel_id": channel_id, "locale_id": locale_id}
        if query.completeness == "complete":
            products = products.filter(Exists(Completeness.objects.filter(ratio=100, **scope)))
        elif query.completeness == "incomplete":
            products = products.filter(Exists(Completeness.objects.filter(ratio__lt=100, **scope)))
        if query.missing_media:
            products = products.filter(
                Exists(MediaReadiness.objects.filter(score__lt=100, **scope))
            )
    return products


def _sorted(products, query: GridQuery, ids: dict):
    """Sorting by completeness joins the chosen channel × locale's row once (a hash join, then
    a top-N sort) rather than running a subquery per product; no row sorts as -1."""
    if query.sort == "completeness":
        scoped = FilteredRelation(
            "completeness",
            condition=Q(
                completeness__channel_id=ids["channel"].get(query.channel),
                completeness__locale_id=ids["locale"].get(query.locale),
            ),
        )
        products = products.annotate(grid_scope=scoped).annotate(
            grid_ratio=Coalesce(F("grid_scope__ratio"), Value(-1))
        )
    return products


def grid_page(user, query: GridQuery) -> GridPage:
    """One keyset page: `limit` rows after `after` (or before `before`) in the chosen order,
    ties broken by id. The `key >= v AND (key > v OR id > pk)` form lets PostgreSQL walk an
    index from the cursor instead of counting rows from the start (no OFFSET)."""
    catalog = pim_selectors.catalog_load()
    key = SORTS.get(query.sort, "sku_key")
    products = _sorted(grid_queryset(user, query, catalog.ids), query, catalog.ids)
    backwards = bool(query.before) and not query.after
    cursor = decode_cursor(query.before if backwards else query.after, query.sort)
    ascending = query.descending == backwards  # walking back reverses the order
    if cursor is not None:
        value, pk = cursor
        if ascending:
            products = products.filter(**{f"{key}__gte": value}).filter(
                Q(**{f"{key}__gt": value}) | Q(pk__gt=pk)
            )
        else:
            products = products.filter(**{f"{key}__lte": value}).filter(
                Q(**{f"{key}__lt": value}) | Q(pk__lt=pk)
            )
    order = [key, "pk"] if ascending else [f"-{key}", "-pk"]
    fields = ["pk", "sku", "family__code", "family__label_attribute__code", "workflow_state"]
    fields += ["is_enabled", "updated_at", "values", key]
    raw = list(products.order_by(*order).values(*dict.fromkeys(fields))[: query.limit + 1])
    more = len(raw) > query.limit
    raw = raw[: query.limit]
    if backwards:
        raw.reverse()
    page = GridPage(_rows(raw, query, catalog))
    if raw:
        first, last = raw[0], raw[-1]
        if more or backwards:
            page.next_cursor = encode_cursor(last[key], last["pk"])
        if (more and backwards) or (cursor is not None and not backwards):
            page.previous_cursor = encode_cursor(first[key], first["pk"])
    return page


def _rows(raw: list[dict], query: GridQuery, catalog) -> list[GridRow]:
    """Rows with their name in the chosen locale, completeness and readiness on the chosen
    channel × locale, and categories: three more queries for the whole page."""
    rows = [
        GridRow(
            id=item["pk"],
            sku=item["sku"],
            name=_name(item["values"] or {}, item["family__label_attribute__code"], query, catalog),
            family=item["family__code"],
            state=item["workflow_state"],
            enabled=item["is_enabled"],
            updated_at=item["updated_at"],
        )
        for item in raw
    ]
    by_id = {row.id: row for row in rows}
    channel_id = catalog.ids["channel"].get(query.channel)
    locale_id = catalog.ids["locale"].get(query.locale)
    if by_id and channel_id and locale_id:
        scope = {"product_id__in": list(by_id), "channel_id": channel_id, "locale_id": locale_id}
        for pk, ratio, missing in Completeness.objects.filter(**scope).values_list(
            "product_id", "ratio", "missing"
        ):
            by_id[pk].completeness = ratio
            by_id[pk].missing = missing.split(",") if missing else []
        for pk, score in MediaReadiness.objects.filter(**scope).values_list("product_id", "score"):
            by_id[pk].readiness = score
    categories = defaultdict(list)
    if by_id:
        for pk, code in Product.categories.through.objects.filter(
            product_id__in=list(by_id)
        ).values_list("product_id", "category__code"):
            categories[pk].append(code)
    for row in rows:
        row.categories = sorted(categories[row.id])
    return rows


def _name(values: dict, label: str | None, query: GridQuery, catalog) -> str:
    """The product's label attribute in the chosen locale (or unlocalized), else ""."""
    if not label or label not in values:
        return ""
    attribute = catalog.attributes.get(label)
    localizable = attribute is not None and attribute.is_localizable
    stored = values[label].get(value_key(None, query.locale if localizable else None))
    return stored if isinstance(stored, str) else ""


def grid_facets() -> dict:
    """Families and the category trees (indented by depth) for the filter form: two queries."""
    return {
        "families": list(Family.objects.order_by("code").values_list("code", flat=True)),
        "categories": list(Category.objects.order_by("path").values_list("code", "depth")),
    }
