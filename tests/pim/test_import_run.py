"""products_import: batches through product_upsert_many, per-cell errors, dry run, idempotency,
unknown terms, product models."""

import pytest

from governance import services as governance
from governance.models import AuditRecord, ChangeRequest, Term
from pim.imports import CellError, products_import
from pim.models import Association, Product, ProductModel
from pim.services import catalog as catalog_services


def numbered(data):
    return [(number, cells) for number, cells in enumerate(data, start=2)]


def run(header, data, **kwargs):
    failed, saved = [], []
    counts = products_import(
        numbered(data),
        header,
        on_failed_row=lambda number, cells, errors: failed.append((number, errors)),
        on_saved_row=lambda entry, media: saved.append((entry, media)),
        **kwargs,
    )
    return counts, failed, saved


@pytest.fixture
def trees(catalog):
    governance.category_create(code="shirts_tree")
    governance.category_create(code="summer", parent="shirts_tree")
    catalog_services.association_type_save(code="x_sell", changes={})


HEADER = [
    "sku",
    "family",
    "categories",
    "enabled",
    "ean",
    "name-en_US",
    "price-ecommerce-EUR",
    "weight",
    "weight-unit",
    "color",
    "media-packshot",
]
GOOD = [
    "A-1",
    "shirts",
    "summer",
    "1",
    "1234567890123",
    "Shirt",
    "19.90",
    "250",
    "gram",
    "red",
    "https://img.test/a.jpg",
]


def test_a_mixed_file_commits_exactly_the_valid_rows(trees):
    data = [
        GOOD,
        ["A-2", "shirts", "", "1", "12", "Shirt 2", "abc", "1", "parsec", "purple", ""],
        ["A-3", "nope", "", "", "", "", "", "", "", "", ""],
        ["A-4", "shirts", "", "perhaps", "", "", "", "", "", "", ""],
        ["A-5", "mugs", "", "", "", "Mug", "", "", "", "", ""],
        ["A-6", "shirts", "winter", "", "", "", "", "", "", "", ""],
    ]
    counts, failed, saved = run(HEADER, data)
    assert (counts.rows, counts.created, counts.errors) == (6, 2, 4)
    assert set(Product.objects.values_list("sku", flat=True)) == {"A-1", "A-5"}
    errors = dict(failed)
    assert {(e.column, e.code, e.value) for e in errors[3]} == {
        ("ean", "regex", "12"),
        ("price-ecommerce-EUR", "not_a_number", "abc"),
        ("weight", "unit_not_allowed", "1"),
        ("color", "unknown_term", "purple"),
    }
    assert [(e.column, e.code) for e in errors[4]] == [("family", "unknown")]
    assert [(e.column, e.code) for e in errors[5]] == [("enabled", "not_a_boolean")]
    assert [(e.column, e.code, e.value) for e in errors[7]] == [("categories", "unknown", "winter")]
    assert all(isinstance(e, CellError) and e.row == n for n, es in failed for e in es)
    media = {entry.sku: urls for entry, urls in saved}
    assert media == {"A-1": {"packshot": ["https://img.test/a.jpg"]}, "A-5": {}}
    a1 = Product.objects.get(sku="A-1")
    assert a1.values["weight"]["|"]["unit"] == "gram"
    assert a1.values["price"]["ecommerce|"] == [{"amount": "19.9", "currency": "EUR"}]


def test_a_dry_run_validates_alike_and_writes_nothing(trees):
    data = [
        GOOD,
        ["A-2", "nope", "", "", "", "", "", "", "", "", ""],
        ["A-3", "shirts", "", "", "1234567890123", "", "", "", "", "", ""],
    ]
    audits = AuditRecord.objects.count()
    counts, failed, saved = run(HEADER, data, dry_run=True)
    assert (counts.created, counts.errors) == (1, 2)
    # the unique EAN is claimed twice in the file: the second claim fails, as in a commit
    assert [(n, [e.column for e in es]) for n, es in failed] == [(3, ["family"]), (4, ["ean"])]
    assert saved == []
    assert Product.objects.count() == 0 and AuditRecord.objects.count() == audits
    committed, failed_too, _ = run(HEADER, data)
    assert (committed.created, committed.errors) == (1, 2)
    assert failed_too == failed


