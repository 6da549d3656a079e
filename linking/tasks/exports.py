"""Celery entry points: exports (thin, idempotent, calling services)."""

from celery import shared_task

from governance import jobs
from governance.tasks import RETRY_POLICY
from linking.services import exports


# A large catalog's export runs longer than the default 15 minutes.
@shared_task(time_limit=3 * 3600, soft_time_limit=3 * 3600 - 60, **RETRY_POLICY)
def export_run(job_id: int) -> str:
    """Run a queued export job; a finished one is left alone, one interrupted by a dead worker
    writes its file again from the start (a new file: the old one was never reported)."""
    return jobs.job_run(job_id=job_id, work=exports.export_write)


@shared_task(**RETRY_POLICY)
def scheduled_exports_run() -> list[int]:
    """Every few minutes: start the exports whose schedule is due and move each schedule on;
    running it twice at once starts each due export once."""
    return exports.scheduled_exports_run()
