"""Journeys through the product editor (/products/<sku>/), each as the person who does it:
two editors saving the same product (the second sees a conflict), an editor completing a
product in two locales and submitting it, a viewer without edit controls and a scoped editor
kept out of another team's product."""

import pytest
from playwright.sync_api import Browser, Page, expect

from governance import roles
from governance import services as governance
from governance.models import Category, Channel
from governance.services_access import category_grant
from tests.browser.signing_in import sign_in
from tests.conftest import ARTIFACTS
from tests.governance.people import member
from tests.pim.builders import save, value
from tests.pim.conftest import catalog  # noqa: F401 - the catalog the products are built on

PASSWORD = "correct-horse-9"


@pytest.fixture
def shop(transactional_db, catalog):  # noqa: F811
    """`tee` (in `tops`): price, weight and print texts filled, its name missing; `boot` in
    `shoes`. The print channel asks for no minimum completeness."""
    governance.category_create(code="master")
    governance.category_create(code="tops", parent="master")
    governance.category_create(code="shoes", parent="master")
    Channel.objects.filter(code="print").update(approval_min_completeness=0)
    values = {
        "price": value([{"amount": "19", "currency": "EUR"}], channel="ecommerce"),
        "weight": value({"amount": "180", "unit": "gram"}),
    }
    assert save({"sku": "tee", "family": "shirts", "categories": ["tops"], "values": values}).ok
    assert save({"sku": "boot", "family": "shirts", "categories": ["shoes"]}).ok


def person(role, username):
    user = member(role, username)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(page: Page, base: str, username: str, then: str) -> None:
    sign_in(page, f"{base}/accounts/login/?next={then}", username, PASSWORD)
    expect(page).to_have_url(f"{base}{then}")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"editor-{name}.png", full_page=True)


def test_the_second_of_two_editors_sees_a_conflict(browser: Browser, live_server, shop):
    person(roles.PRODUCT_EDITOR, "ann")
    person(roles.PRODUCT_EDITOR, "bob")
    first, second = browser.new_page(), browser.new_page()
    log_in(first, live_server.url, "ann", "/products/tee/")
    log_in(second, live_server.url, "bob", "/products/tee/")

    first.get_by_label("name").fill("Tee by Ann")
    first.get_by_role("button", name="Save").click()
    expect(first.get_by_role("status")).to_contain_text("Saved — version 2.")

    second.get_by_label("name").fill("Tee by Bob")
    second.get_by_role("button", name="Save").click()
    expect(second.get_by_role("alert")).to_contain_text(
        "Someone else saved this product since you opened it"
    )
    expect(second.get_by_label("name")).to_have_value("Tee by Bob")  # input kept
    shot(second, "conflict")

    second.get_by_role("link", name="Reload the product").click()
    expect(second.get_by_label("name")).to_have_value("Tee by Ann")
    first.close()
    second.close()


def test_an_editor_completes_a_product_in_two_locales_and_submits_it(page: Page, live_server, shop):
    person(roles.PRODUCT_EDITOR, "ann")
    log_in(page, live_server.url, "ann", "/products/tee/")
    en = page.get_by_test_id("completeness-ecommerce-en_US")
    fr = page.get_by_test_id("completeness-ecommerce-fr_FR")
    expect(en).to_contain_text("66 %")
    expect(fr).to_contain_text("66 %")

    page.get_by_label("name").fill("Oxford tee")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(en).to_contain_text("100 %")

    fr.get_by_role("link", name="name").click()  # jumps to the input, in French
    expect(page.get_by_label("Locale", exact=True)).to_have_value("fr_FR")
    page.get_by_label("name").fill("Tee Oxford")
    page.get_by_role("button", name="Save").click()
    expect(fr).to_contain_text("100 %")
    shot(page, "complete")

    page.get_by_label("Comment", exact=True).fill("Ready for the summer range.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("state")).to_have_text("In review")
    expect(page.get_by_role("status").first).to_contain_text("in review")
    shot(page, "submitted")


def test_a_viewer_has_no_edit_controls_and_a_scoped_editor_no_other_products(
    browser: Browser, live_server, shop
):
    person(roles.VIEWER, "vera")
    scoped = person(roles.PRODUCT_EDITOR, "sam")
    category_grant(category=Category.objects.get(code="tops"), user=scoped)

    viewer = browser.new_page()
    log_in(viewer, live_server.url, "vera", "/products/tee/")
    expect(viewer.get_by_test_id("value-weight")).to_have_text("180 gram")
    expect(viewer.get_by_role("button", name="Save")).to_have_count(0)
    expect(viewer.get_by_role("textbox")).to_have_count(0)
    expect(viewer.get_by_role("button", name="Submit for review")).to_have_count(0)
    shot(viewer, "viewer")
    viewer.close()

    editor = browser.new_page()
    log_in(editor, live_server.url, "sam", "/products/tee/")
    expect(editor.get_by_role("button", name="Save")).to_be_visible()
    response = editor.goto(f"{live_server.url}/products/boot/")
    assert response.status == 404
    shot(editor, "scoped-404")
    editor.close()
