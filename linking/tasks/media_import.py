"""Celery entry points: media import (thin, idempotent, calling services). Named `media_*`, they
run on the media queue with the other heavy media work."""

from celery import shared_task

from governance.tasks import RETRY_POLICY
from linking.services import media_import


# A large ZIP or a long URL list takes longer than the default 15 minutes.
@shared_task(time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60, **RETRY_POLICY)
def media_import_run(job_id: int) -> str:
    """Run a queued media import job; a finished one is left alone, one interrupted by a dead
    worker starts again (ingest deduplicates by hash, links are idempotent)."""
    return media_import.media_import_run(job_id=job_id)


@shared_task(time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60, **RETRY_POLICY)
def media_urls_import_run(job_id: int) -> str:
    """Run a queued URL import job (restartable the same way)."""
    return media_import.media_urls_import_run(job_id=job_id)
