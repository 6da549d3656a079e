"""Helpers for the readiness, channel document and feed tests, on top of `linked_catalog`
(tests/linking/builders.py): channel thresholds low enough to approve the sample products,
ecommerce rendition profiles, a hero requirement, and the people who approve.

`build_feed_world(linked_catalog)` makes the world: `plain-tee` (standalone, category
shirts_cat, name en_US only) with its own hero; assets approved with alt text and rights by
`approve_asset`; products approved by `approve_product`. Nothing is published until a test
approves."""

from dataclasses import dataclass

from dam import rendering
from dam import services as dam_services
from dam.models import Asset, RenditionProfile
from governance import roles
from governance import services as governance
from governance.audit import acting_as
from governance.models import Channel
from governance.workflow import transition
from linking.models import ChannelDocument, MediaRequirement
from linking.services import documents
from linking.services.links import link_add
from pim.models import Family, Product
from tests.governance.people import member
from tests.linking.builders import LinkedCatalog


@dataclass
class FeedWorld:
    catalog: LinkedCatalog
    people: dict
    ecommerce: Channel
    print: Channel

    @property
    def tee(self) -> Product:
        return self.catalog.standalone

    def asset(self, name: str) -> Asset:
        return self.catalog.assets[name]


def approve(people: dict, obj, submitter: str, approver: str):
    with acting_as(user=people[submitter]):
        transition(obj=obj, action="submit")
    with acting_as(user=people[approver]):
        transition(obj=obj, action="approve")
    obj.refresh_from_db()
    return obj


def approve_product(world: FeedWorld, product: Product) -> Product:
    return approve(world.people, product, "editor", "owner")


def approve_asset(
    world: FeedWorld, asset: Asset, *, alt=None, rights=({"licence": "owned"},)
) -> Asset:
    """Alt text (en_US and fr_FR unless given), rights, submitted and approved; rendered."""
    alt = {"en_US": f"{asset.code} picture", "fr_FR": f"image {asset.code}"} if alt is None else alt
    if alt:
        dam_services.asset_update(asset=asset, changes={"alt_text": alt})
    for right in rights:
        dam_services.usage_right_save(asset=asset, changes=dict(right))
    asset.refresh_from_db()
    approve(world.people, asset, "librarian", "other_librarian")
    render(asset)
    return asset


def render(asset: Asset) -> None:
    """Make the ecommerce renditions of the asset's current version, as the refresh that the
    approval queues does (these tests do not run on-commit tasks unless they say so)."""
    if asset.kind != "image":
        return
    version = asset.current_version
    version.asset = asset
    for profile in RenditionProfile.objects.filter(channel__code="ecommerce"):
        rendering.rendition_ensure(version=version, profile=profile)


def refresh(*products: Product, now=None) -> dict:
    return documents.channel_documents_refresh(product_ids=[p.pk for p in products], now=now)


def rows(product: Product, channel: str = "ecommerce"):
    return ChannelDocument.objects.filter(product=product, channel__code=channel).order_by(
        "locale__code"
    )


def build_feed_world(catalog: LinkedCatalog) -> FeedWorld:
    for code in ("ecommerce", "print"):
        governance.channel_update(
            channel=Channel.objects.get(code=code), changes={"approval_min_completeness": 0}
        )
    for code, width in (("ecom_small", 40), ("ecom_large", 80)):
        rendering.rendition_profile_save(
            code=code,
            changes={"width": width, "height": width, "format": "webp", "channel": "ecommerce"},
        )
    MediaRequirement.objects.create(
        family=Family.objects.get(code="shirts"),
        channel=Channel.objects.get(code="ecommerce"),
        role="hero",
        minimum=1,
    )
    people = {
        "editor": member(roles.PRODUCT_EDITOR),
        "owner": member(roles.PRODUCT_DATA_OWNER),
        "librarian": member(roles.ASSET_LIBRARIAN),
        "other_librarian": member(roles.ASSET_LIBRARIAN, "other_librarian"),
    }
    link_add(asset=catalog.assets["hero"], product=catalog.standalone, role="hero")
    return FeedWorld(
        catalog=catalog,
        people=people,
        ecommerce=Channel.objects.get(code="ecommerce"),
        print=Channel.objects.get(code="print"),
    )
