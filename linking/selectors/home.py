"""Home / my work: what waits for my review, my drafts, what changed lately, the latest quality
run's findings and counts per state — a fixed number of queries whatever the catalog holds."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Subquery

from dam.models import Asset
from dam.policies import asset_policy
from governance.models import (
    AuditRecord,
    QualityFinding,
    QualityRun,
    QualityRunStatus,
    WorkflowState,
)
from pim.models import Product
from pim.policies import product_policy

LIMIT = 10


def _item(kind: str, ref: str, label: str, state: str, updated_at) -> dict:
    return {"kind": kind, "ref": ref, "label": label, "state": state, "updated_at": updated_at}


def _products(rows) -> list[dict]:
    return [_item("product", sku, sku, s, at) for sku, s, at in rows]


def _assets(rows) -> list[dict]:
    return [_item("asset", str(uuid), code, s, at) for uuid, code, s, at in rows]


PRODUCT_FIELDS = ("sku", "workflow_state", "updated_at")
ASSET_FIELDS = ("uuid", "code", "workflow_state", "updated_at")


def _last_editor(model) -> Subquery:
    """Who wrote the object's latest audit record (the index on content type, object, -id)."""
    records = AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk")
    ).order_by("-id")
    return Subquery(records.values("actor_id")[:1])


def my_work(user) -> dict:
    products = product_policy.visible(user, Product.objects.all())
    assets = asset_policy.visible(user, Asset.objects.all())
    in_review = WorkflowState.IN_REVIEW
    waiting = []
    if user.has_perm("pim.approve_product"):
        rows = products.filter(workflow_state=in_review).order_by("updated_at", "pk")
        waiting += _products(rows.values_list(*PRODUCT_FIELDS)[:LIMIT])
    if user.has_perm("dam.approve_asset"):
        rows = assets.filter(workflow_state=in_review).order_by("updated_at", "pk")
        waiting += _assets(rows.values_list(*ASSET_FIELDS)[:LIMIT])
    drafts = _products(
        products.filter(workflow_state=WorkflowState.DRAFT)
        .alias(last_editor=_last_editor(Product))
        .filter(last_editor=user.pk)
        .order_by("-updated_at", "-pk")
        .values_list(*PRODUCT_FIELDS)[:LIMIT]
    ) + _assets(
        assets.filter(workflow_state=WorkflowState.DRAFT)
        .alias(last_editor=_last_editor(Asset))
        .filter(last_editor=user.pk)
        .order_by("-updated_at", "-pk")
        .values_list(*ASSET_FIELDS)[:LIMIT]
    )
    recent = _products(products.order_by("-updated_at", "-pk").values_list(*PRODUCT_FIELDS)[:LIMIT])
    recent += _assets(assets.order_by("-updated_at", "-pk").values_list(*ASSET_FIELDS)[:LIMIT])
    run = QualityRun.objects.filter(status=QualityRunStatus.DONE).order_by("-started_at").first()
    findings = {}
    if run is not None:
        findings = dict(
            QualityFinding.objects.filter(run=run)
            .values_list("severity")
            .annotate(n=Count("id"))
            .order_by()
        )
    return {
        "waiting": waiting,
        "drafts": sorted(drafts, key=lambda i: i["updated_at"], reverse=True)[:LIMIT],
        "recent": sorted(recent, key=lambda i: i["updated_at"], reverse=True)[:LIMIT],
        "quality_run": run,
        "findings": [(s, findings.get(s, 0)) for s in ("error", "warning", "info")],
        "counts": _counts(products, assets),
    }


def _counts(products, assets) -> list[tuple[str, int, int]]:
    """(state label, products, assets) for each workflow state."""
    by_product = dict(products.values_list("workflow_state").annotate(n=Count("pk")).order_by())
    by_asset = dict(assets.values_list("workflow_state").annotate(n=Count("pk")).order_by())
    return [
        (label, by_product.get(state, 0), by_asset.get(state, 0))
        for state, label in WorkflowState.choices
    ]
