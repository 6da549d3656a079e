import pytest

from pim.models import Completeness, Family, Product, ProductModel
from pim.services import catalog as catalog_services
from pim.services.completeness import effective_values
from pim.services.product_models import product_model_save
from pim.services.products import product_upsert_many
from tests.pim.builders import save, value

pytestmark = pytest.mark.usefixtures("catalog")


def completeness(sku):
    return {
        (c.channel.code, c.locale.code): (c.ratio, c.missing_codes)
        for c in Completeness.objects.filter(product__sku=sku).select_related("channel", "locale")
    }


def test_skus_collide_whatever_their_case_and_spaces():
    assert save({"sku": "ab-1", "family": "mugs"}, mode="create").status == 201
    outcome = save({"sku": "AB-1 ", "family": "mugs"}, mode="create")
    assert [e["code"] for e in outcome.errors] == ["already_exists"]
    assert save({"sku": " AB-1", "family": "mugs", "enabled": False}).status == 200
    assert Product.objects.get().sku == "AB-1"


def test_a_unique_value_belongs_to_one_product():
    assert save({"sku": "a", "family": "shirts", "values": {"ean": value("4006381333931")}}).ok
    outcome = save({"sku": "b", "family": "shirts", "values": {"ean": value("4006381333931")}})
    assert [(e["field"], e["code"]) for e in outcome.errors] == [("values.ean", "duplicate_value")]
    assert "is already the ean of a" in outcome.errors[0]["message"]
    # the holder may save it again, and give it up
    assert save({"sku": "a", "values": {"ean": value("4006381333931")}}).ok
    assert save(
        {"sku": "a", "values": {"ean": [{"channel": None, "locale": None, "data": None}]}}
    ).ok
    assert save({"sku": "b", "family": "shirts", "values": {"ean": value("4006381333931")}}).ok


def test_a_unique_value_twice_in_one_batch_fails_the_second_only():
    outcomes = product_upsert_many(
        items=[
            {"sku": "a", "family": "shirts", "values": {"ean": value("4006381333931")}},
            {"sku": "b", "family": "shirts", "values": {"ean": value("4006381333931")}},
        ]
    )
    assert [o.status for o in outcomes] == [201, 422]
    assert list(Product.objects.values_list("sku", flat=True)) == ["a"]


def test_completeness_is_stored_per_channel_and_locale_and_follows_each_save():
    save({"sku": "p", "family": "shirts", "values": {"name": value("Tee", locale="en_US")}})
    assert completeness("p") == {
        ("ecommerce", "en_US"): (33, ["price", "weight"]),
        ("ecommerce", "fr_FR"): (0, ["name", "price", "weight"]),
        ("print", "de_DE"): (0, ["description", "name"]),
    }
    save(
        {
            "sku": "p",
            "values": {
                "price": value([{"amount": 10, "currency": "EUR"}], "ecommerce"),
                "weight": value({"amount": 1, "unit": "kilogram"}),
            },
        }
    )
    assert completeness("p")[("ecommerce", "en_US")] == (100, [])


def test_changing_a_familys_requirements_recomputes_its_products_after_commit(
    run_tasks_on_commit,
):
    save({"sku": "p", "family": "shirts", "values": {"name": value("Tee", locale="en_US")}})
    before = completeness("p")
    with run_tasks_on_commit(execute=False) as callbacks:
        catalog_services.family_save(
            code="shirts",
            changes={"requirements": {"ecommerce": ["name"]}},
            family=Family.objects.get(code="shirts"),
        )
    assert completeness("p") == before  # not in the request: queued for after the commit
    for callback in callbacks:
        callback()
    assert completeness("p") == {
        ("ecommerce", "en_US"): (100, []),
        ("ecommerce", "fr_FR"): (0, ["name"]),
    }


@pytest.fixture
def shirt_model():
    root = product_model_save(
        data={
            "code": "oxford",
            "family_variant": "shirts_by_color_size",
            "values": {"name": value("Oxford", locale="en_US"), "organic": value(True)},
        }
    )
    red = product_model_save(
        data={
            "code": "oxford_red",
            "family_variant": "shirts_by_color_size",
            "parent": "oxford",
            "values": {"color": value("red"), "care": value("<b>Cold</b>", locale="en_US")},
        }
    )
    return root, red


def test_variants_inherit_values_down_the_tree(shirt_model):
    outcome = save({"sku": "oxford-red-m", "parent": "oxford_red", "values": {"size": value("m")}})
    assert outcome.ok, outcome.errors
    product = Product.objects.select_related("parent__parent", "family").get()
    assert product.family.code == "shirts"
    assert product.values == {"size": {"|": "m"}}
    assert effective_values(product) == {
        "name": {"|en_US": "Oxford"},
        "organic": {"|": True},
        "color": {"|": "red"},
        "care": {"|en_US": "<b>Cold</b>"},
        "size": {"|": "m"},
    }


def test_a_value_is_edited_at_the_level_that_owns_it(shirt_model):
    outcome = save(
        {
            "sku": "v",
            "parent": "oxford_red",
            "values": {"size": value("m"), "organic": value(False), "color": value("blue")},
        }
    )
    assert sorted((e["field"], e["code"], e["message"]) for e in outcome.errors) == [
        (
            "values.color",
            "attribute_owned_by_parent",
            "color is edited on product model oxford_red, not here.",
        ),
        (
            "values.organic",
            "attribute_owned_by_parent",
            "organic is edited on product model oxford, not here.",
        ),
    ]


