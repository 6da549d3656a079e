"""Linking's quality checks, registered with governance when the app is ready: approved assets
no product uses, and published products whose media is not ready on a channel."""

from collections.abc import Iterator

from dam.models import Asset
from governance.models import QualitySeverity, WorkflowState
from governance.quality import quality_check
from linking.models import MediaReadiness


@quality_check(
    "linking.asset_never_linked",
    label="Approved assets that no product or product model uses",
    severity=QualitySeverity.INFO,
    object_type="asset",
)
def assets_never_linked() -> Iterator[tuple[str, str, dict]]:
    unused = Asset.objects.filter(
        workflow_state=WorkflowState.APPROVED, product_links__isnull=True
    ).order_by("code")
    for uuid, code in unused.values_list("uuid", "code").iterator():
        yield str(uuid), f"{code} is approved but no product uses it.", {"code": code}


@quality_check(
    "linking.media_not_ready",
    label="Approved products whose media is not ready on a channel",
    severity=QualitySeverity.WARNING,
    object_type="product",
)
def media_not_ready() -> Iterator[tuple[str, str, dict]]:
    rows = (
        MediaReadiness.objects.filter(score__lt=100, product__workflow_state=WorkflowState.APPROVED)
        .order_by("product__sku_key", "channel__code", "locale__code")
        .values_list("product__sku", "channel__code", "locale__code", "score", "missing")
    )
    for sku, channel, locale, score, missing in rows.iterator():
        reasons = "; ".join(problem["message"] for problem in missing[:3])
        yield (
            sku,
            f"{sku}: media {score}% ready on {channel} in {locale}. {reasons}",
            {"channel": channel, "locale": locale, "score": score, "missing": missing},
        )
