"""Header conventions and mappings (pim.imports.columns) and cell conversion (pim.imports.cells)."""

import pytest

from pim import selectors
from pim.imports import ColumnTarget, header_resolve
from pim.imports.cells import RowConverter
from pim.services import catalog as catalog_services


@pytest.fixture
def links(catalog):
    catalog_services.association_type_save(code="x_sell", changes={})
    catalog_services.association_type_save(code="pack", changes={"is_quantified": True})


def resolve(header, **kwargs):
    return header_resolve(header, catalog=selectors.catalog_load(), **kwargs)


def test_every_convention_resolves(links):
    header = [
        "sku",
        "family",
        "parent",
        "categories",
        "enabled",
        "groups",
        "X_SELL-products",
        "x_sell-product_models",
        "media-packshot",
        "ean",
        "name-fr_FR",
        "description-en_US-ecommerce",
        "description-ecommerce-fr_FR",
        "price-ecommerce-EUR",
        "weight",
        "weight-unit",
    ]
    targets, errors = resolve(header)
    assert errors == []
    by_column = {t.column: t for t in targets}
    assert by_column["sku"] == ColumnTarget("sku", "sku")
    assert by_column["groups"].target == "groups"
    assert by_column["X_SELL-products"] == ColumnTarget(
        "X_SELL-products", "association", association="x_sell", role="products"
    )
    assert by_column["x_sell-product_models"].role == "product_models"
    assert by_column["media-packshot"] == ColumnTarget(
        "media-packshot", "media_url", role="packshot"
    )
    assert by_column["name-fr_FR"] == ColumnTarget(
        "name-fr_FR", "value", attribute="name", locale="fr_FR"
    )
    assert by_column["description-ecommerce-fr_FR"] == ColumnTarget(
        "description-ecommerce-fr_FR",
        "value",
        attribute="description",
        locale="fr_FR",
        channel="ecommerce",
    )
    assert by_column["price-ecommerce-EUR"] == ColumnTarget(
        "price-ecommerce-EUR", "value", attribute="price", channel="ecommerce", currency="EUR"
    )
    assert by_column["weight-unit"] == ColumnTarget("weight-unit", "unit", attribute="weight")


@pytest.mark.parametrize(
    ("column", "code"),
    [
        ("nothing", "unknown_column"),
        ("name-xx_XX", "unknown_suffix"),
        ("name", "locale_required"),
        ("ean-en_US", "unknown_suffix"),
        ("price-EUR", "channel_required"),
        ("price-ecommerce-GBP", "unknown_suffix"),
        ("description-de_DE-ecommerce", "locale_not_in_channel"),
        ("weight-unit-unit", "unknown_suffix"),
        ("nope-products", "unknown_association_type"),
    ],
)
def test_header_problems_are_row_one_errors(links, column, code):
    targets, errors = resolve(["sku", column])
    assert [(e.row, e.column, e.code) for e in errors] == [(1, column, code)]
    assert targets[1].target == "ignore"


def test_a_missing_identifier_and_duplicate_columns(catalog):
    _, errors = resolve(["family", "ean", " ean"])
    assert {(e.column, e.code) for e in errors} == {
        (" ean", "duplicate_column"),
        ("sku", "required"),
    }
    _, errors = resolve(["sku", "family_variant"], kind="product_models")
    assert [e.code for e in errors] == ["unknown_column", "required"]  # models: "code"
    _, errors = resolve(["code", "family_variant", "parent", "categories"], kind="product_models")
    assert errors == []


def test_a_mapping_overrides_columns(catalog):
    mapping = {
        "columns": {
            "Article": {"target": "sku"},
            "Gewicht": {
                "target": "value",
                "attribute": "weight",
                "transforms": [{"name": "unit", "unit": "kilogram"}],
            },
            "Farbe": {
                "target": "value",
                "attribute": "color",
                "transforms": [{"name": "term_label", "locale": "en_US"}],
            },
            "Notes": {"target": "ignore"},
        }
    }
    targets, errors = resolve(["Article", "Gewicht", "Farbe", "Notes"], mapping=mapping)
    assert errors == []
    assert [t.target for t in targets] == ["sku", "value", "value", "ignore"]
    assert targets[1].transforms == ({"name": "unit", "unit": "kilogram"},)


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ({"target": "elsewhere"}, "invalid_mapping"),
        ({"target": "value", "attribute": "nope"}, "unknown_attribute"),
        ({"target": "value", "attribute": "name"}, "locale_required"),
        ({"target": "unit", "attribute": "pieces"}, "not_a_metric"),
        (
            {"target": "value", "attribute": "pieces", "transforms": [{"name": "x"}]},
            "invalid_transform",
        ),
        (
            {
                "target": "value",
                "attribute": "pieces",
                "transforms": [{"name": "term_label", "locale": "en_US"}],
            },
            "invalid_transform",
        ),
        ({"target": "media_url"}, "role_required"),
        ({"target": "family_variant"}, "invalid_mapping"),
    ],
)
def test_bad_mappings_are_header_errors(catalog, spec, code):
    _, errors = resolve(["sku", "Source"], mapping={"columns": {"Source": spec}})
    assert [(e.row, e.column, e.code) for e in errors] == [(1, "Source", code)]


