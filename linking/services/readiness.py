"""Media readiness: whether a product's linked media is ready for a channel in a locale.

A family requires, per channel, a minimum number of ready assets in some roles
(`MediaRequirement`). A linked asset is ready when it has an approved snapshot (its approved
version counts, never the draft), usage rights valid for the channel now in the locale's
territory, and — for images — alt text in the locale (in the snapshot) and done renditions of
the approved version for each of the channel's rendition profiles. Videos and documents are
checked for approval and rights only.

Territory: the region part of the locale (fr_FR → FR); a locale without one (`en`) is checked as
territory "" which only worldwide rights allow. Channel profiles: the rendition profiles of the
channel; a channel with none of its own uses the global pre-generated profiles (those every
upload gets); with none of those either, images need no rendition.

score = ready required slots ÷ required slots × 100, rounded down (100 when nothing is
required; extra ready assets in a role do not make up for another role).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from dam.models import Asset, AssetKind, Rendition, RenditionProfile, RenditionStatus
from dam.rendering import profile_spec, spec_key
from dam.services import Usability, usable_for
from governance.models import Channel, Locale, PublishedSnapshot
from linking.models import ChannelMediaPolicy, MediaReadiness, MediaRequirement
from linking.selectors.links import MediaItem, product_media, role_order
from pim.models import Product


def territory_of(locale: str) -> str:
    """The territory usage rights are checked in for a locale: its region part (fr_FR → FR)."""
    _, _, region = locale.partition("_")
    return region.upper()


@dataclass(frozen=True)
class Readiness:
    score: int
    required: int
    ready: int
    missing: list[dict]


@dataclass
class Verdict:
    """What a channel may show of one linked asset in a locale, and why it does not count."""

    item: MediaItem
    snapshot: dict | None  # the asset's approved snapshot payload
    problems: list[dict]
    renditions: list[tuple[RenditionProfile, Rendition]]  # ready ones, in profile order
    usable_until: datetime | None = None
    # May be shown: approved, rights valid now, (images) every channel rendition made.
    shown: bool = False

    @property
    def ready(self) -> bool:
        return not self.problems


@dataclass
class MediaContext:
    """Caches for assessing many products at one moment: requirements, profiles, approved
    asset snapshots, renditions and rights answers are loaded once per batch."""

    now: datetime
    roles: dict[str, int] = field(default_factory=role_order)
    _requirements: dict | None = None
    _profiles: dict | None = None
    _snapshots: dict[int, dict | None] = field(default_factory=dict)
    _renditions: dict[tuple[int, int], Rendition] = field(default_factory=dict)
    _usable: dict[tuple[int, str, str], Usability] = field(default_factory=dict)
    _policies: dict | None = None

    def requirements(self, family_id: int, channel_id: int) -> list[tuple[str, int]]:
        """(role, minimum) the family needs on the channel, in role order."""
        if self._requirements is None:
            grouped = defaultdict(list)
            rows = MediaRequirement.objects.values_list(
                "family_id", "channel_id", "role", "minimum"
            )
            for family, channel, role, minimum in rows:
                grouped[(family, channel)].append((role, minimum))
            last = len(self.roles)
            for roles in grouped.values():
                roles.sort(key=lambda pair: (self.roles.get(pair[0], last), pair[0]))
            self._requirements = dict(grouped)
        return self._requirements.get((family_id, channel_id), [])

    def profiles(self, channel_id: int) -> list[RenditionProfile]:
        """The channel's rendition profiles; the global pre-generated ones if it has none."""
        if self._profiles is None:
            by_channel, pregenerated = defaultdict(list), []
            for profile in RenditionProfile.objects.order_by("width", "code"):
                if profile.channel_id is not None:
                    by_channel[profile.channel_id].append(profile)
                elif profile.is_pregenerated:
                    pregenerated.append(profile)
            self._profiles = {"channels": dict(by_channel), "global": pregenerated}
        return self._profiles["channels"].get(channel_id) or self._profiles["global"]

    def policy(self, channel_id: int) -> ChannelMediaPolicy | None:
        if self._policies is None:
            self._policies = {p.channel_id: p for p in ChannelMediaPolicy.objects.all()}
        return self._policies.get(channel_id)

    def forget_assets(self) -> None:
        """Read approvals, rights and renditions afresh from here on (the configuration —
        requirements, profiles, policies — is kept)."""
        self._snapshots, self._renditions, self._usable = {}, {}, {}

    def load(self, assets: list[Asset]) -> None:
        """Approved snapshots, rights and renditions of these assets, in a few queries."""
        fresh = {asset.pk: asset for asset in assets if asset.pk not in self._snapshots}
        if not fresh:
            return
        prefetch_related_objects(list(fresh.values()), "rights__channels")
        content_type = ContentType.objects.get_for_model(Asset)
        payloads = dict(
            PublishedSnapshot.objects.filter(
                content_type=content_type, object_id__in=list(fresh)
            ).values_list("object_id", "payload")
        )
        for asset_id in fresh:
            self._snapshots[asset_id] = payloads.get(asset_id)
        versions = [
            payload["version"]["id"] for payload in payloads.values() if payload.get("version")
        ]
        for rendition in Rendition.objects.filter(version_id__in=versions):
            self._renditions[(rendition.version_id, rendition.profile_id)] = rendition

    def snapshot(self, asset: Asset) -> dict | None:
        self.load([asset])
        return self._snapshots[asset.pk]

    def usable(self, asset: Asset, channel: str, territory: str) -> Usability:
        key = (asset.pk, channel, territory)
        if key not in self._usable:
            self._usable[key] = usable_for(
                asset=asset, channel=channel, territory=territory, at=self.now
            )
        return self._usable[key]

    def rendition(self, asset: Asset, version_id: int, profile: RenditionProfile):
        """The done rendition of the version for the profile as it is set now, or None."""
        rendition = self._renditions.get((version_id, profile.pk))
        if rendition is None or rendition.status != RenditionStatus.DONE:
            return None
        if rendition.spec_key != spec_key(profile_spec(profile, asset)):
            return None  # the profile (or the focal point) changed since: made again soon
        return rendition

    def verdict(self, item: MediaItem, channel: Channel, locale: str) -> Verdict:
        asset = item.asset
        snapshot = self.snapshot(asset)

        def problem(code: str, message: str, **extra) -> dict:
            return {
                "role": item.role,
                "code": code,
                "message": f"{item.role}: asset {asset.code} {message}",
                "asset": str(asset.uuid),
                **extra,
            }

        if snapshot is None or not snapshot.get("version"):
            return Verdict(item, None, [problem("not_approved", "is not approved.")], [])
        problems = []
        territory = territory_of(locale)
        usability = self.usable(asset, channel.code, territory)
        if not usability.usable:
            problems.append(
                problem(
                    "rights_invalid",
                    f"may not be used on {channel.code} in {territory or 'this locale'}: "
                    f"{usability.reason}",
                    reason=usability.reason,
                )
            )
        renditions, unmade = [], []
        if snapshot.get("kind") == AssetKind.IMAGE:
            if not (snapshot.get("alt_text") or {}).get(locale):
                problems.append(problem("alt_text_missing", f"has no alt text in {locale}."))
            for profile in self.profiles(channel.pk):
                made = self.rendition(asset, snapshot["version"]["id"], profile)
                if made is None:
                    unmade.append(profile.code)
                else:
                    renditions.append((profile, made))
            if unmade:
                problems.append(
                    problem(
                        "renditions_not_ready",
                        f"has no ready rendition for {', '.join(unmade)}.",
                        profiles=unmade,
                    )
                )
        else:  # a video's poster, a PDF's preview: shown when made, not required
            for profile in self.profiles(channel.pk):
                made = self.rendition(asset, snapshot["version"]["id"], profile)
                if made is not None:
                    renditions.append((profile, made))
        return Verdict(
            item,
            snapshot,
            problems,
            renditions,
            usable_until=usability.until if usability.usable else None,
            shown=usability.usable and not unmade,
        )

    def assess(
        self, product: Product, channel: Channel, locale: str, items: list[MediaItem]
    ) -> tuple[Readiness, list[Verdict]]:
        """The product's readiness on the channel in the locale, and each item's verdict."""
        verdicts = [self.verdict(item, channel, locale) for item in items]
        by_role = defaultdict(list)
        for verdict in verdicts:
            by_role[verdict.item.role].append(verdict)
        required = ready = 0
        missing: list[dict] = []
        for role, minimum in self.requirements(product.family_id, channel.pk):
            linked = by_role.get(role, [])
            count = sum(verdict.ready for verdict in linked)
            required += minimum
            ready += min(count, minimum)
            if count >= minimum:
                continue
            if len(linked) < minimum:
                missing.append(
                    {
                        "role": role,
                        "code": "role_missing",
                        "message": f"{role}: {minimum} needed, {len(linked) or 'none'} linked.",
                    }
                )
            missing.extend(p for verdict in linked for p in verdict.problems)
        score = 100 if not required else ready * 100 // required
        return Readiness(score, required, ready, missing), verdicts


