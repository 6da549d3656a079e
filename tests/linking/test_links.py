"""Link services: adding (idempotent, validated, positioned), changing, removing, reordering in
one call; each write audited on the product and announced as `linking.links.changed`; merged
media roles rewritten."""

import pytest
from django.core.exceptions import ValidationError

from governance.change_requests import change_request_approve, change_request_submit
from governance.models import AuditRecord, Channel, Event, Locale, Term, Vocabulary
from linking.models import FallbackMedia, MediaRequirement, ProductAssetLink
from linking.services.links import link_add, link_remove, link_update, links_reorder
from pim.models import Family
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db


def codes(owner, role):
    rows = ProductAssetLink.objects.filter(role=role, **owner).order_by("position", "id")
    return [(row.asset.code, row.position) for row in rows]


def error_codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def test_link_add_appends_within_the_role(linked_catalog):
    c = linked_catalog
    for name in ("hero", "back", "side"):
        link_add(asset=c.assets[name], product=c.variant, role="detail")
    link_add(asset=c.assets["lifestyle"], product=c.variant, role="hero")
    assert codes({"product": c.variant}, "detail") == [("hero", 0), ("back", 1), ("side", 2)]
    assert codes({"product": c.variant}, "hero") == [("lifestyle", 0)]


def test_an_explicit_position_shifts_the_later_links_down(linked_catalog):
    c = linked_catalog
    for name in ("hero", "back"):
        link_add(asset=c.assets[name], product_model=c.root, role="detail")
    link_add(asset=c.assets["side"], product_model=c.root, role="detail", position=1)
    link_add(asset=c.assets["lifestyle"], product_model=c.root, role="detail", position=99)
    assert codes({"product_model": c.root}, "detail") == [
        ("hero", 0),
        ("side", 1),
        ("back", 2),
        ("lifestyle", 3),
    ]


def test_the_identical_link_is_returned_unchanged(linked_catalog):
    c = linked_catalog
    first = link_add(asset=c.assets["hero"], product=c.variant, role="hero", locale="en_US")
    events = Event.objects.filter(name="linking.links.changed").count()
    again = link_add(
        asset=c.assets["hero"], product=c.variant, role="hero", locale="en_US", position=5
    )
    assert again.pk == first.pk and again.position == 0
    assert ProductAssetLink.objects.count() == 1
    assert Event.objects.filter(name="linking.links.changed").count() == events
    # Another scope is another link.
    link_add(asset=c.assets["hero"], product=c.variant, role="hero", locale="fr_FR")
    link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    assert ProductAssetLink.objects.count() == 3


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"role": "banner"}, {"role": ["unknown_role"]}),
        ({"role": "hero", "locale": "xx_XX"}, {"locale": ["unknown_locale"]}),
        ({"role": "hero", "channel": "moon"}, {"channel": ["unknown_channel"]}),
        ({"role": "hero", "position": -1}, {"position": ["invalid_position"]}),
    ],
)
def test_link_add_refuses_bad_input(linked_catalog, kwargs, expected):
    with pytest.raises(ValidationError) as caught:
        link_add(asset=linked_catalog.assets["hero"], product=linked_catalog.variant, **kwargs)
    assert error_codes(caught.value) == expected
    assert not ProductAssetLink.objects.exists()


def test_link_add_needs_exactly_one_owner(linked_catalog):
    c = linked_catalog
    for owners in ({}, {"product": c.variant, "product_model": c.model}):
        with pytest.raises(ValidationError) as caught:
            link_add(asset=c.assets["hero"], role="hero", **owners)
        assert error_codes(caught.value) == {"product": ["one_owner"]}


def test_inactive_locales_and_deprecated_roles_are_refused(linked_catalog):
    c = linked_catalog
    Locale.objects.filter(code="fr_FR").update(is_active=False)
    with pytest.raises(ValidationError) as caught:
        link_add(asset=c.assets["hero"], product=c.variant, role="hero", locale="fr_FR")
    assert error_codes(caught.value) == {"locale": ["unknown_locale"]}
    deprecation = change_request_submit(
        vocabulary=Vocabulary.objects.get(code="media_roles"),
        kind="deprecate",
        payload={"code": "packshot"},
    )
    change_request_approve(change_request=deprecation)
    with pytest.raises(ValidationError) as caught:
        link_add(asset=c.assets["hero"], product=c.variant, role="packshot")
    assert error_codes(caught.value) == {"role": ["deprecated_role"]}


