"""Celery entry points: documents (thin, idempotent, calling services)."""

from celery import shared_task

from governance.tasks import RETRY_POLICY
from linking.services import documents


@shared_task(**RETRY_POLICY)
def channel_documents_refresh(product_ids: list[int]) -> dict:
    """Rebuild these products' readiness and channel documents (renditions first); safe to
    run twice: unchanged documents are not written and emit nothing."""
    return documents.channel_documents_refresh(product_ids=product_ids)


@shared_task(**RETRY_POLICY)
def channel_documents_rebuild(family_id: int | None = None) -> int:
    """After a configuration change (a channel, its media policy or fallbacks, rendition
    profiles; a family's media requirements): queue the refresh of the products it may
    affect, in batches. Returns how many."""
    ids = documents.products_to_rebuild(family_id=family_id)
    for start in range(0, len(ids), documents.BATCH):
        channel_documents_refresh.delay(ids[start : start + documents.BATCH])
    return len(ids)


@shared_task(**RETRY_POLICY)
def channel_documents_sweep() -> dict:
    """Hourly: withdraw assets whose usage rights ended from the stored documents (and add
    those whose right began), emitting the update events."""
    return documents.channel_documents_sweep()
