"""Merged media roles: an approved merge in the governed `media_roles` vocabulary rewrites the
roles that links, media requirements and placeholders use (called by linking's receiver of
`governance.signals.terms_merged`, inside the merge's transaction)."""

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now

from linking.models import FallbackMedia, MediaRequirement, ProductAssetLink
from linking.services import documents


@transaction.atomic
def media_roles_merge(*, sources: list[str], target: str) -> int:
    """Rewrite merged media roles to the target in links, media requirements and fallback media
    (run inside the approved merge's transaction). Where an owner and scope then hold an asset
    twice, or a family and channel two requirements, or a channel two placeholders, one stays:
    the target's (a requirement keeps the larger minimum). Refreshes the owners' documents.
    Returns how many links changed.

    No audit record per product: the approved change request is the record of the merge."""
    sources = [code for code in dict.fromkeys(sources) if code != target]
    if not sources:
        return 0
    owners = list(
        ProductAssetLink.objects.filter(role__in=sources).values_list(
            "product_id", "product_model_id"
        )
    )
    product_ids = {p for p, _ in owners if p}
    model_ids = {m for _, m in owners if m}
    rank = {target: 0, **{code: index + 1 for index, code in enumerate(sources)}}
    groups: dict[tuple, list[ProductAssetLink]] = {}
    rows = ProductAssetLink.objects.filter(role__in=rank).filter(
        Q(product_id__in=product_ids) | Q(product_model_id__in=model_ids)
    )
    for link in rows.order_by("pk"):
        key = (link.product_id, link.product_model_id, link.locale_id, link.channel_id)
        groups.setdefault(key, []).append(link)
    changed = 0
    for links in groups.values():
        links.sort(key=lambda row: (rank[row.role], row.position, row.pk))
        kept, seen = [], set()
        for link in links:
            if link.asset_id in seen:
                link.delete()
                changed += 1
            else:
                seen.add(link.asset_id)
                kept.append(link)
        for index, link in enumerate(kept):
            if link.role != target or link.position != index:
                ProductAssetLink.objects.filter(pk=link.pk).update(
                    role=target, position=index, updated_at=Now()
                )
                changed += 1
    requirements = {
        (row.family_id, row.channel_id): row for row in MediaRequirement.objects.filter(role=target)
    }
    for row in MediaRequirement.objects.filter(role__in=sources).order_by("pk"):
        kept = requirements.get((row.family_id, row.channel_id))
        if kept is None:
            row.role = target
            row.save(update_fields=["role"])
            requirements[(row.family_id, row.channel_id)] = row
        else:
            if row.minimum > kept.minimum:
                kept.minimum = row.minimum
                kept.save(update_fields=["minimum"])
            row.delete()
    placeholders = set(
        FallbackMedia.objects.filter(role=target).values_list("channel_id", flat=True)
    )
    for row in FallbackMedia.objects.filter(role__in=sources).order_by("pk"):
        if row.channel_id in placeholders:
            row.delete()
        else:
            row.role = target
            row.save(update_fields=["role"])
            placeholders.add(row.channel_id)
    if product_ids or model_ids:
        documents.products_media_changed(product_ids=product_ids, model_ids=model_ids)
    return changed