def test_writes_are_audited_on_the_product_and_announced(linked_catalog):
    c = linked_catalog
    link = link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    link_add(asset=c.assets["back"], product_model=c.model, role="back")
    record = AuditRecord.objects.filter(object_id=c.variant.pk).order_by("-pk").first()
    assert record.object_repr == "oxford-red-m"
    assert record.changes["links.hero"] == [[], [str(c.assets["hero"].uuid)]]
    events = list(Event.objects.filter(name="linking.links.changed").order_by("pk"))
    assert [(e.object_type, e.object_ref, e.payload["role"]) for e in events] == [
        ("product", "oxford-red-m", "hero"),
        ("product_model", "oxford_red", "back"),
    ]
    assert events[0].payload["assets"] == [str(c.assets["hero"].uuid)]
    link_remove(link=link)
    last = Event.objects.filter(name="linking.links.changed").order_by("pk").last()
    assert last.payload == {"role": "hero", "assets": [], "change": "removed"}
    assert len({e.key for e in Event.objects.filter(name="linking.links.changed")}) == 3


def test_scoped_links_are_audited_with_their_scope_and_the_actor(linked_catalog):
    c = linked_catalog
    robot = UserFactory(username="robot")
    link = link_add(
        asset=c.assets["side"],
        product=c.variant,
        role="side",
        channel="ecommerce",
        locale="fr_FR",
        naming_rule="by_sku",
        actor=robot,
    )
    assert (link.created_by, link.naming_rule) == (robot, "by_sku")
    record = AuditRecord.objects.filter(object_id=c.variant.pk).order_by("-pk").first()
    assert record.actor_label == "robot"
    assert record.changes["links.side"] == [[], [f"{c.assets['side'].uuid} [ecommerce|fr_FR]"]]
    event = Event.objects.filter(name="linking.links.changed").get()
    assert event.channel == "ecommerce"


def test_link_update_moves_a_link_within_and_between_roles(linked_catalog):
    c = linked_catalog
    links = [link_add(asset=c.assets[n], product=c.variant, role="detail") for n in c.assets]
    link_update(link=links[0], changes={"position": 3})
    assert [code for code, _ in codes({"product": c.variant}, "detail")] == [
        "back",
        "side",
        "swatch_red",
        "hero",
        "lifestyle",
    ]
    moved = link_update(link=links[1], changes={"role": "back", "locale": "en_US"})
    assert (moved.role, moved.locale.code, moved.position) == ("back", "en_US", 0)
    assert codes({"product": c.variant}, "detail") == [
        ("side", 0),
        ("swatch_red", 1),
        ("hero", 2),
        ("lifestyle", 3),
    ]


def test_link_update_refuses_bad_changes(linked_catalog):
    c = linked_catalog
    link = link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    link_add(asset=c.assets["hero"], product=c.variant, role="back")
    for changes, expected in [
        ({"asset": "x"}, {"asset": ["not_editable"]}),
        ({"role": "banner"}, {"role": ["unknown_role"]}),
        ({"role": "back"}, {"role": ["duplicate_link"]}),
        ({"channel": "moon"}, {"channel": ["unknown_channel"]}),
        ({"position": -2}, {"position": ["invalid_position"]}),
    ]:
        with pytest.raises(ValidationError) as caught:
            link_update(link=link, changes=changes)
        assert error_codes(caught.value) == expected, changes


def test_link_remove_closes_the_gap(linked_catalog):
    c = linked_catalog
    links = [link_add(asset=c.assets[n], product=c.variant, role="detail") for n in c.assets]
    link_remove(link=links[1])
    assert [position for _, position in codes({"product": c.variant}, "detail")] == [0, 1, 2, 3]


