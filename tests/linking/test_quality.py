import pytest

from governance.quality import REGISTRY
from linking.models import MediaReadiness
from linking.services.links import link_remove
from tests.linking.feed_helpers import approve_asset, approve_product, build_feed_world, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(linked_catalog):
    return build_feed_world(linked_catalog)


def findings(code: str) -> list[tuple[str, str, dict]]:
    return list(REGISTRY[code].function())


def test_an_approved_asset_no_product_uses_is_reported_until_it_is_linked(world):
    hero = approve_asset(world, world.asset("hero"))  # linked to plain-tee by the world
    lifestyle = approve_asset(world, world.asset("lifestyle"))
    assert [ref for ref, _, _ in findings("linking.asset_never_linked")] == [str(lifestyle.uuid)]
    link_remove(link=hero.product_links.get())
    reported = {ref for ref, _, _ in findings("linking.asset_never_linked")}
    assert reported == {str(lifestyle.uuid), str(hero.uuid)}


def test_an_approved_product_with_media_missing_is_reported_per_channel_and_locale(world):
    approve_asset(world, world.asset("hero"), alt={"en_US": "A tee"})
    approve_product(world, world.tee)
    refresh(world.tee)
    assert MediaReadiness.objects.filter(product=world.tee).exists()
    [(sku, message, details)] = findings("linking.media_not_ready")
    assert (sku, details["channel"], details["locale"]) == ("plain-tee", "ecommerce", "fr_FR")
    assert "alt text" in message.lower() and details["score"] == 0
