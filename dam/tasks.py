"""Celery entry points for the asset library: thin, idempotent, calling services."""

import logging

from celery import shared_task

from dam import services
from governance.tasks import RETRY_POLICY

logger = logging.getLogger(__name__)


@shared_task(**RETRY_POLICY)
def media_extract_metadata(version_id: int) -> str:
    """Read a version's technical and embedded metadata (media queue); safe to run twice."""
    return services.version_metadata_extract(version_id=version_id)


@shared_task(**RETRY_POLICY)
def rights_expiry_report() -> dict:
    """Daily: rights expired or expiring within 30 days, logged, and announced as events."""
    from django.utils import timezone

    report = services.rights_expiry_announce(now=timezone.now())
    logger.warning(
        "usage rights: %d expired, %d expiring within 30 days",
        len(report["expired"]),
        len(report["expiring"]),
        extra={"report": report},
    )
    return report


@shared_task(**RETRY_POLICY)
def media_render_pregenerated(version_id: int) -> int:
    """Make the pre-generated profiles' renditions of a new version (media queue; idempotent)."""
    from dam.rendering import renditions_pregenerate

    return renditions_pregenerate(version_id=version_id)


@shared_task(
    autoretry_for=services.STORAGE_ERRORS,
    max_retries=8,
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=False,
)
def media_originals_discard(keys: list[str]) -> list[str]:
    """Delete originals an upload stored but did not keep, once the store answers again."""
    return services.originals_discard(keys=keys)
