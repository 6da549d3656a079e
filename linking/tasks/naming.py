"""Celery entry points: naming (thin, idempotent, calling services)."""

from celery import shared_task

from governance import jobs
from governance.tasks import RETRY_POLICY
from linking.services import relink


# A migration's whole library is walked in one run: longer than the default 15 minutes.
@shared_task(time_limit=3 * 3600, soft_time_limit=3 * 3600 - 60, **RETRY_POLICY)
def relink_run(job_id: int) -> str:
    """Run a queued relink job; a finished one is left alone, one interrupted by a dead worker
    starts again (linking is idempotent)."""
    return jobs.job_run(job_id=job_id, work=relink.assets_relink)
