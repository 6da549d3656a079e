"""Building one channel document: what a channel publishes of an approved product in a locale.

Everything product-side comes from the approved snapshot (values resolved per channel and
locale with inheritance applied, categories, enabled, completeness): editing a product changes
nothing here until it is approved again. Labels (terms, categories) and associations are read
as they are now. The media manifest lists the product's linked assets that the channel may
show — approved (their approved version), rights valid now, every channel rendition made —
with a placeholder for a required role that has none.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from dam.models import Asset
from dam.views import rendition_path
from governance.models import Category, Channel, Term
from linking.models import FallbackMedia
from linking.selectors.links import MediaItem, ProductLinks, product_links
from linking.services.readiness import MediaContext, Readiness, Verdict, combined_completeness
from pim.catalog import Catalog
from pim.models import Association, Product
from pim.selectors import catalog_load


@dataclass
class ChannelSetup:
    """A channel as the feed needs it, loaded once per refresh."""

    channel: Channel
    locales: list[tuple[int, str]]  # (id, code), by code
    currencies: frozenset[str]
    tree_path: str | None


@dataclass
class Built:
    """One document ready to store, or the reason there is none."""

    text: str
    etag: str
    media_expires_at: datetime | None


@dataclass
class Snapshot:
    """A product's approved snapshot with what its document needs beside it."""

    payload: dict
    revision: int
    approved_at: datetime
    categories: list[tuple[str, str, dict]]  # (code, path, labels) of those that still exist
    associations: dict


