"""Celery entry points: product imports (thin, idempotent, calling services)."""

from celery import shared_task

from governance import jobs
from governance.tasks import RETRY_POLICY
from linking.services import imports


# A large catalog is read in one run: longer than the default 15 minutes.
@shared_task(time_limit=3 * 3600, soft_time_limit=3 * 3600 - 60, **RETRY_POLICY)
def product_import_run(job_id: int) -> str:
    """Run a queued product import (dry run or commit); a finished one is left alone, one
    interrupted by a dead worker starts again from the first row (the upsert is idempotent)."""
    return jobs.job_run(job_id=job_id, work=imports.product_import_run)
