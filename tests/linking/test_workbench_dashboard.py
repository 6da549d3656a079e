"""The dashboard: each KPI measured from real rows, SVG charts with their title, description
and numbers as text, and a query count that does not grow with the catalog."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dam import services as dam_services
from governance import roles
from governance import services as governance
from governance.audit import acting_as
from governance.models import (
    Channel,
    QualityFinding,
    QualityRun,
    QualityRunStatus,
    WorkflowState,
    WorkflowTransition,
)
from governance.workflow import transition
from linking.selectors import dashboard as kpis
from linking.services.links import link_add
from linking.views.dashboard import duration_text
from pim.models import Product
from tests.governance.people import member
from tests.linking.builders import image_asset, product
from tests.pim.builders import value

DASHBOARD = reverse("workbench-dashboard")


@pytest.fixture
def people(catalog):
    for code in ("ecommerce", "print"):
        governance.channel_update(
            channel=Channel.objects.get(code=code), changes={"approval_min_completeness": 0}
        )
    return {"editor": member(roles.PRODUCT_EDITOR), "owner": member(roles.PRODUCT_DATA_OWNER)}


def approved(people, sku, *, hours: float | None = None):
    item = product(sku, values={"name": value(f"Shirt {sku}", locale="en_US")})
    with acting_as(user=people["editor"]):
        transition(obj=item, action="submit")
    with acting_as(user=people["owner"]):
        transition(obj=item, action="approve")
    if hours is not None:  # the approval came `hours` after the submission
        [submit, approve] = WorkflowTransition.objects.filter(object_id=item.pk).order_by("id")
        now = timezone.now()
        WorkflowTransition.objects.filter(pk=submit.pk).update(
            created_at=now - timedelta(hours=hours)
        )
        WorkflowTransition.objects.filter(pk=approve.pk).update(created_at=now)
        Product.objects.filter(pk=item.pk).update(created_at=now - timedelta(hours=2 * hours))
    return item


def test_cycle_time_and_time_to_market(people):
    for n, hours in enumerate((1, 2, 3, 4, 10)):
        approved(people, f"tee-{n}", hours=hours)
    product("draft-only")
    cycle = kpis.approval_cycle()
    assert (cycle.count, cycle.median, cycle.p90) == (5, 3, 10)
    assert len(cycle.weekly) == kpis.TREND_WEEKS
    assert cycle.weekly[-1] == {"week": cycle.weekly[-1]["week"], "count": 5, "median": 3}
    market = kpis.time_to_market()
    assert (market.count, market.median) == (5, 6)


def test_states_completeness_reuse_rights_and_quality(people, local_storage):
    tee = approved(people, "tee-1")
    other = product("tee-2")
    shared, single = image_asset("hero"), image_asset("back", color=(20, 30, 200))
    for item in (tee, other):
        link_add(asset=shared, product=item, role="lifestyle")
    link_add(asset=single, product=tee, role="hero")
    dam_services.usage_right_save(
        asset=shared,
        changes={"licence": "owned", "valid_until": timezone.now() + timedelta(days=10)},
    )
    run = QualityRun.objects.create(
        status=QualityRunStatus.DONE, finished_at=timezone.now(), checks=["a", "b"]
    )
    for severity in ("error", "error", "warning"):
        QualityFinding.objects.create(
            run=run, check_code="a", severity=severity, object_type="product", object_ref="x"
        )

    states = {row["state"]: row for row in kpis.states()}
    assert states[WorkflowState.APPROVED]["products"] == 1
    assert states[WorkflowState.DRAFT]["products"] == 1
    assert states[WorkflowState.DRAFT]["assets"] == 2
    assert kpis.asset_reuse() == {"linked": 2, "reused": 1, "share": 50}
    assert kpis.rights_outlook() == {"expired": 0, "expiring": 1, "days": 30}
    quality = kpis.latest_quality()
    assert quality["checks"] == [
        {"code": "a", "by_severity": {"error": 2, "warning": 1}, "total": 3},
        {"code": "b", "by_severity": {}, "total": 0},
    ]
    completeness = {(r["channel"], r["locale"]): r for r in kpis.completeness_overview()}
    assert completeness[("ecommerce", "en_US")]["total"] == 2


def test_page_draws_accessible_charts_with_the_numbers(client, people):
    approved(people, "tee-1", hours=5)
    client.force_login(member(roles.VIEWER))
    page = client.get(DASHBOARD).content.decode()
    assert page.count("<svg") == 5
    assert '<title id="chart-completeness-title">' in page and "<desc" in page
    assert "ecommerce · en_US" in page
    assert 'data-kpi="cycle-median">5.0 h<' in page
    assert '<th scope="row">Approved</th><td>1</td>' in page


def test_query_count_does_not_grow_with_the_catalog(client, people, django_assert_max_num_queries):
    client.force_login(people["owner"])
    for n in range(3):
        approved(people, f"few-{n}", hours=n + 1)
    client.get(DASHBOARD)
    with django_assert_max_num_queries(30) as few:
        client.get(DASHBOARD)
    for n in range(17):
        approved(people, f"many-{n}", hours=n + 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(DASHBOARD).status_code == 200


def test_anonymous_is_sent_to_log_in(client):
    assert client.get(DASHBOARD).status_code == 302


def test_durations_read_in_minutes_hours_or_days():
    assert [duration_text(h) for h in (None, 0.25, 5, 72)] == ["–", "15 min", "5.0 h", "3.0 d"]