def convert(header, cells, **kwargs):
    catalog = selectors.catalog_load()
    targets, errors = header_resolve(header, catalog=catalog, mapping=kwargs.pop("mapping", None))
    assert errors == []
    return RowConverter(targets, catalog, **kwargs).convert(2, cells)


def test_cells_become_api_values(links):
    header = [
        "sku",
        "enabled",
        "categories",
        "organic",
        "materials",
        "weight",
        "price-ecommerce-EUR",
        "price-ecommerce-USD",
        "pack-products",
        "media-packshot",
        "pieces",
        "name-en_US",
    ]
    cells = [
        "A-1",
        "no",
        "shoes, men ,",
        "TRUE",
        "cotton,wool",
        "12.5 KILOGRAM",
        "19.90",
        "'-3",
        "B-1:2,C-1",
        "https://x.test/a.jpg, https://x.test/b.jpg",
        "",
        "'=SUM(1)",
    ]
    item, media, errors = convert(header, cells)
    assert errors == []
    assert item == {
        "sku": "A-1",
        "enabled": False,
        "categories": ["shoes", "men"],
        "values": {
            "organic": [{"channel": None, "locale": None, "data": True}],
            "materials": [{"channel": None, "locale": None, "data": ["cotton", "wool"]}],
            "weight": [
                {"channel": None, "locale": None, "data": {"amount": "12.5", "unit": "kilogram"}}
            ],
            "price": [
                {
                    "channel": "ecommerce",
                    "locale": None,
                    "data": [
                        {"amount": "19.90", "currency": "EUR"},
                        {"amount": "-3", "currency": "USD"},
                    ],
                }
            ],
            "name": [{"channel": None, "locale": "en_US", "data": "=SUM(1)"}],
        },
        "associations": {
            "pack": {"products": [{"product": "B-1", "quantity": 2}, {"product": "C-1"}]}
        },
    }
    assert media == {"packshot": ["https://x.test/a.jpg", "https://x.test/b.jpg"]}


def test_a_metric_takes_its_unit_column_or_a_fixed_unit(catalog):
    item, _, errors = convert(["sku", "weight", "weight-unit"], ["A", "3", "GRAM"])
    assert item["values"]["weight"][0]["data"] == {"amount": "3", "unit": "gram"}
    mapping = {
        "columns": {
            "weight": {
                "target": "value",
                "attribute": "weight",
                "transforms": [{"name": "unit", "unit": "kilogram"}],
            }
        }
    }
    item, _, errors = convert(["sku", "weight"], ["A", "3"], mapping=mapping)
    assert item["values"]["weight"][0]["data"] == {"amount": "3", "unit": "kilogram"}
    _, _, errors = convert(["sku", "weight"], ["A", "3"])
    assert [(e.column, e.code) for e in errors] == [("weight", "unit_required")]


def test_transforms(catalog):
    from governance import services as governance
    from governance.models import Term

    for code, label in (("red", "Rouge vif"), ("blue", "Bleu")):
        governance.term_update(
            term=Term.objects.get(vocabulary__code="colors", code=code),
            changes={"labels": {"fr_FR": label}},
        )
    mapping = {
        "columns": {
            "SKU": {"target": "sku", "transforms": [{"name": "trim"}]},
            "Couleur": {
                "target": "value",
                "attribute": "color",
                "transforms": [{"name": "term_label", "locale": "fr_FR"}],
            },
            "Matières": {
                "target": "value",
                "attribute": "materials",
                "transforms": [{"name": "split", "separator": "|"}],
            },
            "Sortie": {
                "target": "value",
                "attribute": "release",
                "transforms": [{"name": "date", "format": "%d/%m/%Y"}],
            },
        }
    }
    header = ["SKU", "Couleur", "Matières", "Sortie"]
    item, _, errors = convert(
        header, ["  A-1 ", "ROUGE VIF", "cotton|linen", "31/12/2024"], mapping=mapping
    )
    assert errors == []
    assert item["sku"] == "A-1"
    assert item["values"]["color"][0]["data"] == "red"
    assert item["values"]["materials"][0]["data"] == ["cotton", "linen"]
    assert item["values"]["release"][0]["data"] == "2024-12-31"
    _, _, errors = convert(header, ["A-1", "Violet", "", "2024-12-31"], mapping=mapping)
    assert {(e.column, e.code, e.value) for e in errors} == {
        ("Couleur", "unknown_term_label", "Violet"),
        ("Sortie", "invalid_date", "2024-12-31"),
    }


def test_bad_cells_are_cell_errors(catalog):
    _, _, errors = convert(["sku", "enabled", "organic", "groups"], ["A", "maybe", "2", "promo"])
    assert [(e.row, e.column, e.code) for e in errors] == [
        (2, "enabled", "not_a_boolean"),
        (2, "groups", "groups_unsupported"),
        (2, "organic", "not_a_boolean"),
    ]
