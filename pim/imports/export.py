"""The whole catalog as rows in the import layout, streamed in keyset chunks: what
products_import reads back into an identical catalog.

Only values in use get a column: a first pass asks the database which (attribute, value key,
currency) the exported rows hold (one DISTINCT over the JSON keys on PostgreSQL), so a catalog of
many attributes × channels × locales does not write thousands of empty cells per row. Columns
keep the catalog's order (attribute sort order and code, channels, locales, currencies sorted).
"""

from collections.abc import Iterator

from django.db import connection

from pim import selectors
from pim.catalog import Catalog
from pim.models import Association, AssociationType, AttributeType, Product, ProductModel
from pim.values import split_key, value_key

CHUNK = 1000
FIELDS = {
    "products": ["sku", "family", "parent", "categories", "enabled"],
    "product_models": ["code", "family_variant", "parent", "categories"],
}
MODELS = {"products": Product, "product_models": ProductModel}
# (attribute, value key, currency of a price or NULL) held by a table's rows, on PostgreSQL.
IN_USE_SQL = """
SELECT DISTINCT a.key, s.key, CASE WHEN a.key = ANY(%s) THEN p ->> 'currency' END
FROM {table} t
CROSS JOIN LATERAL jsonb_each(t.{column}) a
CROSS JOIN LATERAL jsonb_each(a.value) s
LEFT JOIN LATERAL jsonb_array_elements(
    CASE WHEN a.key = ANY(%s) AND jsonb_typeof(s.value) = 'array' THEN s.value ELSE '[]' END
) p ON TRUE
WHERE jsonb_typeof(t.{column}) = 'object' AND jsonb_typeof(a.value) = 'object'
"""


def catalog_export(kind: str = "products") -> tuple[list[str], Iterator[dict[int, str]]]:
    """(header, rows) of every product (or product model, roots first), a column per value in
    use, each row its filled cells by column position (TableWriter.write_sparse: a catalog may
    hold thousands of columns, a row a few dozen values); one query for the columns, then a
    constant number per chunk of a thousand, and one chunk in memory at a time."""
    if kind not in FIELDS:
        raise ValueError(f"Cannot export {kind!r}.")
    catalog = selectors.catalog_load()
    columns = _value_columns(catalog, _values_in_use(catalog, MODELS[kind]))
    header = list(FIELDS[kind])
    association_types = []
    if kind == "products":
        association_types = list(
            AssociationType.objects.order_by("code").values_list("code", "is_quantified")
        )
        for code, _ in association_types:
            header += [f"{code}-products", f"{code}-product_models"]
    header += [name for name, *_ in columns]
    slots = _slots(catalog, columns, first=len(header) - len(columns))
    rows = _product_rows(slots, association_types) if kind == "products" else _model_rows(slots)
    return header, rows


def _values_in_use(catalog: Catalog, model) -> dict[tuple[str, str], set[str]]:
    """{(attribute, value key): currencies of its prices} over every row of the table."""
    prices = [code for code, a in catalog.attributes.items() if a.type == AttributeType.PRICE]
    used: dict[tuple[str, str], set[str]] = {}
    if connection.vendor == "postgresql":
        sql = IN_USE_SQL.format(
            table=connection.ops.quote_name(model._meta.db_table),
            column=connection.ops.quote_name(model._meta.get_field("values").column),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [prices, prices])
            for code, key, currency in cursor.fetchall():
                found = used.setdefault((code, key), set())
                if currency is not None:
                    found.add(currency)
        return used
    # Elsewhere (SQLite in tests): the same answer from a streamed pass over the values.
    prices = set(prices)
    for values in model.objects.values_list("values", flat=True).iterator(chunk_size=CHUNK):
        for code, scopes in (values or {}).items():
            if not isinstance(scopes, dict):
                continue
            for key, data in scopes.items():
                found = used.setdefault((code, key), set())
                if code in prices and isinstance(data, list):
                    found.update(p.get("currency") for p in data if isinstance(p, dict))
                    found.discard(None)
    return used


def _value_columns(
    catalog: Catalog, used: dict[tuple[str, str], set[str]]
) -> list[tuple[str, str, str, str | None]]:
    """(column, attribute, value key, part) for every value in use that the catalog can hold:
    part is the attribute's type, "amount"/"unit" a metric's halves, a currency code one price.
    Values the catalog no longer allows (an attribute, channel or locale since removed) are
    left out, as the import would refuse them."""
    columns = []
    currencies = sorted(catalog.context.active_currencies)
    locales = sorted(catalog.active_locales)
    in_use: dict[str, set[str]] = {}
    for code, key in used:
        in_use.setdefault(code, set()).add(key)
    for code in sorted(
        (code for code in in_use if code in catalog.attributes),
        key=lambda code: (catalog.attributes[code].sort_order, code),
    ):
        attribute, keys = catalog.attributes[code], in_use[code]
        scopes: list[tuple[str | None, str | None]] = []
        if attribute.is_scopable:
            for channel in sorted(
                {split_key(key)[0] for key in keys} & catalog.channel_locales.keys()
            ):
                if attribute.is_localizable:
                    scopes += [(channel, locale) for locale in catalog.channel_locales[channel]]
                else:
                    scopes.append((channel, None))
        elif attribute.is_localizable:
            scopes = [(None, locale) for locale in locales]
        else:
            scopes = [(None, None)]
        for channel, locale in scopes:
            key = value_key(channel, locale)
            if key not in keys:
                continue
            name = "-".join(part for part in (code, locale, channel) if part)
            if attribute.type == AttributeType.METRIC:
                columns += [(name, code, key, "amount"), (f"{name}-unit", code, key, "unit")]
            elif attribute.type == AttributeType.PRICE:
                held = used[(code, key)]
                columns += [(f"{name}-{c}", code, key, c) for c in currencies if c in held]
            else:
                columns.append((name, code, key, attribute.type))
    return columns


