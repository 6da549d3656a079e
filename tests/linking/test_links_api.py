"""The links API: links by id, a product's (or model's) media with what it inherits, reordering
in one call, where an asset is used; who may read and write them; constant query counts."""

import pytest
from django.contrib.auth.models import Group

from dam import rendering
from governance import roles
from governance import services as governance
from governance.api_keys import api_key_create
from governance.models import Channel
from governance.services_access import category_grant
from linking.models import ProductAssetLink
from linking.services.links import link_add
from tests.governance.factories import UserFactory
from tests.linking.builders import image_asset, product

pytestmark = pytest.mark.django_db


def member(role: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor(api_client):
    api_client.force_authenticate(member(roles.PRODUCT_EDITOR, "editor"))
    return api_client


@pytest.fixture
def outlet(linked_catalog):
    """A second tree, `outlet`, with a product of its own, and the channel that publishes it."""
    governance.category_create(code="outlet")
    governance.channel_create(code="outlet_shop", locales=["en_US"], category_tree="outlet")
    return product("outlet-tee", categories=["outlet"])


def uuid_of(asset) -> str:
    return str(asset.uuid)


def test_an_editor_links_changes_and_unlinks(linked_catalog, editor):
    c = linked_catalog
    body = {"product": "OXFORD-red-m", "asset": uuid_of(c.assets["hero"]), "role": "hero"}
    created = editor.post("/api/v1/links", body, format="json")
    assert created.status_code == 201, created.json()
    link = created.json()
    assert {k: link[k] for k in ("product", "product_model", "asset", "role", "position")} == {
        "product": "oxford-red-m",
        "product_model": None,
        "asset": uuid_of(c.assets["hero"]),
        "role": "hero",
        "position": 0,
    }
    again = editor.post("/api/v1/links", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == link["id"]

    url = f"/api/v1/links/{link['id']}"
    etag = editor.get(url)["ETag"]
    changed = editor.patch(
        url, {"role": "back", "locale": "fr_FR"}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200
    assert (changed.json()["role"], changed.json()["locale"]) == ("back", "fr_FR")
    stale = editor.patch(url, {"position": 0}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert editor.delete(url).status_code == 204
    assert not ProductAssetLink.objects.exists()


def test_links_of_a_model_and_the_list_filters(linked_catalog, editor):
    c = linked_catalog
    body = {"product_model": "oxford", "asset": uuid_of(c.assets["back"]), "role": "back"}
    assert editor.post("/api/v1/links", body, format="json").status_code == 201
    link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    link_add(asset=c.assets["back"], product=c.standalone, role="back")

    def listed(**params):
        rows = editor.get("/api/v1/links", params).json()["results"]
        return sorted((row["product"] or row["product_model"], row["role"]) for row in rows)

    assert listed(product_model="oxford") == [("oxford", "back")]
    assert listed(product="oxford-red-m") == [("oxford-red-m", "hero")]
    assert listed(asset=uuid_of(c.assets["back"])) == [("oxford", "back"), ("plain-tee", "back")]
    assert listed(role="hero") == [("oxford-red-m", "hero")]
    assert editor.get("/api/v1/links", {"asset": "nope"}).status_code == 422


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "product", "one_owner"),
        ({"product": "oxford-red-m", "product_model": "oxford"}, "product", "one_owner"),
        ({"product": "nope", "role": "hero"}, "product", "unknown"),
        ({"product": "oxford-red-m", "role": "hero"}, "asset", "required"),
        ({"product": "oxford-red-m", "role": "hero", "asset": "not-a-uuid"}, "asset", "unknown"),
        ({"product": "oxford-red-m", "role": "banner", "asset": "{hero}"}, "role", "unknown_role"),
        (
            {"product": "oxford-red-m", "role": "hero", "asset": "{hero}", "locale": "xx_XX"},
            "locale",
            "unknown_locale",
        ),
        (
            {"product": "oxford-red-m", "role": "hero", "asset": "{hero}", "position": "first"},
            "position",
            "invalid",
        ),
        ({"product": "oxford-red-m", "colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_bad_link_bodies_are_problems_naming_the_field(linked_catalog, editor, body, field, code):
    body = {
        k: v.replace("{hero}", uuid_of(linked_catalog.assets["hero"])) if isinstance(v, str) else v
        for k, v in body.items()
    }
    response = editor.post("/api/v1/links", body, format="json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_product_media_shows_inherited_media_in_order_with_thumbnails(linked_catalog, editor):
    c = linked_catalog
    rendering.rendition_profile_save(code="thumb", changes={"width": 64, "height": 64})
    link_add(asset=c.assets["back"], product_model=c.root, role="back")
    link_add(asset=c.assets["hero"], product_model=c.root, role="hero")
    link_add(asset=c.assets["swatch_red"], product=c.variant, role="swatch")
    link_add(asset=c.assets["side"], product=c.variant, role="hero", locale="fr_FR")
    response = editor.get(
        "/api/v1/products/oxford-red-m/media", {"channel": "ecommerce", "locale": "en_US"}
    )
    assert response.status_code == 200
    items = response.json()
    assert [(i["role"], i["asset"]["code"], i["inherited_from"]) for i in items] == [
        ("hero", "hero", "oxford"),
        ("back", "back", "oxford"),
        ("swatch", "swatch_red", None),
    ]
    assert items[0]["asset"]["kind"] == "image" and items[0]["asset"]["workflow_state"] == "draft"
    assert f"/thumb/{uuid_of(c.assets['hero'])}" in items[0]["thumbnail"]
    french = editor.get("/api/v1/products/oxford-red-m/media", {"locale": "fr_FR"}).json()
    assert (french[0]["role"], french[0]["asset"]["code"]) == ("hero", "side")
    model = editor.get("/api/v1/product-models/oxford/media").json()
    assert [(i["role"], i["inherited_from"]) for i in model] == [("hero", None), ("back", None)]
    unknown = editor.get("/api/v1/products/oxford-red-m/media", {"channel": "moon"})
    assert unknown.status_code == 422
    assert editor.get("/api/v1/products/nope/media").status_code == 404


def test_reordering_through_the_api(linked_catalog, editor):
    c = linked_catalog
    for name in ("hero", "back", "side"):
        link_add(asset=c.assets[name], product=c.variant, role="detail")
    order = [uuid_of(c.assets[n]) for n in ("side", "back", "hero")]
    response = editor.post(
        "/api/v1/products/oxford-red-m/media/reorder",
        {"role": "detail", "assets": order},
        format="json",
    )
    assert response.status_code == 200
    assert [(row["asset"], row["position"]) for row in response.json()] == [
        (order[0], 0),
        (order[1], 1),
        (order[2], 2),
    ]
    missing = editor.post(
        "/api/v1/products/oxford-red-m/media/reorder",
        {"role": "detail", "assets": order[:2]},
        format="json",
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["code"] == "missing_asset"
    link_add(asset=c.assets["hero"], product_model=c.root, role="hero")
    model = editor.post(
        "/api/v1/product-models/oxford/media/reorder",
        {"role": "hero", "assets": [uuid_of(c.assets["hero"])]},
        format="json",
    )
    assert model.status_code == 200


def test_where_used_counts_the_products_reached(linked_catalog, editor):
    c = linked_catalog
    link_add(asset=c.assets["hero"], product_model=c.root, role="hero")
    link_add(asset=c.assets["hero"], product=c.standalone, role="hero")
    response = editor.get(f"/api/v1/assets/{uuid_of(c.assets['hero'])}/where-used")
    assert response.status_code == 200
    body = response.json()
    assert body["products_reached"] == 3
    assert sorted((row["product"] or row["product_model"]) for row in body["links"]) == [
        "oxford",
        "plain-tee",
    ]
    assert editor.get("/api/v1/assets/not-a-uuid/where-used").status_code == 404


def test_a_viewer_reads_but_cannot_write(linked_catalog, api_client):
    c = linked_catalog
    link = link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    api_client.force_authenticate(member(roles.VIEWER, "viewer"))
    assert api_client.get("/api/v1/links").status_code == 200
    assert api_client.get(f"/api/v1/links/{link.pk}").status_code == 200
    assert api_client.get("/api/v1/products/oxford-red-m/media").status_code == 200
    body = {"product": "oxford-red-m", "asset": uuid_of(c.assets["back"]), "role": "back"}
    assert api_client.post("/api/v1/links", body, format="json").status_code == 403
    assert api_client.patch(f"/api/v1/links/{link.pk}", {}, format="json").status_code == 403
    assert api_client.delete(f"/api/v1/links/{link.pk}").status_code == 403
    reorder = {"role": "hero", "assets": [uuid_of(c.assets["hero"])]}
    url = "/api/v1/products/oxford-red-m/media/reorder"
    assert api_client.post(url, reorder, format="json").status_code == 403
    assert ProductAssetLink.objects.count() == 1


def test_an_asset_librarian_links_too(linked_catalog, api_client):
    """Linking is the librarian's role right, although they cannot change product data."""
    c = linked_catalog
    api_client.force_authenticate(member(roles.ASSET_LIBRARIAN, "librarian"))
    body = {"product": "plain-tee", "asset": uuid_of(c.assets["back"]), "role": "back"}
    assert api_client.post("/api/v1/links", body, format="json").status_code == 201


def test_an_editor_scoped_elsewhere_does_not_find_the_product(linked_catalog, outlet, api_client):
    c = linked_catalog
    link = link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    link_add(asset=c.assets["hero"], product=outlet, role="hero")
    user = member(roles.PRODUCT_EDITOR, "outlet_editor")
    category_grant(category=outlet.categories.get(), user=user)
    api_client.force_authenticate(user)
    assert api_client.get("/api/v1/products/oxford-red-m/media").status_code == 404
    assert api_client.get("/api/v1/product-models/oxford/media").status_code == 404
    assert api_client.get(f"/api/v1/links/{link.pk}").status_code == 404
    assert (
        api_client.patch(f"/api/v1/links/{link.pk}", {"position": 1}, format="json").status_code
        == 404
    )
    assert api_client.delete(f"/api/v1/links/{link.pk}").status_code == 404
    assert [row["product"] for row in api_client.get("/api/v1/links").json()["results"]] == [
        "outlet-tee"
    ]
    body = {"product": "oxford-red-m", "asset": uuid_of(c.assets["back"]), "role": "back"}
    refused = api_client.post("/api/v1/links", body, format="json")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "unknown"
    reorder = api_client.post(
        "/api/v1/products/oxford-red-m/media/reorder",
        {"role": "hero", "assets": [uuid_of(c.assets["hero"])]},
        format="json",
    )
    assert reorder.status_code == 404
    used = api_client.get(f"/api/v1/assets/{uuid_of(c.assets['hero'])}/where-used").json()
    assert [row["product"] for row in used["links"]] == ["outlet-tee"]
    assert ProductAssetLink.objects.filter(product=c.variant).count() == 1


def test_keys_read_only_keys_and_channel_restricted_keys(linked_catalog, outlet, api_client):
    c = linked_catalog
    link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    _, read = api_key_create(name="reader", scope="read")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {read}")
    assert api_client.get("/api/v1/products/oxford-red-m/media").status_code == 200
    body = {"product": "oxford-red-m", "asset": uuid_of(c.assets["back"]), "role": "back"}
    assert api_client.post("/api/v1/links", body, format="json").status_code == 403

    editor = Group.objects.get(name=roles.PRODUCT_EDITOR)
    outlet_shop = Channel.objects.get(code="outlet_shop")
    _, restricted = api_key_create(name="outlet", scope="write", role=editor, channel=outlet_shop)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {restricted}")
    assert api_client.get("/api/v1/products/oxford-red-m/media").status_code == 404
    assert api_client.get("/api/v1/products/outlet-tee/media").status_code == 200
    named = api_client.get("/api/v1/products/outlet-tee/media", {"channel": "ecommerce"})
    assert named.status_code == 403
    assert api_client.post("/api/v1/links", body, format="json").status_code == 422
    own = {"product": "outlet-tee", "asset": uuid_of(c.assets["back"]), "role": "back"}
    assert api_client.post("/api/v1/links", own, format="json").status_code == 201


@pytest.mark.parametrize("count", [3, 30])
def test_the_link_list_costs_the_same_queries_for_any_page(
    linked_catalog, editor, count, django_assert_max_num_queries
):
    c = linked_catalog
    for n in range(count):
        asset = image_asset(f"many_{n}", color=(n * 5 % 256, 10, 200))
        link_add(asset=asset, product=c.variant if n % 2 else c.standalone, role="detail")
    editor.get("/api/v1/links")  # permissions cached on the user
    # One query: the page, with owners, asset and scope joined and the visibility as subqueries.
    with django_assert_max_num_queries(2):
        response = editor.get("/api/v1/links", {"page_size": 100})
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [2, 20])
def test_the_media_endpoint_costs_the_same_queries_for_any_number_of_links(
    linked_catalog, editor, count, django_assert_max_num_queries
):
    c = linked_catalog
    rendering.rendition_profile_save(code="thumb", changes={"width": 64, "height": 64})
    for n in range(count):
        asset = image_asset(f"media_{n}", color=(n * 9 % 256, 200, 10))
        owner = {"product_model": c.root} if n % 2 else {"product": c.variant}
        link_add(asset=asset, role="detail", **owner)
    editor.get("/api/v1/products/oxford-red-m/media")
    # product, channel, locale, model chain, links, role order, visible assets, thumbnail profile
    with django_assert_max_num_queries(8):
        response = editor.get(
            "/api/v1/products/oxford-red-m/media", {"channel": "ecommerce", "locale": "en_US"}
        )
    assert response.status_code == 200
