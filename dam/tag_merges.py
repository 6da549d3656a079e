"""Asset tags after governance merged terms: a tag named like a merged term takes the target's
name (once per asset and source), so the library keeps speaking the vocabulary's words."""

from django.db import transaction

from dam.models import Asset, Tag
from dam.services import search_text
from governance.audit import audit_many
from governance.models import AuditAction


@transaction.atomic
def asset_tags_merge(*, sources: list[str], target: str) -> int:
    """Rename tags named like a source term to the target (dropping one the asset already has
    under that name and source); each changed asset gets a new version, search text and audit
    record. Returns how many assets changed."""
    names = {name.lower() for name in sources} - {target.lower()}
    target = target.lower()
    tags = list(Tag.objects.select_for_update().filter(name__in=names).order_by("pk"))
    if not tags:
        return 0
    asset_ids = {tag.asset_id for tag in tags}
    assets = {a.pk: a for a in Asset.objects.select_for_update().filter(pk__in=asset_ids)}
    before = {pk: sorted(set(a.tags.values_list("name", flat=True))) for pk, a in assets.items()}
    held = set(
        Tag.objects.filter(asset_id__in=asset_ids, name=target).values_list("asset_id", "source")
    )
    renamed, dropped = [], []
    for tag in tags:
        if (tag.asset_id, tag.source) in held:
            dropped.append(tag.pk)
        else:
            held.add((tag.asset_id, tag.source))
            renamed.append(tag.pk)
    Tag.objects.filter(pk__in=dropped).delete()
    Tag.objects.filter(pk__in=renamed).update(name=target)
    entries = []
    for pk, asset in assets.items():
        asset.version += 1
        asset.search_text = search_text(asset)
        asset.save(update_fields=["version", "search_text", "updated_at"])
        after = sorted(set(asset.tags.values_list("name", flat=True)))
        entries.append((asset, AuditAction.UPDATE, {"tags": [before[pk], after]}, None))
    audit_many(entries)
    return len(assets)