def test_re_importing_changes_nothing_and_empty_cells_keep_values(trees):
    data = [GOOD, ["B-1", "shirts", "summer", "0", "", "Other", "", "", "", "blue", ""]]
    run(HEADER, data)
    versions = dict(Product.objects.values_list("sku", "version"))
    counts, failed, _ = run(HEADER, data)
    assert (counts.unchanged, counts.updated, counts.created, failed) == (2, 0, 0, [])
    counts, _, _ = run(HEADER, data, dry_run=True)
    assert counts.unchanged == 2
    assert dict(Product.objects.values_list("sku", "version")) == versions
    # Empty cells are "no change": only the name changes, nothing is erased.
    counts, _, _ = run(["sku", "name-en_US", "ean", "color"], [["A-1", "Renamed", "", ""]])
    assert counts.updated == 1
    a1 = Product.objects.get(sku="A-1")
    assert a1.values["name"]["|en_US"] == "Renamed"
    assert a1.values["ean"]["|"] == "1234567890123" and a1.values["color"]["|"] == "red"
    assert a1.version == versions["A-1"] + 1


def test_a_price_cell_changes_only_its_currency(trees):
    run(
        ["sku", "family", "price-ecommerce-EUR", "price-ecommerce-USD"],
        [["P", "shirts", "10", "12"]],
    )
    run(["sku", "price-ecommerce-EUR"], [["P", "11"]])
    assert Product.objects.get(sku="P").values["price"]["ecommerce|"] == [
        {"amount": "11", "currency": "EUR"},
        {"amount": "12", "currency": "USD"},
    ]


def test_associations_across_batches_and_error_columns(trees):
    header = ["sku", "family", "x_sell-products"]
    data = [
        ["S-1", "mugs", "S-3,S-2"],
        ["S-2", "mugs", ""],
        ["S-3", "mugs", "S-1"],
        ["S-4", "mugs", "S-1,ghost"],
    ]
    counts, failed, _ = run(header, data, batch_size=1, dry_run=True)
    assert (counts.created, counts.errors) == (3, 1)
    assert [(n, [(e.column, e.code) for e in es]) for n, es in failed] == [
        (5, [("x_sell-products", "unknown")])
    ]
    counts, failed, _ = run(header, data, batch_size=1)
    assert (counts.rows, counts.created, counts.errors) == (4, 3, 1)
    links = set(Association.objects.values_list("source__sku", "target_product__sku"))
    assert links == {("S-1", "S-3"), ("S-1", "S-2"), ("S-3", "S-1")}
    counts, _, _ = run(header, data[:3])
    assert counts.unchanged == 3


def test_unknown_terms_are_created_or_proposed(trees):
    header = ["sku", "family", "materials", "size"]
    sizes = Term.objects.get(vocabulary__code="sizes", code="s").vocabulary
    sizes.is_governed = True
    sizes.save()
    data = [["T-1", "shirts", "cotton,hemp", ""], ["T-2", "shirts", "", "xxl"]]
    counts, failed, _ = run(header, data, create_terms=True, dry_run=True)
    assert counts.created == 1 and not Term.objects.filter(code="hemp").exists()
    assert "would be proposed for review" in failed[0][1][0].message
    counts, failed, _ = run(header, data, create_terms=True)
    assert counts.created == 1
    assert Term.objects.filter(vocabulary__code="materials", code="hemp").exists()
    assert [(n, [(e.column, e.code) for e in es]) for n, es in failed] == [
        (3, [("size", "proposed")])
    ]
    assert "proposed for review" in failed[0][1][0].message
    assert ChangeRequest.objects.get().payload == {"code": "xxl"}
    run(header, data, create_terms=True)
    assert ChangeRequest.objects.count() == 1  # proposed once
    counts, failed, _ = run(header, [["T-3", "shirts", "silk", ""]])
    assert [(e.column, e.code) for e in failed[0][1]] == [("materials", "unknown_term")]


