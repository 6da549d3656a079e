"""Linked assets carry product-derived tags (source "product"), kept in sync in the background
when links or product data change; other tags are left alone; asset search finds them."""

import pytest

from dam.models import Asset, Tag, TagSource
from dam.services import asset_update
from linking.models import TaggedAttribute
from linking.services.links import link_add, link_remove
from linking.services.tags import asset_product_tags_sync, tagged_attribute_add
from pim.models import Attribute, Product
from pim.services.product_models import product_model_save
from pim.services.products import product_delete
from tests.governance.factories import UserFactory
from tests.pim.builders import save, value

pytestmark = pytest.mark.django_db


def product_tags(asset) -> list[str]:
    return sorted(
        Tag.objects.filter(asset=asset, source=TagSource.PRODUCT).values_list("name", flat=True)
    )


@pytest.fixture
def tagged(linked_catalog):
    """Colour and materials are tagged attributes; plain-tee is made of cotton and wool."""
    for code in ("color", "materials", "organic"):
        TaggedAttribute.objects.create(attribute=Attribute.objects.get(code=code))
    assert save(
        {
            "sku": "plain-tee",
            "values": {"materials": value(["cotton", "wool"]), "organic": value(True)},
        }
    ).ok
    return linked_catalog


def test_linking_tags_the_asset_with_the_products_data(tagged, run_tasks_on_commit):
    c = tagged
    with run_tasks_on_commit(execute=True):
        link_add(asset=c.assets["hero"], product=c.variant, role="hero")
        link_add(asset=c.assets["back"], product=c.standalone, role="back")
        link_add(asset=c.assets["swatch_red"], product_model=c.model, role="swatch")
    assert product_tags(c.assets["hero"]) == [
        "category:apparel",  # the root model's
        "category:shirts_cat",
        "color:red",  # inherited from the sub-model
        "family:shirts",
        "model:oxford",
        "model:oxford_red",
        "sku:oxford-red-m",
    ]
    assert product_tags(c.assets["back"]) == [
        "category:shirts_cat",
        "family:shirts",
        "materials:cotton",
        "materials:wool",
        "organic:true",
        "sku:plain-tee",
    ]
    assert product_tags(c.assets["swatch_red"]) == [
        "category:apparel",
        "color:red",
        "family:shirts",
        "model:oxford",
        "model:oxford_red",
    ]


def test_an_asset_shared_by_products_carries_the_tags_of_each(tagged, run_tasks_on_commit):
    c = tagged
    with run_tasks_on_commit(execute=True):
        link_add(asset=c.assets["hero"], product=c.variant, role="hero")
        link_add(asset=c.assets["hero"], product=c.other_variant, role="hero")
    assert {"sku:oxford-red-m", "sku:oxford-red-l"} <= set(product_tags(c.assets["hero"]))


def test_tags_follow_a_change_of_the_products_data(tagged, run_tasks_on_commit):
    c = tagged
    with run_tasks_on_commit(execute=True):
        link_add(asset=c.assets["back"], product=c.standalone, role="back")
    with run_tasks_on_commit(execute=True):
        outcome = save(
            {
                "sku": "plain-tee",
                "categories": ["apparel"],
                "values": {"materials": value(["linen"])},
            }
        )
    assert outcome.ok, outcome.errors
    tags = product_tags(c.assets["back"])
    assert "materials:linen" in tags and "category:apparel" in tags
    assert "materials:cotton" not in tags and "category:shirts_cat" not in tags


def test_a_models_change_reaches_the_assets_of_its_variants(tagged, run_tasks_on_commit):
    c = tagged
    with run_tasks_on_commit(execute=True):
        link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    with run_tasks_on_commit(execute=True):
        product_model_save(data={"categories": ["master"]}, product_model=c.root)
    tags = product_tags(c.assets["hero"])
    assert "category:master" in tags and "category:apparel" not in tags


def test_unlinking_removes_the_tags_the_link_gave(tagged, run_tasks_on_commit):
    c = tagged
    with run_tasks_on_commit(execute=True):
        first = link_add(asset=c.assets["hero"], product=c.variant, role="hero")
        link_add(asset=c.assets["hero"], product=c.standalone, role="hero")
    with run_tasks_on_commit(execute=True):
        link_remove(link=first)
    tags = product_tags(c.assets["hero"])
    assert "sku:plain-tee" in tags
    assert not {"sku:oxford-red-m", "model:oxford", "color:red"} & set(tags)


def test_deleting_a_product_removes_its_tags(tagged, run_tasks_on_commit):
    c = tagged
    with run_tasks_on_commit(execute=True):
        link_add(asset=c.assets["back"], product=c.standalone, role="back")
    with run_tasks_on_commit(execute=True):
        product_delete(product=Product.objects.get(sku="plain-tee"))
    assert product_tags(c.assets["back"]) == []


def test_other_sources_are_untouched_and_the_asset_version_stays(tagged, run_tasks_on_commit):
    c = tagged
    asset = asset_update(asset=c.assets["hero"], changes={"tags": ["summer", "sku:manual"]})
    version = Asset.objects.get(pk=asset.pk).version
    Tag.objects.create(asset=asset, name="outdoor", source=TagSource.AUTO)
    with run_tasks_on_commit(execute=True):
        link = link_add(asset=asset, product=c.standalone, role="hero")
    with run_tasks_on_commit(execute=True):
        link_remove(link=link)
    others = Tag.objects.exclude(source=TagSource.PRODUCT).filter(asset=asset)
    assert sorted(others.values_list("name", "source")) == [
        ("outdoor", "auto"),
        ("sku:manual", "manual"),
        ("summer", "manual"),
    ]
    assert Asset.objects.get(pk=asset.pk).version == version


def test_the_sync_is_idempotent_and_refreshes_search_text(tagged):
    c = tagged
    link_add(asset=c.assets["back"], product=c.standalone, role="back")  # not synced: no commit
    assert asset_product_tags_sync(asset_ids=[c.assets["back"].pk]) == 1
    assert asset_product_tags_sync(asset_ids=[c.assets["back"].pk]) == 0
    assert "sku:plain-tee" in Asset.objects.get(pk=c.assets["back"].pk).search_text
    assert asset_product_tags_sync(asset_ids=[999999]) == 0  # a gone asset is skipped


def test_a_new_tagged_attribute_retags_every_linked_asset(linked_catalog, run_tasks_on_commit):
    c = linked_catalog
    with run_tasks_on_commit(execute=True):
        link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    assert "color:red" not in product_tags(c.assets["hero"])
    with run_tasks_on_commit(execute=True):
        tagged_attribute_add(attribute=Attribute.objects.get(code="color"))
    assert "color:red" in product_tags(c.assets["hero"])


@pytest.mark.parametrize("query", [{"q": "sku:oxford-red-m"}, {"tag": "SKU:Oxford-Red-M"}])
def test_asset_search_finds_assets_by_product_tags(tagged, run_tasks_on_commit, api_client, query):
    c = tagged
    with run_tasks_on_commit(execute=True):
        link_add(asset=c.assets["hero"], product=c.variant, role="hero")
        link_add(asset=c.assets["back"], product=c.standalone, role="back")
    api_client.force_authenticate(UserFactory(permissions=["dam.view_asset"]))
    response = api_client.get("/api/v1/assets", query)
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["hero"]
    tags = {(t["name"], t["source"]) for t in response.json()["results"][0]["tags"]}
    assert ("sku:oxford-red-m", "product") in tags
