"""Approved merges in governed vocabularies and trees rewrite the catalog in the same
transaction: select and multiselect values of products and product models, and categories."""

import pytest
from django.core.exceptions import ValidationError

from governance import services as governance
from governance.change_requests import change_request_approve, change_request_submit
from governance.models import Category, ChangeRequestStatus, Term, Vocabulary
from governance.signals import categories_merged, terms_merged
from pim.models import Completeness, Product, ProductModel
from pim.services.product_models import product_model_save
from tests.pim.builders import save, value

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def catalog_content():
    """colors gains crimson; a tree; products p1, p2; a model tee with sub-models by colour."""
    governance.term_create(vocabulary=Vocabulary.objects.get(code="colors"), code="crimson")
    governance.category_create(code="catalog")
    for code in ("shirts", "tees", "home"):
        governance.category_create(code=code, parent="catalog")
    assert save(
        {
            "sku": "p1",
            "family": "shirts",
            "categories": ["shirts", "home"],
            "values": {
                "color": value("red"),
                "materials": value(["cotton", "wool", "linen"]),
                "name": value("Red tee", locale="en_US"),
            },
        }
    ).ok
    assert save(
        {
            "sku": "p2",
            "family": "shirts",
            "categories": ["tees"],
            "values": {"color": value("blue"), "materials": value(["wool"])},
        }
    ).ok
    product_model_save(
        data={
            "code": "tee",
            "family_variant": "shirts_by_color_size",
            "categories": ["shirts"],
            "values": {"materials": value(["cotton", "linen"])},
        }
    )
    for colour in ("red", "blue"):
        product_model_save(
            data={
                "code": f"tee_{colour}",
                "family_variant": "shirts_by_color_size",
                "parent": "tee",
                "values": {"color": value(colour)},
            }
        )
    assert save({"sku": "tee_red_s", "parent": "tee_red", "values": {"size": value("s")}}).ok
    for vocabulary in Vocabulary.objects.filter(code__in=["colors", "materials"]):
        governance.vocabulary_update(vocabulary=vocabulary, changes={"is_governed": True})
    governance.category_update(
        category=Category.objects.get(code="catalog"), changes={"is_governed": True}
    )


def merge(vocabulary, sources, target):
    request = change_request_submit(
        vocabulary=Vocabulary.objects.get(code=vocabulary),
        kind="merge",
        payload={"sources": sources, "target": target},
    )
    return request, lambda: change_request_approve(change_request=request)


def stored(model, key, attribute):
    row = model.objects.get(**key)
    return row.values.get(attribute, {}).get("|")


def snapshot():
    products = {p.sku: (p.values, p.version) for p in Product.objects.all()}
    models = {m.code: (m.values, m.version, m.axis_key) for m in ProductModel.objects.all()}
    terms = sorted(Term.objects.values_list("vocabulary__code", "code", "is_deprecated"))
    return products, models, terms


def test_merging_colours_rewrites_products_and_models(catalog_content):
    before = {p.sku: (p.version, p.updated_at) for p in Product.objects.all()}
    _, apply = merge("colors", ["red"], "crimson")
    apply()
    assert stored(Product, {"sku": "p1"}, "color") == "crimson"
    assert stored(Product, {"sku": "p2"}, "color") == "blue"
    tee_red = ProductModel.objects.get(code="tee_red")
    assert tee_red.values["color"]["|"] == "crimson"
    assert tee_red.axis_key == 'color="crimson"'
    assert tee_red.version == 2
    p1 = Product.objects.get(sku="p1")
    assert p1.version == before["p1"][0] + 1
    assert p1.updated_at > before["p1"][1]
    assert "red tee" in p1.search_text.casefold()  # the text is rebuilt, not lost
    assert Completeness.objects.filter(product=p1).count() == 3
    assert Product.objects.get(sku="p2").version == before["p2"][0]  # untouched
    assert not Term.objects.filter(vocabulary__code="colors", code="red").exists()


def test_merging_materials_dedupes_multiselect_lists(catalog_content):
    _, apply = merge("materials", ["cotton", "linen"], "wool")
    apply()
    assert stored(Product, {"sku": "p1"}, "materials") == ["wool"]
    assert stored(Product, {"sku": "p2"}, "materials") == ["wool"]
    assert stored(ProductModel, {"code": "tee"}, "materials") == ["wool"]
    assert sorted(
        Term.objects.filter(vocabulary__code="materials").values_list("code", flat=True)
    ) == ["wool"]


def test_a_failure_anywhere_rolls_the_whole_merge_back(catalog_content):
    request, apply = merge("colors", ["red"], "crimson")
    before = snapshot()
    seen = []

    def fail_late(sender, **kwargs):  # runs after pim's receiver has rewritten everything
        seen.append(stored(Product, {"sku": "p1"}, "color"))
        raise ValidationError({"downstream": ValidationError("refused", code="refused")})

    terms_merged.connect(fail_late, dispatch_uid="test-fail-late")
    try:
        with pytest.raises(ValidationError):
            apply()
    finally:
        terms_merged.disconnect(dispatch_uid="test-fail-late")
    assert seen == ["crimson"]  # the rewrite had happened...
    assert snapshot() == before  # ...and is undone, with the terms
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.PENDING


def test_a_merge_the_catalog_refuses_fails_whole(catalog_content):
    """tee_red and tee_blue are siblings told apart by colour: merging red into blue would
    give two sub-models the same axis values."""
    request, apply = merge("colors", ["red"], "blue")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        apply()
    codes = {e.code for errors in refused.value.error_dict.values() for e in errors}
    assert "axis_combination_taken" in codes
    assert "tee_red" in " ".join(refused.value.messages)
    assert snapshot() == before
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.PENDING


def categories(model, key):
    return sorted(model.objects.get(**key).categories.values_list("code", flat=True))


def test_merging_categories_moves_products_and_models(catalog_content):
    version = Product.objects.get(sku="p1").version
    request = change_request_submit(
        category_tree=Category.objects.get(code="catalog"),
        kind="merge",
        payload={"sources": ["shirts", "tees"], "target": "home"},
    )
    change_request_approve(change_request=request)
    assert categories(Product, {"sku": "p1"}) == ["home"]
    assert categories(Product, {"sku": "p2"}) == ["home"]
    assert categories(ProductModel, {"code": "tee"}) == ["home"]
    assert Product.objects.get(sku="p1").version == version + 1
    assert not Category.objects.filter(code__in=["shirts", "tees"]).exists()


def test_a_failed_category_merge_moves_nothing(catalog_content):
    request = change_request_submit(
        category_tree=Category.objects.get(code="catalog"),
        kind="merge",
        payload={"sources": ["shirts"], "target": "home"},
    )

    def fail(sender, **kwargs):
        raise ValidationError("refused", code="refused")

    categories_merged.connect(fail, dispatch_uid="test-fail-categories")
    try:
        with pytest.raises(ValidationError):
            change_request_approve(change_request=request)
    finally:
        categories_merged.disconnect(dispatch_uid="test-fail-categories")
    assert categories(Product, {"sku": "p1"}) == ["home", "shirts"]
    assert categories(ProductModel, {"code": "tee"}) == ["shirts"]
    assert Category.objects.filter(code="shirts").exists()
