"""Journey: an editor discusses a product in its editor (htmx, no page reload): a refused
empty comment shows its error by the field, a posted one appears last, and its author
deletes it."""

from playwright.sync_api import Page, expect

from governance import roles
from tests.browser.test_journey_editor import log_in, person, shop, shot  # noqa: F401
from tests.pim.conftest import catalog  # noqa: F401 - the catalog the products are built on


def test_an_editor_comments_on_a_product_and_deletes_it(page: Page, live_server, shop):  # noqa: F811
    person(roles.PRODUCT_EDITOR, "ann")
    log_in(page, live_server.url, "ann", "/products/tee/")
    page.get_by_role("link", name="Comments").click()
    comments = page.locator("#comments")
    expect(comments.get_by_text("No comments yet.")).to_be_visible()

    comments.get_by_role("button", name="Post comment").click()
    expect(comments.get_by_role("alert")).to_contain_text("Write something")
    expect(comments.get_by_label("Add a comment")).to_have_attribute("aria-invalid", "true")

    comments.get_by_label("Add a comment").fill("Needs a <b>back</b> shot")
    comments.get_by_role("button", name="Post comment").click()
    expect(comments.locator(".pe-comment-text")).to_have_text("Needs a <b>back</b> shot")
    expect(comments.get_by_role("alert")).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/products/tee/#comments")  # no reload
    shot(page, "comments")

    page.once("dialog", lambda dialog: dialog.accept())
    comments.get_by_role("button", name="Delete comment 1").click()
    expect(comments.get_by_text("No comments yet.")).to_be_visible()
