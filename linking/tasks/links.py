"""Celery entry points: links (thin, idempotent, calling services)."""

from celery import shared_task

from governance.tasks import RETRY_POLICY
from linking.services import tags


@shared_task(**RETRY_POLICY)
def asset_product_tags_sync(asset_ids: list[int]) -> int:
    """Recompute the product-derived tags of these assets from their current links; safe to
    run twice, and assets gone since are skipped."""
    return tags.asset_product_tags_sync(asset_ids=asset_ids)


# Assets per sync task when every linked asset is recomputed (a tagged attribute came or went).
RESYNC_BATCH = 500


@shared_task(**RETRY_POLICY)
def asset_product_tags_resync() -> int:
    """Recompute the product tags of every linked asset, in batches of their own tasks."""
    ids = tags.linked_asset_ids()
    for start in range(0, len(ids), RESYNC_BATCH):
        asset_product_tags_sync.delay(ids[start : start + RESYNC_BATCH])
    return len(ids)
