"""The review queues: what waits for me (in my scope, if I may approve), the side-by-side
changes since the last approved snapshot, approve / reject with inline errors, bulk approve
with a result per item, and a query count that does not grow with the queue."""

import pytest
from django.urls import reverse

from dam import services as dam_services
from governance import roles
from governance import services as governance
from governance.audit import acting_as
from governance.models import Category, Channel, WorkflowState
from governance.services_access import category_grant
from governance.workflow import transition
from linking.views.reviews import changes
from pim.models import Product
from tests.governance.people import member
from tests.linking.builders import image_asset, product
from tests.pim.builders import save, value

QUEUE = reverse("workbench-reviews")
BULK = reverse("workbench-reviews-approve")


def item_url(kind, ref):
    return reverse("workbench-review-item", args=[kind, ref])


@pytest.fixture
def people(catalog):
    for code in ("ecommerce", "print"):
        governance.channel_update(
            channel=Channel.objects.get(code=code), changes={"approval_min_completeness": 0}
        )
    governance.category_create(code="shirts_cat")
    governance.category_create(code="shoes_cat")
    return {
        "editor": member(roles.PRODUCT_EDITOR),
        "owner": member(roles.PRODUCT_DATA_OWNER),
        "librarian": member(roles.ASSET_LIBRARIAN),
        "viewer": member(roles.VIEWER),
    }


def in_review(people, sku, *, category="shirts_cat", name=None, by="editor"):
    values = {"name": value(name or f"Shirt {sku}", locale="en_US")}
    item = product(sku, categories=[category], values=values)
    with acting_as(user=people[by]):
        transition(obj=item, action="submit")
    item.refresh_from_db()
    return item


def signed_in(client, user):
    client.force_login(user)
    return client


def test_queue_lists_what_i_may_approve_newest_first(client, people):
    in_review(people, "tee-1")
    in_review(people, "tee-2")
    product("tee-draft", categories=["shirts_cat"])
    page = signed_in(client, people["owner"]).get(QUEUE).content.decode()
    assert page.index("tee-2") < page.index("tee-1")
    assert "tee-draft" not in page
    assert 'data-count="product">2<' in page
    assert "Approve selected" in page
    assert "Assets" not in page.split("<main", 1)[1]  # the owner does not approve assets


def test_who_may_not_approve_sees_no_queue_and_no_actions(client, people):
    in_review(people, "tee-1")
    page = signed_in(client, people["editor"]).get(QUEUE).content.decode()
    assert "tee-1" not in page
    assert "Approve selected" not in page
    response = client.get(item_url("product", "tee-1"))
    assert response.status_code == 200
    assert 'value="approve"' not in response.content.decode()
    response = client.post(item_url("product", "tee-1"), {"action": "approve"})
    assert response.status_code == 403
    assert client.post(BULK, {"items": ["product:tee-1"]}).status_code == 403


def test_items_outside_my_scope_are_never_listed_nor_opened(client, people):
    in_review(people, "tee-1")
    in_review(people, "boot-1", category="shoes_cat")
    category_grant(category=Category.objects.get(code="shirts_cat"), user=people["owner"])
    signed_in(client, people["owner"])
    page = client.get(QUEUE).content.decode()
    assert "tee-1" in page and "boot-1" not in page
    assert client.get(item_url("product", "boot-1")).status_code == 404
    response = client.post(BULK, {"items": ["product:boot-1"]})
    assert "Not in review, or outside your scope." in response.content.decode()
    assert Product.objects.get(sku="boot-1").workflow_state == WorkflowState.IN_REVIEW
    assert client.get(item_url("nothing", "x")).status_code == 404


