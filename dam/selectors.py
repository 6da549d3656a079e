"""Reads of the asset library, with related rows fetched up front."""

from django.db.models import Prefetch, Q, QuerySet

from dam.models import Asset, AssetVersion, Tag


def asset_list() -> QuerySet[Asset]:
    return Asset.objects.select_related(
        "collection", "current_version__uploaded_by"
    ).prefetch_related(Prefetch("tags", Tag.objects.order_by("source", "name")))


def asset_filter(queryset: QuerySet[Asset], params) -> QuerySet[Asset]:
    """kind, mime, collection, tag, updated_since, q (words of title, texts, tags, file name)."""
    if params.get("kind"):
        queryset = queryset.filter(kind__in=params["kind"].split(","))
    if params.get("mime"):
        queryset = queryset.filter(current_version__mime__in=params["mime"].split(","))
    if params.get("collection"):
        queryset = queryset.filter(collection__code=params["collection"])
    if params.get("tag"):
        queryset = queryset.filter(tags__name=params["tag"].lower()).distinct()
    words = Q()
    for word in (params.get("q") or "").split():
        words &= Q(search_text__icontains=word)
    return queryset.filter(words)


def version_list(asset: Asset) -> QuerySet[AssetVersion]:
    return asset.versions.select_related("uploaded_by").order_by("-number")


def near_duplicates(asset: Asset, *, distance: int = 8) -> list[tuple[Asset, int]]:
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
