"""Media readiness per product × channel × locale: each reason a required role is not ready,
the score, the non-image checks, the API, and the media policy (completeness, approval gate)."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dam.models import Rendition
from dam.services import assets_ingest
from governance import workflow
from governance.audit import acting_as
from governance.models import Channel
from linking.models import ChannelDocument, MediaReadiness, MediaRequirement
from linking.services import media_config
from linking.services.links import link_add
from linking.services.readiness import readiness_compute, territory_of
from pim.models import Product
from tests.dam.media import pdf
from tests.governance.factories import UserFactory
from tests.linking.feed_helpers import (
    approve,
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


def readiness(world, product=None, channel="ecommerce", locale="en_US", now=None):
    return readiness_compute(
        product=product or world.tee,
        channel=Channel.objects.get(code=channel),
        locale=locale,
        now=now or timezone.now(),
    )


def codes(result) -> list[str]:
    return [problem["code"] for problem in result.missing]


def test_territory_is_the_locales_region():
    assert (territory_of("fr_FR"), territory_of("en_US"), territory_of("en")) == ("FR", "US", "")


def test_a_required_role_with_nothing_linked_is_missing(world):
    result = readiness(world, product=world.catalog.other_variant)
    assert (result.score, result.required, result.ready) == (0, 1, 0)
    assert result.missing == [
        {"role": "hero", "code": "role_missing", "message": "hero: 1 needed, none linked."}
    ]
    assert readiness(world, world.catalog.other_variant, "print", "de_DE").score == 100


def test_an_asset_that_is_not_approved_does_not_count(world):
    result = readiness(world)
    assert codes(result) == ["not_approved"] and result.score == 0
    assert result.missing[0]["asset"] == str(world.asset("hero").uuid)


def test_alt_text_counts_per_locale(world):
    approve_asset(world, world.asset("hero"), alt={"en_US": "A tee"})
    assert readiness(world).score == 100
    result = readiness(world, locale="fr_FR")
    assert codes(result) == ["alt_text_missing"] and "fr_FR" in result.missing[0]["message"]


def test_rights_are_checked_for_the_channel_and_the_locales_territory(world):
    approve_asset(
        world,
        world.asset("hero"),
        rights=({"licence": "royalty_free", "territories": ["US"]},),
    )
    assert readiness(world).score == 100
    result = readiness(world, locale="fr_FR")
    assert codes(result) == ["rights_invalid"]
    assert "not licensed in FR" in result.missing[0]["reason"]


def test_rights_end_at_their_time(world):
    ends = timezone.now() + timedelta(days=1)
    approve_asset(
        world,
        world.asset("hero"),
        rights=({"licence": "owned", "valid_until": ends.isoformat()},),
    )
    assert readiness(world).score == 100
    assert codes(readiness(world, now=ends + timedelta(seconds=1))) == ["rights_invalid"]


def test_renditions_of_every_channel_profile_must_be_made(world):
    approve_asset(world, world.asset("hero"))
    Rendition.objects.filter(profile__code="ecom_large").delete()
    result = readiness(world)
    assert codes(result) == ["renditions_not_ready"]
    assert result.missing[0]["profiles"] == ["ecom_large"]
    refresh(world.tee)  # the background refresh makes them
    assert readiness(world).score == 100


def test_every_reason_of_one_asset_is_listed(world):
    approve_asset(world, world.asset("hero"), alt={}, rights=())
    Rendition.objects.all().delete()
    assert codes(readiness(world)) == [
        "rights_invalid",
        "alt_text_missing",
        "renditions_not_ready",
    ]


def test_the_score_counts_required_slots(world):
    requirement = MediaRequirement.objects.get(role="hero")
    requirement.minimum = 2
    requirement.save()
    approve_asset(world, world.asset("hero"))
    result = readiness(world)
    assert (result.score, result.required, result.ready) == (50, 2, 1)
    assert result.missing[0]["message"] == "hero: 2 needed, 1 linked."


def test_documents_count_with_approval_and_rights_only(world, tmp_path):
    MediaRequirement.objects.create(family=world.tee.family, channel=world.ecommerce, role="manual")
    with open(pdf(tmp_path / "manual.pdf"), "rb") as file:
        [ingested] = assets_ingest(uploads=[("manual.pdf", io.BytesIO(file.read()))])
    manual = ingested.asset
    link_add(asset=manual, product=world.tee, role="manual")
    approve_asset(world, world.asset("hero"))
    assert codes(readiness(world)) == ["not_approved"]
    approve_asset(world, manual, alt={})  # no alt text needed, renditions not required
    assert readiness(world).score == 100


def test_refresh_stores_readiness_per_channel_and_locale(world):
    refresh(world.tee)
    stored = {
        (row.channel.code, row.locale.code): (row.score, [m["code"] for m in row.missing])
        for row in MediaReadiness.objects.filter(product=world.tee)
    }
    assert stored == {
        ("ecommerce", "en_US"): (0, ["not_approved"]),
        ("ecommerce", "fr_FR"): (0, ["not_approved"]),
        ("print", "de_DE"): (100, []),
    }


# ------------------------------------------------------------------------------ the API


def test_the_api_answers_every_pair_or_the_ones_asked(world, api_client):
    approve_asset(world, world.asset("hero"), alt={"en_US": "Tee"})
    api_client.force_authenticate(UserFactory(permissions=["pim.view_product"]))
    body = api_client.get("/api/v1/products/plain-tee/readiness").json()
    assert body["sku"] == "plain-tee"
    assert [(r["channel"], r["locale"], r["score"]) for r in body["results"]] == [
        ("ecommerce", "en_US", 100),
        ("ecommerce", "fr_FR", 0),
        ("print", "de_DE", 100),
    ]
    [row] = api_client.get(
        "/api/v1/products/plain-tee/readiness?channel=ecommerce&locale=fr_FR"
    ).json()["results"]
    assert [m["code"] for m in row["missing"]] == ["alt_text_missing"]
    assert row["attribute_completeness"] == 0 and row["completeness"] == 0  # no fr_FR name
    assert row["counts_towards_completeness"] is False
    unknown = api_client.get("/api/v1/products/plain-tee/readiness?channel=nowhere")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "channel"
    assert api_client.get("/api/v1/products/nothing/readiness").status_code == 404


def test_the_api_needs_the_product_view_permission(world, api_client):
    api_client.force_authenticate(UserFactory())
    assert api_client.get("/api/v1/products/plain-tee/readiness").status_code == 403


# ------------------------------------------------------------------------------ the policy


def test_a_policy_can_count_readiness_towards_completeness(world, api_client):
    media_config.media_policy_save(
        channel=world.ecommerce, changes={"counts_towards_completeness": True}
    )
    api_client.force_authenticate(UserFactory(permissions=["pim.view_product"]))
    [row] = api_client.get(
        "/api/v1/products/plain-tee/readiness?channel=ecommerce&locale=en_US"
    ).json()["results"]
    # 1 of 3 required attributes and 0 of 1 required slot: (33 × 3 + 0) ÷ 4
    assert (row["attribute_completeness"], row["completeness"]) == (33, 24)
    Channel.objects.filter(code="ecommerce").update(approval_min_completeness=30)
    assert save({"sku": "plain-tee", "values": {"name": value("Tee", locale="fr_FR")}}).ok
    approve_product(world, world.tee)  # 33 ≥ 30: the attributes alone pass the gate
    refresh(world.tee)
    assert not rows(world.tee).exists()  # 24 < 30 with media counted
    approve_asset(world, world.asset("hero"))
    refresh(world.tee)
    assert rows(world.tee).count() == 2  # (33 × 3 + 100) ÷ 4 = 49


def test_a_policy_can_gate_approval_on_media(world):
    media_config.media_policy_save(channel=world.ecommerce, changes={"gates_approval": True})
    approve_asset(world, world.asset("hero"), alt={"en_US": "Tee"})
    with pytest.raises(ValidationError) as refused:
        approve_product(world, world.tee)
    [problem] = [e for e in workflow.error_list(refused.value) if e["code"] == "media_not_ready"]
    assert problem["field"] == "media_readiness[channel=ecommerce, locale=fr_FR]"
    assert "0% ready on ecommerce in fr_FR" in problem["message"]
    assert "has no alt text in fr_FR" in problem["message"]
    from dam import services as dam_services

    dam_services.asset_update(asset=world.asset("hero"), changes={"alt_text": {"fr_FR": "Un tee"}})
    approve(world.people, world.asset("hero"), "librarian", "other_librarian")
    approve_product(world, Product.objects.get(pk=world.tee.pk))
    assert Product.objects.get(pk=world.tee.pk).workflow_state == "approved"


def test_the_gate_leaves_channels_whose_tree_does_not_hold_the_product(world):
    media_config.media_policy_save(channel=world.print, changes={"gates_approval": True})
    MediaRequirement.objects.create(family=world.tee.family, channel=world.print, role="back")
    from governance import services as governance

    governance.category_create(code="catalogue")
    governance.channel_update(channel=world.print, changes={}, category_tree="catalogue")
    approve_product(world, world.tee)
    assert not ChannelDocument.objects.filter(channel=world.print).exists()


def test_without_the_policy_media_does_not_gate(world):
    with acting_as(user=world.people["editor"]):
        workflow.transition(obj=world.tee, action="submit")
    assert world.tee.workflow_state == "in_review"