def test_query_count_does_not_grow_with_the_queue(client, people, django_assert_max_num_queries):
    signed_in(client, people["owner"])
    for n in range(3):
        in_review(people, f"few-{n}")
    client.get(QUEUE)  # warm the per-process caches (content types)
    with django_assert_max_num_queries(12) as few:
        client.get(QUEUE)
    for n in range(17):
        in_review(people, f"many-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(QUEUE).content.decode()
    assert 'data-count="product">20<' in page


def test_first_review_shows_everything_as_new(client, people):
    in_review(people, "tee-1", name="Blue tee")
    page = signed_in(client, people["owner"]).get(item_url("product", "tee-1")).content.decode()
    assert "never approved before" in page
    assert "ecommerce · en_US" in page and "Blue tee" in page
    assert "added" in page
    assert "Approve" in page and 'name="version"' in page


def test_changes_since_the_approved_snapshot_side_by_side(client, people):
    tee = in_review(people, "tee-1", name="Blue tee")
    with acting_as(user=people["owner"]):
        transition(obj=tee, action="approve")
    assert save({"sku": "tee-1", "values": {"name": value("Navy tee", locale="en_US")}}).ok
    tee.refresh_from_db()
    with acting_as(user=people["editor"]):
        transition(obj=tee, action="submit")
    page = signed_in(client, people["owner"]).get(item_url("product", "tee-1")).content.decode()
    changed = page.split('class="change-changed"', 1)[1].split("</tr>", 1)[0]
    assert "name" in changed and "Blue tee" in changed and "Navy tee" in changed
    assert "categories" not in page.split("changes-heading", 1)[1].split("</table>", 1)[0]


def test_approve_with_a_comment(client, people):
    tee = in_review(people, "tee-1")
    signed_in(client, people["owner"])
    response = client.post(
        item_url("product", "tee-1"),
        {"action": "approve", "comment": "Looks good", "version": tee.version},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == QUEUE
    assert "tee-1 approved." in response.content.decode()
    tee.refresh_from_db()
    assert tee.workflow_state == WorkflowState.APPROVED


def test_reject_needs_a_comment_shown_inline(client, people):
    tee = in_review(people, "tee-1")
    signed_in(client, people["owner"])
    response = client.post(
        item_url("product", "tee-1"), {"action": "reject", "comment": "", "version": tee.version}
    )
    assert response.status_code == 200
    assert "Say why the item is rejected." in response.content.decode()
    response = client.post(
        item_url("product", "tee-1"),
        {"action": "reject", "comment": "Wrong colour", "version": tee.version},
    )
    assert response.status_code == 302
    tee.refresh_from_db()
    assert tee.workflow_state == WorkflowState.DRAFT


def test_four_eyes_and_stale_version_are_shown_inline(client, people):
    tee = in_review(people, "tee-1", by="owner")
    signed_in(client, people["owner"])
    response = client.post(
        item_url("product", "tee-1"), {"action": "approve", "version": tee.version}
    )
    assert "You submitted this item" in response.content.decode()
    response = client.post(
        item_url("product", "tee-1"), {"action": "approve", "version": tee.version - 1}
    )
    assert "changed since you opened it" in response.content.decode()
    tee.refresh_from_db()
    assert tee.workflow_state == WorkflowState.IN_REVIEW


def test_bulk_approve_reports_each_item(client, people):
    in_review(people, "tee-1")
    in_review(people, "tee-2", by="owner")  # four-eyes: the owner cannot approve their own
    signed_in(client, people["owner"])
    response = client.post(
        BULK, {"items": ["product:tee-1", "product:tee-2", "product:gone"], "comment": "ok"}
    )
    page = response.content.decode()
    assert "Bulk approval: 1 of 3 approved" in page
    assert "You submitted this item" in page
    assert "Not in review, or outside your scope." in page
    states = dict(Product.objects.values_list("sku", "workflow_state"))
    assert states == {"tee-1": WorkflowState.APPROVED, "tee-2": WorkflowState.IN_REVIEW}
    assert "Select at least one item" in client.post(BULK, {}).content.decode()


def test_assets_in_review_for_the_librarian(client, people, local_storage):
    asset = image_asset("hero")
    dam_services.asset_update(asset=asset, changes={"alt_text": {"en_US": "A red shirt"}})
    dam_services.usage_right_save(asset=asset, changes={"licence": "owned"})
    asset.refresh_from_db()
    with acting_as(user=member(roles.ASSET_LIBRARIAN, "other_librarian")):
        transition(obj=asset, action="submit")
    signed_in(client, people["librarian"])
    page = client.get(QUEUE).content.decode()
    assert 'data-count="asset">1<' in page
    assert item_url("asset", str(asset.uuid)) in page
    page = client.get(item_url("asset", str(asset.uuid))).content.decode()
    assert "alt_text.en_US" in page and "A red shirt" in page
    assert "version.number" in page
    asset.refresh_from_db()
    response = client.post(
        item_url("asset", str(asset.uuid)), {"action": "approve", "version": asset.version}
    )
    assert response.status_code == 302
    assert client.get(item_url("asset", "not-a-uuid")).status_code == 404


def test_changes_leave_out_empty_mappings_and_read_lists_plainly():
    before = {"alt_text": {}, "tags": ["a"], "version": {"number": 1}, "sku": "x"}
    after = {"alt_text": {"en_US": "Red"}, "tags": ["a", "b"], "version": {"number": 2}}
    rows = {row["field"]: row for row in changes(before, after)}
    assert set(rows) == {"alt_text.en_US", "tags", "version.number"}
    assert rows["alt_text.en_US"]["status"] == "added"
    assert (rows["tags"]["before"], rows["tags"]["after"]) == ("a", "a, b")
    assert rows["version.number"]["status"] == "changed"


def test_bulk_approve_shows_gate_failures_per_item(client, people):
    in_review(people, "tee-1")
    governance.channel_update(
        channel=Channel.objects.get(code="ecommerce"), changes={"approval_min_completeness": 100}
    )
    signed_in(client, people["owner"])
    page = client.post(BULK, {"items": ["product:tee-1"]}).content.decode()
    assert "Bulk approval: 0 of 1 approved" in page
    assert "complete on ecommerce in en_US, 100% needed" in page
