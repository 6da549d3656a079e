"""Reads of the asset library, with related rows fetched up front."""

from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from dam.models import Asset, AssetVersion, LicenceType, Tag, UsageRight
from governance.moments import parse_aware
from governance.search import full_text_filter


def asset_list() -> QuerySet[Asset]:
    return Asset.objects.select_related(
        "collection", "current_version__uploaded_by"
    ).prefetch_related(Prefetch("tags", Tag.objects.order_by("source", "name")))


def _when(params, name):
    moment = parse_aware(params[name])
    if moment is None:
        raise ValidationError(
            {
                name: ValidationError(
                    "Expected an ISO 8601 date-time with a time zone.", code="invalid"
                )
            }
        )
    return moment


def _whole(params, name):
    try:
        return int(params[name])
    except ValueError:
        raise ValidationError(
            {name: ValidationError("Expected a whole number.", code="invalid")}
        ) from None


def asset_filter(queryset: QuerySet[Asset], params) -> QuerySet[Asset]:
    """kind, mime, collection, tag, orientation, min/max width and height, rights valid on a
    channel now, rights expiring before, created/updated since, q (words of title, texts, tags,
    original file name; PostgreSQL full-text on the stored vector's GIN index)."""
    if params.get("kind"):
        queryset = queryset.filter(kind__in=params["kind"].split(","))
    if params.get("mime"):
        queryset = queryset.filter(current_version__mime__in=params["mime"].split(","))
    if params.get("collection"):
        queryset = queryset.filter(collection__code=params["collection"])
    if params.get("tag"):
        queryset = queryset.filter(
            Exists(Tag.objects.filter(asset=OuterRef("pk"), name=params["tag"].lower()))
        )
    if params.get("orientation"):
        queryset = queryset.filter(current_version__metadata__orientation=params["orientation"])
    for name, lookup in (
        ("min_width", "width__gte"),
        ("max_width", "width__lte"),
        ("min_height", "height__gte"),
        ("max_height", "height__lte"),
    ):
        if params.get(name):
            queryset = queryset.filter(
                **{f"current_version__metadata__{lookup}": _whole(params, name)}
            )
    for name, field in (("created_since", "created_at__gte"), ("updated_since", "updated_at__gte")):
        if params.get(name):
            queryset = queryset.filter(**{field: _when(params, name)})
    if params.get("rights_valid_on"):
        now = timezone.now()
        rights = UsageRight.objects.filter(asset=OuterRef("pk")).exclude(
            licence=LicenceType.EDITORIAL_ONLY
        )
        rights = rights.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=now))
        rights = rights.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        on_channel = UsageRight.channels.through.objects.filter(usageright_id=OuterRef("pk"))
        rights = rights.filter(
            ~Exists(on_channel) | Exists(on_channel.filter(channel__code=params["rights_valid_on"]))
        )
        queryset = queryset.filter(Exists(rights))
    if params.get("rights_expiring_before"):
        before = _when(params, "rights_expiring_before")
        queryset = queryset.filter(
            Exists(UsageRight.objects.filter(asset=OuterRef("pk"), valid_until__lt=before))
        )
    q = (params.get("q") or "").strip()
    if q and connection.vendor == "postgresql":
        # The matches first, from the GIN index on the stored vector (migration 0008), then the
        # page's ids in order: a cost of the matches, not of the library's size.
        queryset = full_text_filter(queryset, q)
    elif q:
        words = Q()
        for word in q.split():
            words &= Q(search_text__icontains=word)
        queryset = queryset.filter(words)
    return queryset


def version_list(asset: Asset) -> QuerySet[AssetVersion]:
    return asset.versions.select_related("uploaded_by").order_by("-number")


# Bits of a 64-bit perceptual hash two images may differ by and still look the same.
NEAR_DUPLICATE_DISTANCE = 8


def near_duplicates(
    asset: Asset, *, distance: int = NEAR_DUPLICATE_DISTANCE
) -> list[tuple[Asset, int]]:
    """Other assets whose current image is within `distance` bits of this one's perceptual hash."""
    from dam.metadata import hamming

    mine = asset.current_version.phash if asset.current_version_id else ""
    if not mine:
        return []
    candidates = (
        Asset.objects.exclude(pk=asset.pk)
        .exclude(current_version__phash="")
        .select_related("current_version")
        .only("uuid", "code", "kind", "current_version__phash")
    )
    found = [(other, hamming(mine, other.current_version.phash)) for other in candidates.iterator()]
    return sorted(((a, d) for a, d in found if d <= distance), key=lambda pair: pair[1])


def near_duplicate_pairs(
    *, distance: int = NEAR_DUPLICATE_DISTANCE
) -> Iterator[tuple[Asset, Asset, int]]:
    """Each pair of assets whose current images are within `distance` bits of each other, once.

    Two hashes within d bits agree exactly on at least one of d + 1 bands of their bits
    (pigeonhole), so only assets sharing a band are compared, not every pair."""
    from dam.metadata import hamming

    assets = list(
        Asset.objects.exclude(current_version__isnull=True)
        .exclude(current_version__phash="")
        .select_related("current_version")
        .only("uuid", "code", "current_version__phash", "current_version__sha256")
        .order_by("pk")
    )
    buckets = defaultdict(list)
    for index, asset in enumerate(assets):
        phash = asset.current_version.phash
        bits, value = len(phash) * 4, int(phash, 16)
        width = -(-bits // (distance + 1))
        for band in range(0, bits, width):
            buckets[(bits, band, (value >> band) & ((1 << width) - 1))].append(index)
    paired = set()
    for members in buckets.values():
        for first, second in combinations(members, 2):
            if (first, second) in paired:
                continue
            a, b = assets[first], assets[second]
            apart = hamming(a.current_version.phash, b.current_version.phash)
            if apart <= distance:
                paired.add((first, second))
                yield a, b, apart
