"""catalog_export writes a column per value in use, not per attribute × scope the catalog allows
(issue #9), in a stable order, and still round-trips. Runs on SQLite (a streamed pass over the
values) and on PostgreSQL (one DISTINCT over the JSON keys) alike."""

import pytest

from governance import services as governance
from pim.imports import catalog_export
from pim.services.product_models import product_model_save
from tests.pim.builders import attribute, save, value
from tests.pim.test_catalog_export import (
    by_name,
    empty_the_catalog,
    export_file,
    import_file,
    snapshot,
)

FIELDS = ["sku", "family", "parent", "categories", "enabled"]


@pytest.fixture
def sparse(catalog):
    """Wide attributes nobody fills, and products holding a few scopes each."""
    governance.channel_create(
        code="mobile", locales=["en_US", "fr_FR", "de_DE"], currencies=["EUR", "USD"]
    )
    for n in range(12):
        attribute(f"wide_{n}", type="text", is_localizable=True, is_scopable=True)
    items = [
        {
            "sku": "B-2",
            "family": "shirts",
            "values": {
                "description": value("Lang", "print", "de_DE"),
                "weight": value({"amount": "2", "unit": "gram"}),
            },
        },
        {
            "sku": "A-1",
            "family": "shirts",
            "values": {
                "name": value("One", locale="en_US"),
                "price": value([{"amount": "9.90", "currency": "EUR"}], "ecommerce"),
                "organic": value(False),
                "materials": value(["linen"]),
            },
        },
        {"sku": "C-3", "family": "mugs"},
    ]
    for item in items:
        outcome = save(item)
        assert outcome.ok, outcome.errors
    product_model_save(
        data={
            "code": "tee",
            "family_variant": "shirts_by_color_size",
            "values": {"name": value("Tee", locale="fr_FR")},
        }
    )


def value_columns(kind):
    header, rows = catalog_export(kind)
    rows = [by_name(header, row) for row in rows]
    return header[len(FIELDS) if kind == "products" else 4 :], header, rows


def test_only_values_in_use_get_a_column(sparse):
    columns, _, rows = value_columns("products")
    # 12 wide attributes × 4 channel locales, other channels and currencies: none held
    assert columns == [
        "description-de_DE-print",
        "materials",
        "name-en_US",
        "organic",
        "price-ecommerce-EUR",  # no USD price is held, no mobile or print price
        "weight",
        "weight-unit",
    ]
    by_sku = {row["sku"]: row for row in rows}
    assert by_sku["A-1"]["price-ecommerce-EUR"] == "9.9" and by_sku["A-1"]["organic"] == "0"
    assert by_sku["A-1"]["materials"] == "linen" and by_sku["A-1"]["weight"] == ""
    assert (by_sku["B-2"]["weight"], by_sku["B-2"]["weight-unit"]) == ("2", "gram")
    assert by_sku["C-3"]["name-en_US"] == "" and by_sku["C-3"]["family"] == "mugs"
    models, _, _ = value_columns("product_models")
    assert models == ["name-fr_FR"]  # a model's columns are the models' values in use


def test_the_columns_keep_the_catalog_order_whatever_the_values_order(sparse):
    """Attribute (sort order, code), then channels sorted with each channel's locales, then
    currencies sorted: not the order in which products or their values were saved."""
    prices = [{"amount": "2", "currency": "USD"}, {"amount": "1", "currency": "EUR"}]
    outcome = save(
        {
            "sku": "D-4",
            "family": "shirts",
            "values": {
                "price": value(prices, "mobile") + value(prices, "ecommerce"),
                "name": value("Vier", locale="de_DE"),
                "description": value("Mob", "mobile", "en_US"),
            },
        }
    )
    assert outcome.ok, outcome.errors
    columns, _, _ = value_columns("products")
    assert columns == [
        "description-en_US-mobile",
        "description-de_DE-print",
        "materials",
        "name-de_DE",
        "name-en_US",
        "organic",
        "price-ecommerce-EUR",
        "price-ecommerce-USD",
        "price-mobile-EUR",
        "price-mobile-USD",
        "weight",
        "weight-unit",
    ]
    assert value_columns("products")[0] == columns  # the same catalog, the same header


def test_a_catalog_without_values_exports_the_fields_alone(catalog):
    save({"sku": "BARE", "family": "mugs"})
    header, rows = catalog_export("products")
    assert header == FIELDS and list(rows) == [{0: "BARE", 1: "mugs", 2: "", 3: "", 4: "1"}]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_the_sparse_export_round_trips(sparse, format):
    before = snapshot()
    models, products = export_file("product_models", format), export_file("products", format)
    empty_the_catalog()
    assert import_file(models, "product_models").created == 1
    counts = import_file(products, "products", batch_size=2)
    assert (counts.created, counts.errors) == (3, 0)
    assert snapshot() == before
    assert import_file(products, "products").unchanged == 3