def document_etag(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def dumps(document: dict) -> str:
    """The stored (and served) form: compact, keys in the order built, UTF-8 as is."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass
class DocumentBuilder:
    """Loads what every document of a refresh shares (channels, catalog, fallbacks), then
    builds documents product by product."""

    now: datetime
    catalog: Catalog = field(default_factory=catalog_load)
    channels: list[ChannelSetup] = field(default_factory=list)
    fallbacks: dict[tuple[int, str], Asset] = field(default_factory=dict)
    _terms: dict[int, dict[str, dict]] = field(default_factory=dict)

    def __post_init__(self):
        rows = Channel.objects.select_related("category_tree").prefetch_related(
            "locales", "currencies"
        )
        self.channels = [
            ChannelSetup(
                channel=channel,
                locales=sorted(
                    ((locale.pk, locale.code) for locale in channel.locales.all()),
                    key=lambda pair: pair[1],
                ),
                currencies=frozenset(c.code for c in channel.currencies.all()),
                tree_path=channel.category_tree.path if channel.category_tree_id else None,
            )
            for channel in rows.order_by("code")
        ]
        self.fallbacks = {
            (row.channel_id, row.role): row.asset
            for row in FallbackMedia.objects.select_related("asset")
        }
        self.media = MediaContext(now=self.now)
        # The product's links, read once for all its channel × locale documents (they were
        # read per document: 21 documents made ~130 queries of a product's refresh).
        self._links: dict[int, ProductLinks] = {}

    def next_product(self) -> None:
        """Read the assets (approval, rights, renditions) afresh for the next product: it is
        built under its own lock, after whatever changed them since the last one."""
        self.media.forget_assets()
        self._links = {}

    # ---------------------------------------------------------------- publishability

    def attributes_required(self, family: str, channel: str) -> int:
        rules = self.catalog.families.get(family)
        return len(rules.requirements.get(channel, ())) if rules else 0

    def completeness(self, payload: dict, channel: str, locale: str) -> int:
        """Attribute completeness as approved; snapshots from before it was recorded are
        measured on their resolved values against today's requirements."""
        recorded = payload.get("completeness")
        if recorded is not None:
            return recorded.get(channel, {}).get(locale, 100)
        rules = self.catalog.families.get(payload["family"])
        required = rules.requirements.get(channel, ()) if rules else ()
        if not required:
            return 100
        shown = payload.get("channels", {}).get(channel, {}).get(locale, {})
        return sum(code in shown for code in required) * 100 // len(required)

    def publishable(
        self, snapshot: Snapshot, setup: ChannelSetup, locale: str, readiness: Readiness
    ) -> bool:
        """Enabled, in the channel's tree, complete enough (with media when its policy says)."""
        payload, channel = snapshot.payload, setup.channel
        if not payload.get("enabled", True):
            return False
        if setup.tree_path is not None and not any(
            path.startswith(setup.tree_path) for _, path, _ in snapshot.categories
        ):
            return False
        ratio = self.completeness(payload, channel.code, locale)
        policy = self.media.policy(channel.pk)
        if policy is not None and policy.counts_towards_completeness:
            ratio = combined_completeness(
                ratio=ratio,
                attributes_required=self.attributes_required(payload["family"], channel.code),
                readiness=readiness,
            )
        return ratio >= channel.approval_min_completeness

    # ---------------------------------------------------------------- values

    def _term(self, vocabulary_id: int, code, locale: str) -> dict:
        if vocabulary_id not in self._terms:
            self._terms[vocabulary_id] = dict(
                Term.objects.filter(vocabulary_id=vocabulary_id).values_list("code", "labels")
            )
        labels = self._terms[vocabulary_id].get(code) or {}
        return {"code": code, "label": labels.get(locale)}

    def value(self, code: str, data, locale: str, currencies: frozenset[str]):
        """A resolved value as a channel shows it."""
        attribute = self.catalog.attributes.get(code)
        kind = attribute.type if attribute else None
        if kind == "select" and attribute.vocabulary_id:
            return self._term(attribute.vocabulary_id, data, locale)
        if kind == "multiselect" and attribute.vocabulary_id and isinstance(data, list):
            return [self._term(attribute.vocabulary_id, term, locale) for term in data]
        if kind == "price" and isinstance(data, list):
            return [price for price in data if price.get("currency") in currencies]
        if kind == "metric" and isinstance(data, dict):
            return {"amount": data.get("amount"), "unit": data.get("unit")}
        return data

    def values(self, payload: dict, setup: ChannelSetup, locale: str) -> dict:
        shown = payload.get("channels", {}).get(setup.channel.code, {}).get(locale, {})
        return {
            code: self.value(code, shown[code], locale, setup.currencies) for code in sorted(shown)
        }

    # ---------------------------------------------------------------- media

    def _renditions(self, asset_uuid: str, version: int, verdict_renditions) -> tuple[dict, str]:
        public_base = settings.TESSERA_PUBLIC_RENDITION_BASE_URL.rstrip("/")
        site = settings.TESSERA_SITE_URL.rstrip("/")
        renditions, widths = {}, {}
        for profile, rendition in verdict_renditions:
            if public_base:  # approved (only approved assets are listed): the CDN serves it
                url = f"{public_base}/{rendition.file}"
            else:
                url = site + rendition_path(asset_uuid, profile.code, version)
            renditions[profile.code] = {
                "url": url,
                "width": rendition.width,
                "height": rendition.height,
                "format": profile.format,
                "bytes": rendition.size,
            }
            if profile.format != "mp4" and rendition.width:
                widths.setdefault(rendition.width, url)
        srcset = ", ".join(f"{widths[width]} {width}w" for width in sorted(widths))
        return renditions, srcset

    def media_item(self, verdict: Verdict, locale: str, *, placeholder: bool = False) -> dict:
        snapshot, asset = verdict.snapshot, verdict.item.asset
        renditions, srcset = self._renditions(
            str(asset.uuid), snapshot["version"]["number"], verdict.renditions
        )
        return {
            "asset": str(asset.uuid),
            "position": verdict.item.position,
            "kind": snapshot.get("kind"),
            "alt": (snapshot.get("alt_text") or {}).get(locale),
            "focal_point": snapshot.get("focal_point"),
            "placeholder": placeholder,
            "ready": verdict.ready and not placeholder,
            "usable_until": _iso(verdict.usable_until),
            "renditions": renditions,
            "srcset": srcset,
        }

    def placeholder(self, setup: ChannelSetup, role: str, locale: str) -> Verdict | None:
        """The channel's fallback for the role, when it may be shown itself."""
        asset = self.fallbacks.get((setup.channel.pk, role))
        if asset is None:
            return None
        self.media.load([asset])
        item = MediaItem(link=None, asset=asset, role=role, position=0, inherited_from=None)
        verdict = self.media.verdict(item, setup.channel, locale)
        return verdict if verdict.shown else None

    def manifest(
        self,
        product: Product,
        setup: ChannelSetup,
        locale: str,
        readiness: Readiness,
        verdicts: list[Verdict],
    ) -> tuple[dict, list[Verdict]]:
        """{role: [items]} in role order then position, and the verdicts of what it lists."""
        listed: dict[str, list[Verdict]] = {}
        for verdict in verdicts:
            if verdict.shown:
                listed.setdefault(verdict.item.role, []).append(verdict)
        placeholders = set()
        for role, _ in self.media.requirements(product.family_id, setup.channel.pk):
            # Only a role with nothing to show gets the stand-in: a real picture that lacks
            # alt text in this locale is listed (ready: false), not replaced.
            if not listed.get(role):
                stand_in = self.placeholder(setup, role, locale)
                if stand_in is not None:
                    listed[role] = [stand_in]
                    placeholders.add(role)
        last = len(self.media.roles)
        order = sorted(listed, key=lambda role: (self.media.roles.get(role, last), role))
        media = {
            role: [
                self.media_item(verdict, locale, placeholder=role in placeholders)
                for verdict in listed[role]
            ]
            for role in order
        }
        return media, [verdict for role in order for verdict in listed[role]]

    # ---------------------------------------------------------------- the document

    def readiness(self, product: Product, setup: ChannelSetup, locale: str):
        if product.pk not in self._links:
            self._links = {product.pk: product_links(product)}
        items = self._links[product.pk].media(channel=setup.channel.code, locale=locale)
        self.media.load([item.asset for item in items])
        return self.media.assess(product, setup.channel, locale, items)

    def document(
        self,
        product: Product,
        snapshot: Snapshot,
        setup: ChannelSetup,
        locale: str,
        readiness: Readiness,
        verdicts: list[Verdict],
    ) -> Built:
        payload = snapshot.payload
        media, listed = self.manifest(product, setup, locale, readiness, verdicts)
        required_roles = dict(self.media.requirements(product.family_id, setup.channel.pk))
        document = {
            "sku": payload["sku"],
            "family": payload["family"],
            "parent": payload.get("parent"),
            "revision": snapshot.revision,
            "approved_at": _iso(snapshot.approved_at),
            "categories": [
                {"code": code, "label": labels.get(locale)}
                for code, _, labels in snapshot.categories
            ],
            "values": self.values(payload, setup, locale),
            "associations": snapshot.associations,
            "media": media,
            "media_readiness": {
                "score": readiness.score,
                "required": readiness.required,
                "ready": readiness.ready,
                "required_roles": required_roles,
                "missing": readiness.missing,
            },
        }
        text = dumps(document)
        ends = [verdict.usable_until for verdict in listed if verdict.usable_until]
        return Built(text, document_etag(text), min(ends) if ends else None)


def snapshot_load(product: Product, payload: dict, revision: int, approved_at) -> Snapshot:
    """The snapshot with its categories (path and labels as they are now) and associations."""
    rows = Category.objects.filter(code__in=payload.get("categories") or []).values_list(
        "code", "path", "labels"
    )
    categories = sorted(rows, key=lambda row: row[0])
    associations: dict[str, list[dict]] = {}
    targets = (
        Association.objects.filter(source=product)
        .values_list(
            "association_type__code", "target_product__sku", "target_model__code", "quantity"
        )
        .order_by("association_type__code", "target_product__sku", "target_model__code")
    )
    for kind, sku, model, quantity in targets:
        target = {"sku": sku} if sku is not None else {"model": model}
        associations.setdefault(kind, []).append({**target, "quantity": quantity})
    return Snapshot(payload, revision, approved_at, categories, associations)
