"""The dashboard's KPIs: catalog-wide numbers, each from one or two aggregate queries whatever
the catalog's size (no per-object data leaves here)."""

import math
import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, Min, OuterRef, Q, Subquery
from django.utils import timezone

from dam.models import Asset
from dam.services import rights_expiring
from governance.models import QualityFinding, QualityRun, WorkflowState, WorkflowTransition
from linking.models import MediaReadiness, ProductAssetLink
from pim.models import Completeness, Product

TREND_WEEKS = 12
RIGHTS_WITHIN_DAYS = 30


@dataclass
class Durations:
    """Durations in hours: how many, their median and 90th percentile."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    weekly: list[dict] = field(default_factory=list)  # [{week, count, median}] oldest first


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def durations_of(hours: list[float]) -> Durations:
    if not hours:
        return Durations()
    ordered = sorted(hours)
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]  # nearest rank
    return Durations(len(ordered), round(statistics.median(ordered), 1), round(p90, 1))


def per_channel_locale(rows, score: str, total_field: str = "pk") -> list[dict]:
    """[{channel, locale, average, complete, total, share}] for rows of (channel, locale)."""
    grouped = (
        rows.values("channel__code", "locale__code")
        .annotate(
            average=Avg(score),
            total=Count(total_field),
            complete=Count(total_field, filter=Q(**{score: 100})),
        )
        .order_by("channel__code", "locale__code")
    )
    return [
        {
            "channel": row["channel__code"],
            "locale": row["locale__code"],
            "average": round(row["average"] or 0),
            "complete": row["complete"],
            "total": row["total"],
            "share": round(100 * row["complete"] / row["total"]) if row["total"] else 0,
        }
        for row in grouped
    ]


def completeness_overview() -> list[dict]:
    """Per channel × locale: average completeness and the share of products 100 % complete."""
    return per_channel_locale(Completeness.objects.all(), "ratio")


def readiness_overview() -> list[dict]:
    """Per channel × locale: average media readiness and the share of products fully ready."""
    return per_channel_locale(MediaReadiness.objects.all(), "score")


def approval_cycle(*, now=None) -> Durations:
    """Submit → approve, in hours, over the last TREND_WEEKS weeks (each approval against the
    submission that preceded it), with a weekly median trend."""
    now = now or timezone.now()
    since = now - timedelta(weeks=TREND_WEEKS)
    submitted = WorkflowTransition.objects.filter(
        content_type=OuterRef("content_type"),
        object_id=OuterRef("object_id"),
        to_state=WorkflowState.IN_REVIEW,
        id__lt=OuterRef("id"),
    ).order_by("-id")
    approvals = (
        WorkflowTransition.objects.filter(
            to_state=WorkflowState.APPROVED,
            from_state=WorkflowState.IN_REVIEW,
            created_at__gte=since,
        )
        .annotate(submitted_at=Subquery(submitted.values("created_at")[:1]))
        .filter(submitted_at__isnull=False)
        .values_list("created_at", "submitted_at")
    )
    pairs = list(approvals)
    result = durations_of([_hours(approved - sent) for approved, sent in pairs])
    start = (now - timedelta(days=now.weekday())).date() - timedelta(weeks=TREND_WEEKS - 1)
    weeks: dict = {start + timedelta(weeks=n): [] for n in range(TREND_WEEKS)}
    for approved, sent in pairs:
        day = approved.date()
        week = day - timedelta(days=day.weekday())
        if week in weeks:
            weeks[week].append(_hours(approved - sent))
    result.weekly = [
        {
            "week": week,
            "count": len(hours),
            "median": round(statistics.median(hours), 1) if hours else None,
        }
        for week, hours in weeks.items()
    ]
    return result


def time_to_market() -> Durations:
    """Product created → first approved, in hours, over every product approved at least once."""
    first_approval = (
        WorkflowTransition.objects.filter(
            content_type=ContentType.objects.get_for_model(Product),
            object_id=OuterRef("pk"),
            to_state=WorkflowState.APPROVED,
        )
        .values("object_id")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    rows = (
        Product.objects.annotate(first_approved=Subquery(first_approval[:1]))
        .filter(first_approved__isnull=False)
        .values_list("created_at", "first_approved")
    )
    return durations_of([_hours(approved - created) for created, approved in rows])


def asset_reuse() -> dict:
    """Linked assets, those linked to two or more products, and their share in percent."""
    per_asset = (
        ProductAssetLink.objects.filter(product__isnull=False)
        .values("asset")
        .annotate(products=Count("product", distinct=True))
        .order_by()
    )
    totals = per_asset.aggregate(
        linked=Count("asset"), reused=Count("asset", filter=Q(products__gte=2))
    )
    linked, reused = totals["linked"] or 0, totals["reused"] or 0
    return {
        "linked": linked,
        "reused": reused,
        "share": round(100 * reused / linked) if linked else 0,
    }


def states() -> list[dict]:
    """Items in each workflow state: [{state, label, products, assets}] in workflow order."""
    products = dict(
        Product.objects.values_list("workflow_state").annotate(n=Count("pk")).order_by()
    )
    assets = dict(Asset.objects.values_list("workflow_state").annotate(n=Count("pk")).order_by())
    return [
        {
            "state": state.value,
            "label": state.label,
            "products": products.get(state.value, 0),
            "assets": assets.get(state.value, 0),
        }
        for state in WorkflowState
    ]


def rights_outlook(*, now=None) -> dict:
    """How many usage rights have expired and how many expire within RIGHTS_WITHIN_DAYS."""
    report = rights_expiring(now=now or timezone.now(), within_days=RIGHTS_WITHIN_DAYS)
    return {
        "expired": len(report["expired"]),
        "expiring": len(report["expiring"]),
        "days": RIGHTS_WITHIN_DAYS,
    }


def latest_quality() -> dict | None:
    """The latest finished quality run and its findings counted by check and severity."""
    run = QualityRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    if run is None:
        return None
    counts = (
        QualityFinding.objects.filter(run=run)
        .values("check_code", "severity")
        .annotate(n=Count("pk"))
        .order_by("check_code", "severity")
    )
    checks: dict[str, dict] = {code: {} for code in run.checks}
    for row in counts:
        checks.setdefault(row["check_code"], {})[row["severity"]] = row["n"]
    return {
        "run": run,
        "checks": [
            {"code": code, "by_severity": by, "total": sum(by.values())}
            for code, by in sorted(checks.items())
        ],
    }


def dashboard_kpis(*, now=None) -> dict:
    """Every KPI the dashboard shows (a constant number of queries)."""
    return {
        "completeness": completeness_overview(),
        "readiness": readiness_overview(),
        "cycle": approval_cycle(now=now),
        "time_to_market": time_to_market(),
        "reuse": asset_reuse(),
        "states": states(),
        "rights": rights_outlook(now=now),
        "quality": latest_quality(),
    }