def test_two_siblings_never_share_an_axis_combination(shirt_model):
    assert save({"sku": "v1", "parent": "oxford_red", "values": {"size": value("m")}}).ok
    outcome = save({"sku": "v2", "parent": "oxford_red", "values": {"size": value("m")}})
    assert [e["code"] for e in outcome.errors] == ["axis_combination_taken"]
    outcomes = product_upsert_many(
        items=[
            {"sku": "v3", "parent": "oxford_red", "values": {"size": value("l")}},
            {"sku": "v4", "parent": "oxford_red", "values": {"size": value("l")}},
        ]
    )
    assert [o.status for o in outcomes] == [201, 422]
    with pytest.raises(Exception) as exc:
        product_model_save(
            data={
                "code": "oxford_red_again",
                "family_variant": "shirts_by_color_size",
                "parent": "oxford",
                "values": {"color": value("red")},
            }
        )
    assert "axis_combination_taken" in str(exc.value.error_dict["values"][0].code)


def test_a_variant_needs_its_axis_values(shirt_model):
    outcome = save({"sku": "v", "parent": "oxford_red"})
    assert [e["code"] for e in outcome.errors] == ["axis_required"]


def test_a_variant_hangs_from_the_last_level(shirt_model):
    outcome = save({"sku": "v", "parent": "oxford", "values": {"size": value("m")}})
    assert [e["code"] for e in outcome.errors] == ["not_a_leaf_model"]


def test_a_product_model_change_recomputes_its_variants_completeness(
    shirt_model, run_tasks_on_commit
):
    save({"sku": "v", "parent": "oxford_red", "values": {"size": value("m")}})
    assert completeness("v")[("ecommerce", "fr_FR")][1] == ["name", "price", "weight"]
    root = ProductModel.objects.get(code="oxford")
    with run_tasks_on_commit(execute=True):
        product_model_save(
            product_model=root, data={"values": {"name": value("Oxford FR", locale="fr_FR")}}
        )
    assert completeness("v")[("ecommerce", "fr_FR")][1] == ["price", "weight"]


def test_changing_family_drops_values_the_new_family_lacks():
    save(
        {
            "sku": "p",
            "family": "shirts",
            "values": {"name": value("Tee", locale="en_US"), "organic": value(True)},
        }
    )
    assert save({"sku": "p", "family": "mugs"}).ok
    assert Product.objects.get().values == {"name": {"|en_US": "Tee"}}


def test_a_stale_version_changes_nothing():
    save({"sku": "p", "family": "mugs"})
    save({"sku": "p", "values": {"pieces": value(2)}})
    outcome = save({"sku": "p", "values": {"pieces": value(3)}}, expected_versions={0: 1})
    assert outcome.status == 412
    assert Product.objects.get().values == {"pieces": {"|": 2}}


@pytest.fixture
def association_types():
    catalog_services.association_type_save(code="cross_sell", changes={"is_two_way": True})
    catalog_services.association_type_save(code="pack", changes={"is_quantified": True})


def test_associations_replace_per_type_and_two_way_ones_mirror(association_types):
    from pim.models import Association

    outcomes = product_upsert_many(
        items=[
            {"sku": "mug", "family": "mugs"},
            {"sku": "saucer", "family": "mugs"},
            {
                "sku": "set",
                "family": "mugs",
                "associations": {
                    "cross_sell": [{"product": "mug"}],
                    "pack": [{"product": "mug", "quantity": 2}, {"product": "SAUCER"}],
                },
            },
        ]
    )
    assert [o.status for o in outcomes] == [201, 201, 201], [o.errors for o in outcomes]
    links = lambda: sorted(  # noqa: E731
        Association.objects.values_list(
            "association_type__code", "source__sku", "target_product__sku", "quantity"
        )
    )
    assert links() == [
        ("cross_sell", "mug", "set", 1),
        ("cross_sell", "set", "mug", 1),
        ("pack", "set", "mug", 2),
        ("pack", "set", "saucer", 1),
    ]
    assert save({"sku": "set", "associations": {"cross_sell": []}}).ok
    assert links() == [("pack", "set", "mug", 2), ("pack", "set", "saucer", 1)]


@pytest.mark.parametrize(
    ("links", "code"),
    [
        ({"nope": []}, "unknown"),
        ({"cross_sell": [{"product": "ghost"}]}, "unknown"),
        ({"cross_sell": [{"product": "set"}]}, "self_association"),
        ({"cross_sell": [{"product": "mug", "quantity": 2}]}, "not_quantified"),
        ({"pack": [{"product": "mug", "quantity": 0}]}, "invalid_quantity"),
        ({"pack": [{"product": "mug", "product_model": "x"}]}, "invalid"),
    ],
)
def test_bad_associations_are_refused(association_types, links, code):
    save({"sku": "mug", "family": "mugs"})
    outcome = save({"sku": "set", "family": "mugs", "associations": links})
    assert [e["code"] for e in outcome.errors] == [code]


def test_a_link_to_a_batch_product_that_failed_fails_too(association_types):
    outcomes = product_upsert_many(
        items=[
            {"sku": "mug", "family": "mugs", "values": {"pieces": value(0)}},
            {"sku": "set", "family": "mugs", "associations": {"pack": [{"product": "mug"}]}},
        ]
    )
    assert [o.status for o in outcomes] == [422, 422]
    assert outcomes[1].errors[0]["code"] == "target_failed"