# How a value fills its cell(s): plain text, yes/no, codes, a metric's two cells, prices.
TEXT, BOOLEAN, CODES, METRIC, PRICES = range(5)
MODES = {
    AttributeType.BOOLEAN: BOOLEAN,
    AttributeType.MULTISELECT: CODES,
    AttributeType.METRIC: METRIC,
    AttributeType.PRICE: PRICES,
}


def _slots(catalog: Catalog, columns, first: int) -> dict[str, dict[str, tuple]]:
    """{attribute: {value key: (mode, cell index, or {currency: cell index} for prices)}}: a
    row is filled from the values it holds, never by visiting every column."""
    slots: dict[str, dict[str, tuple]] = {}
    for index, (_, code, key, part) in enumerate(columns, start=first):
        mode = MODES.get(catalog.attributes[code].type, TEXT)
        scopes = slots.setdefault(code, {})
        if mode == PRICES:
            scopes.setdefault(key, (mode, {}))[1][part] = index
        elif part != "unit":  # a metric's unit is the cell after its amount
            scopes[key] = (mode, index)
    return slots


def _fill(cells: dict[int, str], values: dict, slots: dict) -> dict[int, str]:
    """The row's value cells, by position, from the values it holds."""
    for code, scopes in values.items():
        held = slots.get(code)
        if held is None:
            continue
        for key, data in scopes.items():
            slot = held.get(key)
            if slot is None or data is None:
                continue
            mode, index = slot
            if mode == TEXT:
                cells[index] = str(data)
            elif mode == BOOLEAN:
                cells[index] = "1" if data else "0"
            elif mode == CODES:
                cells[index] = ",".join(data)
            elif mode == METRIC:
                cells[index], cells[index + 1] = str(data["amount"]), str(data["unit"])
            else:
                for price in data:
                    at = index.get(price["currency"])
                    if at is not None and at not in cells:  # the first of a currency
                        cells[at] = price["amount"]
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


def _product_rows(slots, association_types) -> Iterator[dict[int, str]]:
    rows = Product.objects.values_list(
        "pk", "sku", "family__code", "parent__code", "is_enabled", "values"
    )
    quantified = dict(association_types)
    for chunk in _chunks(rows):
        # A keyset page holds every product of its id range: a range, not a thousand ids.
        ids = {"gte": chunk[0][0], "lte": chunk[-1][0]}
        categories = _categories(Product.categories.through, "product_id", ids)
        links: dict[int, dict] = {}
        for source, kind, sku, model, quantity in (
            Association.objects.filter(source_id__gte=ids["gte"], source_id__lte=ids["lte"])
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
            row = {
                0: sku,
                1: family,
                2: parent or "",
                3: ",".join(categories.get(pk, ())),
                4: "1" if enabled else "0",
            }
            mine = links.get(pk)
            if mine is not None:
                at = len(FIELDS["products"])
                for n, (code, _) in enumerate(association_types):
                    row[at + 2 * n] = ",".join(mine.get((code, "products"), ()))
                    row[at + 2 * n + 1] = ",".join(mine.get((code, "product_models"), ()))
            yield _fill(row, values, slots) if values else row


def _model_rows(slots) -> Iterator[dict[int, str]]:
    """Root models first: a sub-model's parent must exist when it is imported."""
    for roots in (True, False):
        rows = ProductModel.objects.filter(parent__isnull=roots).values_list(
            "pk", "code", "family_variant__code", "parent__code", "values"
        )
        for chunk in _chunks(rows):
            categories = _categories(
                ProductModel.categories.through, "productmodel_id", {"in": [r[0] for r in chunk]}
            )
            for pk, code, variant, parent, values in chunk:
                row = {0: code, 1: variant, 2: parent or "", 3: ",".join(categories.get(pk, ()))}
                yield _fill(row, values, slots) if values else row


def _categories(through, column: str, ids: dict) -> dict[int, list[str]]:
    """Category codes by owner, the owners given as lookups on the id (in, or gte and lte)."""
    found: dict[int, list[str]] = {}
    for owner, code in (
        through.objects.filter(**{f"{column}__{lookup}": v for lookup, v in ids.items()})
        .order_by("category__code")
        .values_list(column, "category__code")
    ):
        found.setdefault(owner, []).append(code)
    return found
