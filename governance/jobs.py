"""Background jobs people start and watch (relink, imports, exports): create one, and the
worker's side: start, report progress, finish or fail. Generic: the work itself is the
caller's, passed to `job_run` by the app's task.

A job's work must be idempotent: a job left "running" by a worker that died is started again
from the beginning when its message is delivered again (Celery's `acks_late`)."""

import logging
from collections.abc import Callable

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from governance.audit import acting_as, current_actor
from governance.models import Job, JobState
from governance.tasks import RETRYABLE_ERRORS

logger = logging.getLogger(__name__)


def job_create(*, kind: str, parameters: dict | None = None) -> Job:
    """Record a queued job started by the current actor (person or API key); the caller queues
    the task that runs it, on commit."""
    actor = current_actor()
    return Job.objects.create(
        kind=kind, parameters=parameters or {}, created_by=actor.user, api_key=actor.api_key
    )


@transaction.atomic
def job_start(*, job_id: int) -> Job | None:
    """Mark a job running and return it; None when it is gone or finished (nothing to do). A job
    found running was interrupted: it restarts with its progress and report cleared."""
    job = (
        Job.objects.select_for_update(of=("self",))
        .select_related("created_by", "api_key")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.is_finished:
        return None
    job.state, job.started_at = JobState.RUNNING, timezone.now()
    job.processed, job.report, job.error = 0, {}, ""
    job.save(update_fields=["state", "started_at", "processed", "report", "error"])
    return job


def job_progress(
    *, job: Job, processed: int, total: int | None = None, report: dict | None = None
) -> None:
    """Record how far a running job is (committed at once, so whoever polls sees it)."""
    fields = {"processed": processed}
    if total is not None:
        fields["total"] = total
    if report is not None:
        fields["report"] = report
    Job.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _end(job: Job, **fields) -> None:
    fields["finished_at"] = timezone.now()
    Job.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def job_finish(*, job: Job, report: dict) -> None:
    """Mark a job succeeded with its final report."""
    _end(job, state=JobState.SUCCEEDED, report=report)


def job_fail(*, job: Job, error: str) -> None:
    """Mark a job failed, keeping the report it had so far and saying why."""
    _end(job, state=JobState.FAILED, error=error[:10_000])


def job_run(*, job_id: int, work: Callable[..., dict]) -> str:
    """Run a job's `work(job=…)` (which returns the report) as whoever started it: audit records and
    links name them. Returns "succeeded", "failed" (the work raised: the job says why) or
    "skipped" (finished or gone). Errors a retry can cure propagate, so the task's retry
    restarts the job."""
    job = job_start(job_id=job_id)
    if job is None:
        return "skipped"
    try:
        with acting_as(user=job.created_by, api_key=job.api_key):
            report = work(job=job)
    except RETRYABLE_ERRORS:
        raise
    except Exception as exc:  # any other crash is the job's outcome, shown to who started it
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job_fail(job=job, error=f"{type(exc).__name__}: {exc}")
        return "failed"
    job_finish(job=job, report=report)
    return "succeeded"


def jobs_of(user) -> QuerySet[Job]:
    """The jobs a person or API key started (an API key's principal has no user row)."""
    api_key = getattr(user, "api_key", None)
    if api_key is not None:
        return Job.objects.filter(api_key=api_key)
    return Job.objects.filter(created_by_id=user.pk, api_key__isnull=True)


def jobs_visible(user) -> QuerySet[Job]:
    """Jobs a principal may look at: their own; every job for holders of `view_job`."""
    if user.has_perm("governance.view_job"):
        return Job.objects.all()
    return jobs_of(user)


def job_file(*, job: Job, index: int) -> dict | None:
    """One of the files a job's report lists ({"label", "name", "content_type"}), or None."""
    files = (job.report or {}).get("files") or []
    if not 0 <= index < len(files) or not isinstance(files[index], dict):
        return None
    entry = files[index]
    return (
        entry
        if isinstance(entry.get("name"), str) and default_storage.exists(entry["name"])
        else None
    )


def job_file_url(*, entry: dict) -> str:
    """A short-lived signed link that downloads a job's file (never renders it in our origin)."""
    name = entry["name"]
    filename = name.rsplit("/", 1)[-1]
    if hasattr(default_storage, "bucket_name"):  # S3: a presigned URL told to download
        return default_storage.url(
            name,
            parameters={
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": "application/octet-stream",
            },
        )
    return default_storage.url(name)  # local: the signed-file view sends it as an attachment