def test_product_models_then_variants(trees):
    models = [
        ["tee", "shirts_by_color_size", "", "summer", "", "Tee", ""],
        ["tee_red", "shirts_by_color_size", "tee", "", "red", "", ""],
        ["tee_blue", "shirts_by_color_size", "tee", "", "red", "", ""],
    ]
    header = ["code", "family_variant", "parent", "categories", "color", "name-en_US", "care-en_US"]
    counts, failed, _ = run(header, models, kind="product_models", dry_run=True)
    assert (counts.created, counts.errors) == (2, 1)
    assert ProductModel.objects.count() == 0
    counts, failed, _ = run(header, models, kind="product_models")
    assert (counts.created, counts.errors) == (2, 1)
    assert [(e.column, e.code) for e in failed[0][1]] == [("", "axis_combination_taken")]
    counts, _, _ = run(header, models[:2], kind="product_models")
    assert counts.unchanged == 2
    variants = [["tee-red-s", "tee_red", "s", "1234567890123"], ["tee-red-m", "tee_red", "s", ""]]
    counts, failed, _ = run(["sku", "parent", "size", "ean"], variants)
    assert (counts.created, counts.errors) == (1, 1)
    assert [(e.column, e.code) for e in failed[0][1]] == [("", "axis_combination_taken")]
    assert Product.objects.get().family.code == "shirts"


def test_header_problems_stop_before_any_row(catalog):
    counts, failed, _ = run(["sku", "bogus"], [["A", "x"]])
    assert counts.rows == 0 and Product.objects.count() == 0
    assert [(n, [(e.column, e.code) for e in es]) for n, es in failed] == [
        (1, [("bogus", "unknown_column")])
    ]


def test_progress_per_batch_and_rows_wider_than_the_header(catalog):
    progress = []
    data = [[f"M-{n}", "mugs"] for n in range(5)] + [["M-9", "mugs", "surplus"]]
    counts = products_import(
        numbered(data),
        ["sku", "family"],
        batch_size=2,
        on_batch=lambda done, counts: progress.append((done, counts.created)),
        on_failed_row=lambda number, cells, errors: progress.append((number, errors[0].code)),
    )
    assert progress == [(2, 2), (4, 4), (7, "too_many_cells"), (6, 5)]
    assert (counts.rows, counts.created, counts.errors) == (6, 5, 1)


def test_an_unknown_label_becomes_a_new_term(catalog):
    mapping = {
        "columns": {
            "Material": {
                "target": "value",
                "attribute": "materials",
                "transforms": [{"name": "term_label", "locale": "en_US"}],
            }
        }
    }
    header, data = ["sku", "family", "Material"], [["L-1", "shirts", "Merino Wool"]]
    counts, failed, _ = run(header, data, mapping=mapping)
    assert [(e.column, e.code) for e in failed[0][1]] == [("Material", "unknown_term_label")]
    counts, failed, _ = run(header, data, mapping=mapping, create_terms=True)
    assert (counts.created, failed) == (1, [])
    term = Term.objects.get(vocabulary__code="materials", code="merino_wool")
    assert term.labels == {"en_US": "Merino Wool"}
    assert Product.objects.get(sku="L-1").values["materials"]["|"] == ["merino_wool"]
    counts, failed, _ = run(header, [["L-2", "shirts", "merino wool"]], mapping=mapping)
    assert (counts.created, failed) == (1, [])  # found by its label now


def test_the_service_dry_run_checks_everything_and_writes_nothing(trees):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pim.services.products import product_upsert_many

    run(["sku", "family", "ean"], [["U-1", "shirts", "1234567890123"]])
    run(
        ["code", "family_variant", "color"], [["polo", "shirts_by_size", ""]], kind="product_models"
    )
    run(["sku", "parent", "size"], [["polo-s", "polo", "s"]])
    audits, versions = (
        AuditRecord.objects.count(),
        dict(Product.objects.values_list("sku", "version")),
    )
    size_s = {"size": [{"channel": None, "locale": None, "data": "s"}]}
    ean = {"ean": [{"channel": None, "locale": None, "data": "1234567890123"}]}
    items = [
        {"sku": "U-1", "enabled": False},
        {"sku": "polo-s", "values": size_s},
        {"sku": "U-2", "family": "shirts", "values": ean},
        {"sku": "polo-s2", "parent": "polo", "values": size_s},
        {"sku": "U-3", "family": "mugs"},
    ]
    with CaptureQueriesContext(connection) as queries:
        outcomes = product_upsert_many(items=items, dry_run=True)
    assert [(o.status, [e["code"] for e in o.errors]) for o in outcomes] == [
        (200, []),
        (200, []),
        (422, ["duplicate_value"]),
        (422, ["axis_combination_taken"]),
        (201, []),
    ]
    assert outcomes[1].unchanged and not outcomes[0].unchanged
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    assert AuditRecord.objects.count() == audits
    assert dict(Product.objects.values_list("sku", "version")) == versions
    assert Product.objects.get(sku="U-1").is_enabled