def readiness_compute(*, product: Product, channel: Channel, locale: str, now) -> Readiness:
    """A product's media readiness on a channel in a locale (a locale code), as of `now`."""
    context = MediaContext(now=now)
    items = product_media(product, channel=channel.code, locale=locale)
    context.load([item.asset for item in items])
    readiness, _ = context.assess(product, channel, locale, items)
    return readiness


def combined_completeness(*, ratio: int, attributes_required: int, readiness: Readiness) -> int:
    """Attribute completeness and media readiness as one percentage, each required attribute
    and each required media slot weighing the same: (filled + ready) ÷ (attributes + slots)."""
    total = attributes_required + readiness.required
    if not total:
        return 100
    return (ratio * attributes_required + readiness.ready * 100) // total


@transaction.atomic
def readiness_store(*, product: Product, results: dict[tuple[Channel, str], Readiness]) -> None:
    """Store a product's readiness per channel × locale (locale codes), dropping pairs that no
    longer exist (a channel lost a locale). Computed data: not audited."""
    locales = dict(Locale.objects.values_list("code", "pk"))
    rows = [
        MediaReadiness(
            product=product,
            channel=channel,
            locale_id=locales[locale],
            score=readiness.score,
            required=readiness.required,
            ready=readiness.ready,
            missing=readiness.missing,
        )
        for (channel, locale), readiness in results.items()
    ]
    # One statement for every channel × locale (a row each was 2 queries × 21 of a refresh).
    MediaReadiness.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["product", "channel", "locale"],
        update_fields=["score", "required", "ready", "missing", "updated_at"],
    )
    MediaReadiness.objects.filter(product=product).exclude(pk__in=[row.pk for row in rows]).delete()


