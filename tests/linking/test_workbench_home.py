"""Home / my work: waiting for my review, my drafts, recently changed, quality, counts."""

import pytest

from dam.models import Asset
from governance import roles
from governance.audit import acting_as
from governance.models import QualityFinding, QualityRun, QualityRunStatus
from governance.workflow import transition
from pim.services.products import product_upsert_many
from tests.governance.people import member
from tests.pim.builders import value

pytestmark = pytest.mark.django_db


def products(count: int, prefix: str, user=None) -> list:
    items = [
        {
            "sku": f"{prefix}-{n}",
            "family": "mugs",
            "values": {"name": value(f"N{n}", locale="en_US")},
        }
        for n in range(count)
    ]
    with acting_as(user=user):
        outcomes = product_upsert_many(items=items)
    assert all(o.ok for o in outcomes)
    return [o.product for o in outcomes]


def test_my_work(catalog, client):
    editor, owner = member(roles.PRODUCT_EDITOR), member(roles.PRODUCT_DATA_OWNER)
    mine = products(2, "mine", editor)
    products(1, "theirs", owner)
    with acting_as(user=editor):
        transition(obj=mine[1], action="submit")
    Asset.objects.create(code="photo", kind="image", workflow_state="in_review")
    run = QualityRun.objects.create(status=QualityRunStatus.DONE, checks=["x"])
    for severity in ("error", "error", "warning"):
        QualityFinding.objects.create(
            run=run, check_code="x", severity=severity, object_type="product", object_ref="a"
        )

    client.force_login(owner)
    page = client.get("/").content.decode()
    waiting = page[page.index("Waiting for my review") : page.index("My drafts")]
    assert 'href="/reviews/product/mine-1/"' in waiting and "photo" not in waiting
    assert "<strong>2</strong> errors" in page and "<strong>1</strong> warning" in page
    assert '<th scope="row">In review</th><td>1</td><td>1</td>' in page
    drafts = page[page.index("My drafts") : page.index("Recently changed")]
    assert "theirs-0" in drafts and "mine-0" not in drafts

    client.force_login(editor)
    page = client.get("/").content.decode()
    assert "Nothing waits for you." in page  # an editor approves nothing
    drafts = page[page.index("My drafts") : page.index("Recently changed")]
    assert "mine-0" in drafts and "mine-1" not in drafts and "theirs-0" not in drafts
    assert "No quality check" not in page


@pytest.mark.parametrize("count", [3, 30])
def test_home_is_constant_in_queries(
    catalog, admin_client, admin_user, count, django_assert_max_num_queries
):
    made = products(count, "p", admin_user)
    with acting_as(user=admin_user):
        for product in made[: count // 2]:
            transition(obj=product, action="submit")
    admin_client.get("/")  # content types cached, as in a running server
    with django_assert_max_num_queries(11):
        page = admin_client.get("/").content.decode()
    waiting = page[page.index("Waiting for my review") : page.index("My drafts")]
    assert waiting.count('href="/reviews/product/') == min(count // 2, 10)
