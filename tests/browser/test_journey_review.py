"""Journey 2 of issue #7: the Product Data Owner approves a product from the review queue;
the channel feed then shows it, and the dashboard draws its charts."""

import pytest
from playwright.sync_api import Page, expect

from governance.audit import acting_as
from governance.workflow import transition
from tests.browser.signing_in import sign_in
from tests.conftest import ARTIFACTS
from tests.linking.conftest import linked_catalog  # noqa: F401 - the world builds on it
from tests.linking.feed_helpers import approve_asset, build_feed_world
from tests.pim.conftest import catalog  # noqa: F401 - linked_catalog builds on it

PASSWORD = "correct-horse-9"
FEED = "/api/v1/channels/ecommerce/products?locale=en_US"


@pytest.fixture
def world(transactional_db, linked_catalog):  # noqa: F811
    """plain-tee with an approved hero image, submitted for review by the editor."""
    world = build_feed_world(linked_catalog)
    approve_asset(world, world.asset("hero"))
    with acting_as(user=world.people["editor"]):
        transition(obj=world.tee, action="submit")
    owner = world.people["owner"]
    owner.set_password(PASSWORD)
    owner.save()
    return world


def test_owner_approves_from_the_queue_and_the_feed_shows_it(
    page: Page, live_server, world, tasks_in_this_process
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, f"{live_server.url}/reviews/", world.people["owner"].username, PASSWORD)

    expect(page.get_by_role("heading", name="Reviews", exact=True)).to_be_visible()
    queue = page.get_by_role("region", name="Products (1)")
    expect(queue.get_by_role("link", name="plain-tee")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "review-queue.png", full_page=True)
    assert page.request.get(live_server.url + FEED).json()["results"] == []

    queue.get_by_role("link", name="plain-tee").click()
    expect(page.get_by_role("heading", name="Review product plain-tee")).to_be_visible()
    changes = page.get_by_role("table").first
    expect(changes.get_by_role("columnheader", name="Approved snapshot")).to_be_visible()
    expect(changes.get_by_role("columnheader", name="Now")).to_be_visible()
    expect(changes.get_by_role("row", name="ecommerce · en_US name added")).to_contain_text("Tee")
    expect(page.get_by_text("never approved before")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "review-item.png", full_page=True)

    page.get_by_label("Comment").fill("Ready for the shop.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("plain-tee approved.")
    expect(page.get_by_role("region", name="Products (0)")).to_contain_text("Nothing waits")

    feed = page.request.get(live_server.url + FEED)
    assert feed.ok
    assert [doc["sku"] for doc in feed.json()["results"]] == ["plain-tee"]

    page.get_by_role("navigation", name="Workbench").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(
        page.get_by_role("img", name="Average completeness per channel and locale")
    ).to_be_visible()
    expect(page.locator("#states-table")).to_contain_text("Approved")
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)