def channels_in_tree(product: Product, channels) -> list[Channel]:
    """The channels whose category tree holds the product (all for a channel without one)."""
    paths = list(product.categories.values_list("path", flat=True))
    return [
        channel
        for channel in channels
        if channel.category_tree is None
        or any(path.startswith(channel.category_tree.path) for path in paths)
    ]


def media_gate(product: Product) -> list[dict]:
    """Approval gate: on each channel whose media policy gates approval and whose tree holds
    the product, media must be 100% ready in every locale (one problem per shortfall)."""
    gated = list(
        Channel.objects.filter(media_policy__gates_approval=True)
        .select_related("category_tree")
        .prefetch_related("locales")
    )
    channels = channels_in_tree(product, gated) if gated else []
    if not channels:
        return []
    context = MediaContext(now=timezone.now())
    problems = []
    for channel in channels:
        for locale in sorted(locale.code for locale in channel.locales.all()):
            items = product_media(product, channel=channel.code, locale=locale)
            context.load([item.asset for item in items])
            readiness, _ = context.assess(product, channel, locale, items)
            if readiness.score < 100:
                what = "; ".join(problem["message"] for problem in readiness.missing)
                problems.append(
                    {
                        "field": f"media_readiness[channel={channel.code}, locale={locale}]",
                        "code": "media_not_ready",
                        "message": f"Media {readiness.score}% ready on {channel.code} in "
                        f"{locale}, 100% needed: {what}",
                    }
                )
    return problems
