"""Quality checks: a registry each app fills from its own `quality` module, and the runs.

A check is a function yielding findings `(object_ref, message, details)`; it reads and never
writes. A run executes the checks it names inside one transaction holding the run's row lock:
a second executor of the same run skips it, a worker that dies mid-run leaves nothing half
written (its redelivery starts over), and a crashing check loses only its own findings.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from governance.csv_export import csv_lines
from governance.models import QualityFinding, QualityRun, QualityRunStatus, QualitySeverity

logger = logging.getLogger(__name__)

Finding = tuple[str, str, dict]
FINDING_BATCH = 1000
# Runs kept, newest first: a month of nightly runs plus the on-demand ones in between.
RUNS_KEPT = 30
# Longer than the execute task's time limit (governance.tasks): no worker still runs it.
RUN_ABANDONED_AFTER = timedelta(hours=4)


@dataclass(frozen=True)
class QualityCheck:
    code: str
    label: str
    severity: str
    object_type: str
    function: Callable[[], Iterable[Finding]]


REGISTRY: dict[str, QualityCheck] = {}


def quality_check(code: str, *, label: str, severity: str, object_type: str):
    """Register the decorated function as the check `code`; it yields (object_ref, message,
    details) for each object that fails it."""
    if severity not in QualitySeverity.values:
        raise ImproperlyConfigured(f"Quality check {code}: unknown severity {severity!r}.")

    def register(function):
        known = REGISTRY.get(code)
        # The same function registered again (a module imported twice) is harmless.
        same = known is not None and _name(known.function) == _name(function)
        if known is not None and not same:
            raise ImproperlyConfigured(f"Two quality checks are named {code}.")
        REGISTRY[code] = QualityCheck(code, label, severity, object_type, function)
        return function

    return register


def _name(function) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def quality_checks() -> list[QualityCheck]:
    """Every registered check, by code."""
    return [REGISTRY[code] for code in sorted(REGISTRY)]


@transaction.atomic
def quality_run_start(*, checks: list[str] | None = None, triggered_by=None) -> QualityRun:
    """Create a run of the named checks (all when None) and queue its execution on commit;
    runs abandoned by a lost task are marked failed first."""
    from governance.tasks import quality_run_execute as execute_task  # tasks import services

    if checks is None:
        codes = sorted(REGISTRY)
    else:
        unknown = sorted(set(checks) - set(REGISTRY))
        if unknown:
            raise ValidationError(
                {
                    "checks": ValidationError(
                        f"Unknown quality check(s): {', '.join(unknown)}.", code="unknown_check"
                    )
                }
            )
        if not checks:
            raise ValidationError(
                {"checks": ValidationError("Name at least one check.", code="empty")}
            )
        codes = list(dict.fromkeys(checks))  # in the caller's order, once each
    quality_runs_abandon(now=timezone.now())
    run = QualityRun.objects.create(checks=codes, triggered_by=triggered_by)
    execute_task.delay_on_commit(run.pk)
    return run


def _batches(findings: Iterable[Finding], size: int) -> Iterator[list[Finding]]:
    iterator = iter(findings)
    while batch := list(islice(iterator, size)):
        yield batch


def _check_execute(run: QualityRun, check: QualityCheck) -> int:
    """Store one check's findings in batches; returns how many."""
    count = 0
    for batch in _batches(check.function(), FINDING_BATCH):
        QualityFinding.objects.bulk_create(
            QualityFinding(
                run=run,
                check_code=check.code,
                severity=check.severity,
                object_type=check.object_type,
                object_ref=str(object_ref)[:255],
                message=message[:1000],
                details=details or {},
            )
            for object_ref, message, details in batch
        )
        count += len(batch)
    return count


def quality_run_execute(*, run_id: int) -> str:
    """Run a queued run's checks, store their findings and counts, then prune old runs.

    A check that crashes loses its findings and marks the run failed; the others still run.
    Returns what happened: "done", "failed", "skipped" (finished, gone or being run elsewhere).
    """
    with transaction.atomic():
        # skip_locked: a second delivery while the first still runs leaves it alone.
        run = (
            QualityRun.objects.select_for_update(skip_locked=True)
            .filter(pk=run_id, status=QualityRunStatus.RUNNING, finished_at__isnull=True)
            .first()
        )
        if run is None:
            return "skipped"
        counts, errors = {}, []
        for code in run.checks:
            check = REGISTRY.get(code)
            if check is None:  # unregistered since the run was queued
                errors.append(f"{code}: the check no longer exists")
                continue
            try:
                with transaction.atomic():
                    counts[code] = _check_execute(run, check)
            except Exception as exc:  # a broken check must not hide the other checks' findings
                logger.exception("quality check %s crashed in run %s", code, run.pk)
                errors.append(f"{code}: {type(exc).__name__}: {exc}")
        run.counts = counts
        run.error = "\n".join(errors)
        run.status = QualityRunStatus.FAILED if errors else QualityRunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "error", "status", "finished_at"])
    quality_runs_prune(keep=RUNS_KEPT)
    return run.status


def quality_runs_abandon(*, now) -> int:
    """Mark failed the runs still "running" long after any worker could be running them (a
    lost message, a worker killed on every delivery); returns how many."""
    return QualityRun.objects.filter(
        status=QualityRunStatus.RUNNING, started_at__lt=now - RUN_ABANDONED_AFTER
    ).update(
        status=QualityRunStatus.FAILED,
        finished_at=now,
        error="The run did not finish: its task was lost or its worker died.",
    )


@transaction.atomic
def quality_runs_prune(*, keep: int) -> int:
    """Delete finished runs beyond the newest `keep`, with their findings; returns how many."""
    old = list(
        QualityRun.objects.exclude(status=QualityRunStatus.RUNNING)
        .order_by("-started_at", "-id")
        .values_list("pk", flat=True)[keep:]
    )
    if not old:
        return 0
    QualityFinding.objects.filter(
        run_id__in=old
    ).delete()  # one DELETE: findings have no dependents
    QualityRun.objects.filter(pk__in=old).delete()
    return len(old)


FINDING_COLUMNS = ("run", "check", "severity", "object_type", "object_ref", "message", "details")


def quality_findings_csv(*, findings: QuerySet[QualityFinding]) -> Iterator[str]:
    """The findings as spreadsheet-safe CSV lines, read in chunks while they are written."""
    rows = findings.order_by("run_id", "check_code", "object_ref", "pk").values_list(
        "run_id", "check_code", "severity", "object_type", "object_ref", "message", "details"
    )
    return csv_lines(FINDING_COLUMNS, rows.iterator(chunk_size=2000))
