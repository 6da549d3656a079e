"""The whole catalog as rows in the import layout, streamed in keyset chunks: what
products_import reads back into an identical catalog."""

from collections.abc import Iterator

from pim import selectors
from pim.catalog import Catalog
from pim.models import Association, AssociationType, AttributeType, Product, ProductModel
from pim.values import value_key

CHUNK = 1000
FIELDS = {
    "products": ["sku", "family", "parent", "categories", "enabled"],
    "product_models": ["code", "family_variant", "parent", "categories"],
}


def catalog_export(kind: str = "products") -> tuple[list[str], Iterator[list[str]]]:
    """(header, rows) of every product (or product model, roots first); a constant number of
    queries per chunk of a thousand, and one chunk in memory at a time."""
    if kind not in FIELDS:
        raise ValueError(f"Cannot export {kind!r}.")
    catalog = selectors.catalog_load()
    columns = _value_columns(catalog)
    header = list(FIELDS[kind])
    association_types = []
    if kind == "products":
        association_types = list(AssociationType.objects.values_list("code", "is_quantified"))
        for code, _ in association_types:
            header += [f"{code}-products", f"{code}-product_models"]
    header += [name for name, *_ in columns]
    rows = _product_rows(columns, association_types) if kind == "products" else _model_rows(columns)
    return header, rows


def _value_columns(catalog: Catalog) -> list[tuple[str, str, str, str | None]]:
    """(column, attribute, value key, part) for every value the catalog can hold: part None is
    the datum, "amount"/"unit" a metric's halves, a currency code one price."""
    columns = []
    currencies = sorted(catalog.context.active_currencies)
    locales = sorted(catalog.active_locales)
    for code, attribute in sorted(
        catalog.attributes.items(), key=lambda item: (item[1].sort_order, item[0])
    ):
        scopes: list[tuple[str | None, str | None]] = []
        if attribute.is_scopable:
            for channel, channel_locales in sorted(catalog.channel_locales.items()):
                if attribute.is_localizable:
                    scopes += [(channel, locale) for locale in channel_locales]
                else:
                    scopes.append((channel, None))
        elif attribute.is_localizable:
            scopes = [(None, locale) for locale in locales]
        else:
            scopes = [(None, None)]
        for channel, locale in scopes:
            name = "-".join(part for part in (code, locale, channel) if part)
            key = value_key(channel, locale)
            if attribute.type == AttributeType.METRIC:
                columns += [(name, code, key, "amount"), (f"{name}-unit", code, key, "unit")]
            elif attribute.type == AttributeType.PRICE:
                columns += [(f"{name}-{c}", code, key, c) for c in currencies]
            else:
                columns.append((name, code, key, attribute.type))
    return columns


def _cells(values: dict, columns) -> list[str]:
    cells = []
    for _, code, key, part in columns:
        data = values.get(code, {}).get(key) if code in values else None
        if data is None:
            cells.append("")
        elif part == "amount" or part == "unit":
            cells.append(str(data[part]))
        elif part == AttributeType.BOOLEAN:
            cells.append("1" if data else "0")
        elif part == AttributeType.MULTISELECT:
            cells.append(",".join(data))
        elif type(data) is list:  # a price: this column's currency
            cells.append(next((p["amount"] for p in data if p["currency"] == part), ""))
        else:
            cells.append(str(data))
    return cells


def _chunks(rows, key_index: int = 0):
    """Keyset pages of a values_list queryset ordered by pk."""
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][key_index]


def _product_rows(columns, association_types) -> Iterator[list[str]]:
    rows = Product.objects.values_list(
        "pk", "sku", "family__code", "parent__code", "is_enabled", "values"
    )
    quantified = dict(association_types)
    for chunk in _chunks(rows):
        ids = [row[0] for row in chunk]
        categories = _categories(Product.categories.through, "product_id", ids)
        links: dict[int, dict] = {}
        for source, kind, sku, model, quantity in (
            Association.objects.filter(source_id__in=ids)
            .order_by("pk")
            .values_list(
                "source_id",
                "association_type__code",
                "target_product__sku",
                "target_model__code",
                "quantity",
            )
        ):
            target = sku if sku is not None else model
            if quantified.get(kind):
                target = f"{target}:{quantity}"
            side = "products" if sku is not None else "product_models"
            links.setdefault(source, {}).setdefault((kind, side), []).append(target)
        for pk, sku, family, parent, enabled, values in chunk:
            mine = links.get(pk, {})
            row = [
                sku,
                family,
                parent or "",
                ",".join(categories.get(pk, ())),
                "1" if enabled else "0",
            ]
            for code, _ in association_types:
                row.append(",".join(mine.get((code, "products"), ())))
                row.append(",".join(mine.get((code, "product_models"), ())))
            yield row + _cells(values, columns)


def _model_rows(columns) -> Iterator[list[str]]:
    """Root models first: a sub-model's parent must exist when it is imported."""
    for roots in (True, False):
        rows = ProductModel.objects.filter(parent__isnull=roots).values_list(
            "pk", "code", "family_variant__code", "parent__code", "values"
        )
        for chunk in _chunks(rows):
            categories = _categories(
                ProductModel.categories.through, "productmodel_id", [row[0] for row in chunk]
            )
            for pk, code, variant, parent, values in chunk:
                row = [code, variant, parent or "", ",".join(categories.get(pk, ()))]
                yield row + _cells(values, columns)


def _categories(through, column: str, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for owner, code in (
        through.objects.filter(**{f"{column}__in": ids})
        .order_by("category__code")
        .values_list(column, "category__code")
    ):
        found.setdefault(owner, []).append(code)
    return found
