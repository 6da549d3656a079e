"""A product's media: its own links and what it inherits from its models, per role the nearest
level wins, filtered by channel and locale, ordered by role then position; where an asset is
used and how often it is reused."""

import pytest

from linking.selectors.links import model_media, product_media, reuse_counts, where_used
from linking.services.links import link_add
from tests.linking.builders import image_asset

pytestmark = pytest.mark.django_db


def shown(items):
    return [(item.role, item.asset.code, item.inherited_from) for item in items]


def test_a_variant_inherits_its_models_media(linked_catalog):
    c = linked_catalog
    link_add(asset=c.assets["hero"], product_model=c.root, role="hero")
    link_add(asset=c.assets["back"], product_model=c.root, role="back")
    link_add(asset=c.assets["swatch_red"], product_model=c.model, role="swatch")
    assert shown(product_media(c.variant)) == [
        ("hero", "hero", "oxford"),
        ("back", "back", "oxford"),
        ("swatch", "swatch_red", "oxford_red"),
    ]
    assert shown(product_media(c.other_variant)) == shown(product_media(c.variant))
    assert shown(model_media(c.model)) == [
        ("hero", "hero", "oxford"),
        ("back", "back", "oxford"),
        ("swatch", "swatch_red", None),
    ]
    assert shown(model_media(c.root)) == [("hero", "hero", None), ("back", "back", None)]


def test_a_variant_adds_a_role_of_its_own(linked_catalog):
    c = linked_catalog
    link_add(asset=c.assets["hero"], product_model=c.root, role="hero")
    link_add(asset=c.assets["lifestyle"], product=c.variant, role="lifestyle")
    assert shown(product_media(c.variant)) == [
        ("hero", "hero", "oxford"),
        ("lifestyle", "lifestyle", None),
    ]
    assert shown(product_media(c.other_variant)) == [("hero", "hero", "oxford")]


def test_a_variant_overrides_its_models_role(linked_catalog):
    """The model's swatch gives way to the variant's own: all links of the role, not one."""
    c = linked_catalog
    link_add(asset=c.assets["swatch_red"], product_model=c.model, role="swatch")
    link_add(asset=c.assets["side"], product_model=c.model, role="swatch")
    link_add(asset=c.assets["hero"], product_model=c.root, role="swatch")
    link_add(asset=c.assets["back"], product=c.variant, role="swatch")
    assert shown(product_media(c.variant)) == [("swatch", "back", None)]
    assert shown(product_media(c.other_variant)) == [
        ("swatch", "swatch_red", "oxford_red"),
        ("swatch", "side", "oxford_red"),
    ]


def test_links_follow_the_role_order_then_their_position(linked_catalog):
    c = linked_catalog
    link_add(asset=c.assets["lifestyle"], product=c.standalone, role="lifestyle")
    link_add(asset=c.assets["back"], product=c.standalone, role="back")
    link_add(asset=c.assets["side"], product=c.standalone, role="hero")
    link_add(asset=c.assets["hero"], product=c.standalone, role="hero", position=0)
    assert [
        (item.role, item.asset.code, item.position) for item in product_media(c.standalone)
    ] == [
        ("hero", "hero", 0),
        ("hero", "side", 1),
        ("back", "back", 0),
        ("lifestyle", "lifestyle", 0),
    ]


def test_scoped_links_apply_to_their_locale_and_channel_only(linked_catalog):
    c = linked_catalog
    link_add(asset=c.assets["hero"], product_model=c.root, role="hero")
    link_add(asset=c.assets["side"], product=c.variant, role="hero", locale="fr_FR")
    link_add(asset=c.assets["back"], product=c.variant, role="back", channel="print")
    link_add(asset=c.assets["lifestyle"], product=c.variant, role="lifestyle", locale="en_US")

    def media(**scope):
        return shown(product_media(c.variant, **scope))

    # In French the variant's own hero overrides the model's; elsewhere the model's shows.
    assert media(channel="ecommerce", locale="fr_FR") == [("hero", "side", None)]
    assert media(channel="ecommerce", locale="en_US") == [
        ("hero", "hero", "oxford"),
        ("lifestyle", "lifestyle", None),
    ]
    assert media(channel="print", locale="de_DE") == [
        ("hero", "hero", "oxford"),
        ("back", "back", None),
    ]
    # Without a channel or locale, every link applies.
    assert media() == [
        ("hero", "side", None),
        ("back", "back", None),
        ("lifestyle", "lifestyle", None),
    ]


@pytest.mark.parametrize("count", [2, 12])
def test_product_media_costs_the_same_queries_for_any_number_of_links(
    linked_catalog, count, django_assert_max_num_queries
):
    c = linked_catalog
    assets = [image_asset(f"extra_{n}", color=(n * 7 % 256, 90, 10)) for n in range(count)]
    for index, asset in enumerate(assets):
        owner = {"product_model": c.root} if index % 2 else {"product": c.variant}
        link_add(asset=asset, role="detail" if index % 3 else "lifestyle", **owner)
    link_add(asset=c.assets["swatch_red"], product_model=c.model, role="swatch")
    product = type(c.variant).objects.get(pk=c.variant.pk)
    with django_assert_max_num_queries(3):
        items = product_media(product, channel="ecommerce", locale="en_US")
        for item in items:
            assert item.asset.current_version.original_filename
    assert len(items) >= 2


def test_where_used_and_reuse_counts(linked_catalog):
    c = linked_catalog
    hero, back = c.assets["hero"], c.assets["back"]
    link_add(asset=hero, product_model=c.root, role="hero")  # reaches both variants
    link_add(asset=hero, product=c.variant, role="detail")  # the same product again
    link_add(asset=hero, product=c.standalone, role="hero", channel="ecommerce")
    link_add(asset=back, product_model=c.model, role="back")
    used = where_used(hero)
    assert [
        (
            link.product.sku if link.product_id else None,
            link.product_model.code if link.product_model_id else None,
            link.role,
            link.channel.code if link.channel_id else None,
        )
        for link in used.links
    ] == [
        (None, "oxford", "hero", None),
        ("oxford-red-m", None, "detail", None),
        ("plain-tee", None, "hero", "ecommerce"),
    ]
    assert used.products_reached == 3
    unused = c.assets["lifestyle"]
    assert reuse_counts([hero.pk, back.pk, unused.pk]) == {hero.pk: 3, back.pk: 2}
    assert where_used(unused).links == [] and where_used(unused).products_reached == 0