def test_reordering_is_one_call(linked_catalog):
    c = linked_catalog
    names = ["hero", "back", "side"]
    for name in names:
        link_add(asset=c.assets[name], product_model=c.root, role="detail")
    wanted = [str(c.assets[n].uuid) for n in ("side", "hero", "back")]
    links = links_reorder(product_model=c.root, role="detail", asset_uuids=wanted)
    assert [link.asset.code for link in links] == ["side", "hero", "back"]
    assert codes({"product_model": c.root}, "detail") == [("side", 0), ("hero", 1), ("back", 2)]
    event = Event.objects.filter(name="linking.links.changed").order_by("pk").last()
    assert event.payload["change"] == "reordered" and event.payload["assets"] == wanted


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["side", "hero"], "missing_asset"),
        (["side", "hero", "back", "lifestyle"], "not_linked"),
        (["side", "hero", "back", "side"], "duplicate_asset"),
    ],
)
def test_reordering_must_name_exactly_the_linked_assets(linked_catalog, names, code):
    c = linked_catalog
    for name in ("hero", "back", "side"):
        link_add(asset=c.assets[name], product=c.variant, role="detail")
    with pytest.raises(ValidationError) as caught:
        links_reorder(
            product=c.variant, role="detail", asset_uuids=[str(c.assets[n].uuid) for n in names]
        )
    assert error_codes(caught.value) == {"assets": [code]}
    assert codes({"product": c.variant}, "detail") == [("hero", 0), ("back", 1), ("side", 2)]


def test_reordering_is_per_scope(linked_catalog):
    c = linked_catalog
    link_add(asset=c.assets["hero"], product=c.variant, role="detail")
    link_add(asset=c.assets["back"], product=c.variant, role="detail", locale="fr_FR")
    link_add(asset=c.assets["side"], product=c.variant, role="detail", locale="fr_FR")
    uuids = [str(c.assets[n].uuid) for n in ("side", "back")]
    links_reorder(product=c.variant, role="detail", locale="fr_FR", asset_uuids=uuids)
    scoped = ProductAssetLink.objects.filter(locale__code="fr_FR").order_by("position")
    assert [link.asset.code for link in scoped] == ["side", "back"]
    with pytest.raises(ValidationError):
        links_reorder(product=c.variant, role="detail", asset_uuids=uuids)


def test_a_media_role_merge_rewrites_links_requirements_and_placeholders(linked_catalog):
    c = linked_catalog
    link_add(asset=c.assets["hero"], product=c.variant, role="front")
    link_add(asset=c.assets["back"], product=c.variant, role="packshot")
    link_add(asset=c.assets["hero"], product=c.variant, role="packshot")  # a duplicate after
    link_add(asset=c.assets["side"], product_model=c.root, role="packshot", locale="en_US")
    shirts, channel = Family.objects.get(code="shirts"), Channel.objects.get(code="ecommerce")
    MediaRequirement.objects.create(family=shirts, channel=channel, role="front", minimum=1)
    MediaRequirement.objects.create(family=shirts, channel=channel, role="packshot", minimum=2)
    FallbackMedia.objects.create(channel=channel, role="packshot", asset=c.assets["lifestyle"])
    request = change_request_submit(
        vocabulary=Vocabulary.objects.get(code="media_roles"),
        kind="merge",
        payload={"sources": ["packshot"], "target": "front"},
    )
    change_request_approve(change_request=request)

    assert codes({"product": c.variant}, "front") == [("hero", 0), ("back", 1)]
    assert not ProductAssetLink.objects.filter(role="packshot").exists()
    model_link = ProductAssetLink.objects.get(product_model=c.root)
    assert (model_link.role, model_link.locale.code) == ("front", "en_US")
    assert list(MediaRequirement.objects.values_list("role", "minimum")) == [("front", 2)]
    assert list(FallbackMedia.objects.values_list("role", flat=True)) == ["front"]
    assert not Term.objects.filter(vocabulary__code="media_roles", code="packshot").exists()


def test_a_change_that_changes_nothing_records_nothing(linked_catalog):
    c = linked_catalog
    link = link_add(asset=c.assets["hero"], product=c.variant, role="hero")
    link_add(asset=c.assets["back"], product=c.variant, role="hero")
    events = Event.objects.filter(name="linking.links.changed").count()
    link_update(link=link, changes={"position": 0, "role": "hero"})
    assert Event.objects.filter(name="linking.links.changed").count() == events
    link_remove(link=link)
    link_remove(link=link)  # gone already: nothing to do
    assert Event.objects.filter(name="linking.links.changed").count() == events + 1
    assert codes({"product": c.variant}, "hero") == [("back", 0)]
