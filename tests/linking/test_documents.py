"""Channel documents: built from the approved snapshot, only where the product is publishable,
with a media manifest of what the channel may show; written once per change with one event;
rebuilt by the triggers and by the rights sweep."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from dam import services as dam_services
from dam.models import Rendition
from governance import services as governance
from governance.audit import acting_as
from governance.models import Channel, Event
from governance.workflow import transition
from linking.models import ChannelDocument, FallbackMedia, MediaReadiness
from linking.services import documents
from linking.services.links import link_add
from pim.models import Product
from pim.services import catalog as catalog_services
from tests.linking.feed_helpers import (
    approve_asset,
    approve_product,
    build_feed_world,
    refresh,
    rows,
)
from tests.pim.builders import save, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(linked_catalog):
    return build_feed_world(linked_catalog)


def document(product, channel="ecommerce", locale="en_US") -> dict:
    row = ChannelDocument.objects.get(product=product, channel__code=channel, locale__code=locale)
    return json.loads(row.document)


def events(name=None):
    found = Event.objects.filter(name__startswith="channel.product.")
    return list(found.filter(name=name) if name else found)


def published(world):
    approve_asset(world, world.asset("hero"))
    approve_product(world, world.tee)
    refresh(world.tee)


def test_a_published_product_has_a_document_per_channel_and_locale(world):
    published(world)
    assert sorted(
        ChannelDocument.objects.filter(product=world.tee).values_list(
            "channel__code", "locale__code"
        )
    ) == [("ecommerce", "en_US"), ("ecommerce", "fr_FR"), ("print", "de_DE")]
    shown = document(world.tee)
    assert list(shown) == [
        "sku", "family", "parent", "revision", "approved_at", "categories", "values",
        "associations", "media", "media_readiness",
    ]  # fmt: skip
    assert shown["sku"] == "plain-tee" and shown["values"] == {"name": "Tee"}
    assert shown["categories"] == [{"code": "shirts_cat", "label": None}]
    [hero] = shown["media"]["hero"]
    assert hero["asset"] == str(world.asset("hero").uuid)
    assert hero["alt"] == "hero picture" and hero["placeholder"] is False
    assert set(hero["renditions"]) == {"ecom_small", "ecom_large"}
    small = hero["renditions"]["ecom_small"]
    assert small["url"].startswith("http://localhost:8000/r/") and small["format"] == "webp"
    assert small["width"] == 40 and small["bytes"] > 0
    assert hero["srcset"].endswith(" 64w") and " 40w, " in hero["srcset"]
    assert shown["media_readiness"]["score"] == 100
    assert document(world.tee, locale="fr_FR")["media"]["hero"][0]["alt"] == "image hero"


def test_the_text_is_compact_json_with_unicode_as_is(world):
    published(world)
    row = ChannelDocument.objects.get(
        product=world.tee, channel__code="ecommerce", locale__code="fr_FR"
    )
    assert row.document.startswith('{"sku":"plain-tee","family":"shirts"')
    assert '"image hero"' in row.document and ", " not in row.document.split('"srcset"')[0]


def test_the_feed_shows_the_snapshot_not_the_draft(world):
    published(world)
    before = rows(world.tee).get(locale__code="en_US")
    outcome = save({"sku": "plain-tee", "values": {"name": value("Draft name", locale="en_US")}})
    assert outcome.ok, outcome.errors
    refresh(world.tee)
    after = rows(world.tee).get(locale__code="en_US")
    assert document(world.tee)["values"]["name"] == "Tee"
    assert (after.etag, after.updated_at) == (before.etag, before.updated_at)  # not rewritten
    approve_product(world, Product.objects.get(pk=world.tee.pk))
    refresh(world.tee)
    assert document(world.tee)["values"]["name"] == "Draft name"


def test_resolved_values_labels_currencies_units_and_associations(world):
    catalog_services.association_type_save(code="pack", changes={"is_quantified": True})
    target = save({"sku": "belt", "family": "mugs"})
    assert target.ok
    outcome = save(
        {
            "sku": "plain-tee",
            "values": {
                "color": value("red"),
                "materials": value(["wool", "cotton"]),
                "weight": value({"amount": "200", "unit": "gram"}),
                "price": value(
                    [{"amount": "10", "currency": "EUR"}, {"amount": "12", "currency": "USD"}],
                    "ecommerce",
                ),
            },
            "associations": {"pack": [{"product": "belt", "quantity": 2}]},
        }
    )
    assert outcome.ok, outcome.errors
    from governance.models import Term

    governance.term_update(
        term=Term.objects.get(vocabulary__code="colors", code="red"),
        changes={"labels": {"en_US": "Red", "fr_FR": "Rouge"}},
    )
    Channel.objects.get(code="ecommerce").currencies.remove(
        *Channel.objects.get(code="ecommerce").currencies.filter(code="USD")
    )
    published(world)
    values = document(world.tee, locale="fr_FR")["values"]
    assert values["color"] == {"code": "red", "label": "Rouge"}
    assert [term["code"] for term in values["materials"]] == ["wool", "cotton"]
    assert values["weight"] == {"amount": "200", "unit": "gram"}
    assert values["price"] == [{"amount": "10", "currency": "EUR"}]
    assert document(world.tee)["associations"] == {"pack": [{"sku": "belt", "quantity": 2}]}


@pytest.mark.parametrize("reason", ["disabled", "out_of_tree", "incomplete", "never_approved"])
def test_products_that_are_not_publishable_have_no_document(world, reason):
    if reason == "never_approved":
        approve_asset(world, world.asset("hero"))
        refresh(world.tee)
        assert not ChannelDocument.objects.exists()
        return
    if reason == "disabled":
        assert save({"sku": "plain-tee", "enabled": False}).ok
    elif reason == "out_of_tree":
        governance.category_create(code="outlet")
        assert save({"sku": "plain-tee", "categories": ["outlet"]}).ok
    published(world)
    if reason == "incomplete":  # 33% complete (name only) on ecommerce once 50% is needed
        assert rows(world.tee).count() == 2
        governance.channel_update(
            channel=world.ecommerce, changes={"approval_min_completeness": 50}
        )
        refresh(world.tee)
    assert not rows(world.tee).exists()
    # print has no tree and needs no attribute the product lacks: only disabling hides it there
    assert rows(world.tee, "print").exists() is (reason != "disabled")


def test_a_refresh_that_changes_nothing_writes_and_emits_nothing(world):
    published(world)
    assert sorted(e.channel for e in events("channel.product.published")) == [
        "ecommerce",
        "print",
    ]
    event = events("channel.product.published")[0]
    assert event.object_type == "product" and event.object_ref == "plain-tee"
    assert event.payload["sku"] == "plain-tee" and event.payload["revision"] is not None
    stamps = list(ChannelDocument.objects.values_list("pk", "updated_at", "etag"))
    assert refresh(world.tee) == {
        "renditions_made": 0,
        "created": 0,
        "updated": 0,
        "deleted": 0,
    }
    assert list(ChannelDocument.objects.values_list("pk", "updated_at", "etag")) == stamps
    assert len(events()) == 2


def test_a_change_emits_updated_and_retiring_emits_unpublished_once(world):
    published(world)
    dam_services.asset_update(asset=world.asset("hero"), changes={"alt_text": {"en_US": "Changed"}})
    approve_asset(world, world.asset("hero"), alt={}, rights=())
    refresh(world.tee)
    refresh(world.tee)
    [updated] = events("channel.product.updated")
    assert updated.channel == "ecommerce" and updated.payload["locales"] == ["en_US", "fr_FR"]
    assert document(world.tee)["media"]["hero"][0]["alt"] == "Changed"
    with acting_as(user=world.people["owner"]):
        transition(obj=world.tee, action="retire")
    refresh(world.tee)
    refresh(world.tee)
    assert not ChannelDocument.objects.exists()
    assert sorted(e.channel for e in events("channel.product.unpublished")) == [
        "ecommerce",
        "print",
    ]


def test_republishing_the_same_content_is_announced_again(world):
    published(world)
    governance.channel_update(channel=world.print, changes={"approval_min_completeness": 100})
    refresh(world.tee)
    governance.channel_update(channel=world.print, changes={"approval_min_completeness": 0})
    refresh(world.tee)
    assert [e.channel for e in events("channel.product.published")].count("print") == 2


def test_a_required_role_without_media_shows_the_channels_placeholder(world):
    placeholder = world.asset("lifestyle")
    FallbackMedia.objects.create(channel=world.ecommerce, role="hero", asset=placeholder)
    approve_product(world, world.tee)  # its hero is not approved
    refresh(world.tee)
    assert "hero" not in document(world.tee)["media"]  # placeholder not approved either
    approve_asset(world, placeholder)
    refresh(world.tee)
    shown = document(world.tee)
    [item] = shown["media"]["hero"]
    assert item["asset"] == str(placeholder.uuid) and item["placeholder"] is True
    assert item["ready"] is False and item["renditions"]
    assert shown["media_readiness"]["score"] == 0
    assert [m["code"] for m in shown["media_readiness"]["missing"]] == ["not_approved"]


def test_a_variant_shows_what_it_inherits_from_its_models(world):
    variant, model = world.catalog.variant, world.catalog.root
    link_add(asset=world.asset("side"), product_model=model, role="side")
    approve_asset(world, world.asset("side"))
    approve_product(world, variant)
    refresh(variant)
    media = document(variant)["media"]
    assert [item["asset"] for item in media["side"]] == [str(world.asset("side").uuid)]
    assert document(variant)["parent"] == "oxford_red"


def test_missing_renditions_of_channel_profiles_are_made_by_the_refresh(world):
    approve_asset(world, world.asset("hero"))
    Rendition.objects.all().delete()
    approve_product(world, world.tee)
    assert refresh(world.tee)["renditions_made"] == 2
    assert document(world.tee)["media_readiness"]["score"] == 100
    assert (
        MediaReadiness.objects.get(
            product=world.tee, channel__code="ecommerce", locale__code="en_US"
        ).score
        == 100
    )


@override_settings(TESSERA_PUBLIC_RENDITION_BASE_URL="https://cdn.example.com/media/")
def test_a_public_base_serves_approved_renditions_by_their_key(world):
    published(world)
    url = document(world.tee)["media"]["hero"][0]["renditions"]["ecom_small"]["url"]
    assert url.startswith("https://cdn.example.com/media/renditions/")


def test_focal_point_comes_from_the_approved_snapshot(world):
    hero = world.asset("hero")
    dam_services.asset_update(asset=hero, changes={"focal_point_x": 0.25, "focal_point_y": 0.75})
    published(world)
    assert document(world.tee)["media"]["hero"][0]["focal_point"] == {"x": 0.25, "y": 0.75}


def test_assets_without_valid_rights_are_left_out_and_expiry_is_tracked(world):
    ends = timezone.now() + timedelta(days=3)
    approve_asset(
        world,
        world.asset("hero"),
        rights=({"licence": "rights_managed", "valid_until": ends.isoformat()},),
    )
    link_add(asset=world.asset("back"), product=world.tee, role="back")
    approve_asset(world, world.asset("back"), rights=({"licence": "editorial_only"},))
    approve_product(world, world.tee)
    refresh(world.tee)
    row = rows(world.tee).get(locale__code="en_US")
    shown = json.loads(row.document)
    assert list(shown["media"]) == ["hero"]
    assert row.media_expires_at == ends
    assert shown["media"]["hero"][0]["usable_until"] == ends.isoformat()


def test_the_sweep_withdraws_expired_assets_and_emits_an_update(world):
    ends = timezone.now() + timedelta(hours=1)
    approve_asset(
        world,
        world.asset("hero"),
        rights=({"licence": "rights_managed", "valid_until": ends.isoformat()},),
    )
    approve_product(world, world.tee)
    refresh(world.tee)
    assert documents.channel_documents_sweep()["updated"] == 0  # nothing ended yet
    later = ends + timedelta(minutes=1)
    counts = documents.channel_documents_sweep(now=later)
    assert counts["updated"] == 3  # ecommerce en_US and fr_FR, print de_DE
    shown = document(world.tee)
    assert shown["media"] == {} and shown["media_readiness"]["score"] == 0
    assert [m["code"] for m in shown["media_readiness"]["missing"]] == ["rights_invalid"]
    assert rows(world.tee).filter(media_expires_at__isnull=False).count() == 0
    assert sorted(e.channel for e in events("channel.product.updated")) == ["ecommerce", "print"]
    documents.channel_documents_sweep(now=later)
    assert len(events("channel.product.updated")) == 2


def test_the_daily_rights_report_also_withdraws(world, run_tasks_on_commit):
    from dam.tasks import rights_expiry_report

    ends = timezone.now() + timedelta(hours=1)
    approve_asset(
        world,
        world.asset("hero"),
        rights=({"licence": "rights_managed", "valid_until": ends.isoformat()},),
    )
    approve_product(world, world.tee)
    refresh(world.tee)
    from dam.models import UsageRight

    UsageRight.objects.update(valid_until=timezone.now() - timedelta(minutes=1))
    with run_tasks_on_commit(execute=True):
        rights_expiry_report.delay()
    assert document(world.tee)["media"] == {}


def test_approvals_and_link_changes_refresh_on_commit(world, run_tasks_on_commit):
    approve_asset(world, world.asset("hero"))
    with run_tasks_on_commit(execute=True):
        approve_product(world, world.tee)
    assert rows(world.tee).count() == 2
    side = world.asset("side")
    approve_asset(world, side)
    with run_tasks_on_commit(execute=True):
        link_add(asset=side, product=world.tee, role="side")
    assert "side" in document(world.tee)["media"]
    with run_tasks_on_commit(execute=True):
        dam_services.asset_update(asset=side, changes={"alt_text": {"en_US": "New side"}})
    assert document(world.tee)["media"]["side"][0]["alt"] == "side picture"  # approved one
    with run_tasks_on_commit(execute=True), acting_as(user=world.people["librarian"]):
        transition(obj=side, action="retire")
    assert "side" not in document(world.tee)["media"]


def test_a_link_on_a_model_refreshes_its_variants(world, run_tasks_on_commit):
    variant = world.catalog.variant
    approve_product(world, variant)
    side = world.asset("side")
    approve_asset(world, side)
    refresh(variant)
    assert "side" not in document(variant)["media"]
    with run_tasks_on_commit(execute=True):
        link_add(asset=side, product_model=world.catalog.root, role="side")
    assert [item["asset"] for item in document(variant)["media"]["side"]] == [str(side.uuid)]


def test_configuration_changes_rebuild_the_affected_products(world, run_tasks_on_commit):
    published(world)
    governance.category_create(code="outlet")
    with run_tasks_on_commit(execute=True):
        governance.channel_update(channel=world.ecommerce, changes={}, category_tree="outlet")
    assert not rows(world.tee).exists()


def test_deleting_a_published_product_tells_the_channels(world):
    from pim.services.products import product_delete

    published(world)
    product_delete(product=Product.objects.get(pk=world.tee.pk))
    assert sorted(e.channel for e in events("channel.product.unpublished")) == [
        "ecommerce",
        "print",
    ]
