"""The product grid (issue #7): a Product Editor searches and filters, finds the incomplete
product with its completeness, and submits two products at once — one goes, one is refused
with its reason. A viewer sees the grid without any bulk control."""

import re

import pytest
from playwright.sync_api import Page, expect

from governance import roles
from tests.browser.signing_in import sign_in
from tests.conftest import ARTIFACTS
from tests.governance.people import member
from tests.pim.builders import save, value
from tests.pim.conftest import catalog  # noqa: F401 - the grid lists its products


@pytest.fixture
def shirts(transactional_db, catalog):  # noqa: F811
    complete = {
        "name": value("Full shirt", locale="en_US")
        + value("Chemise", locale="fr_FR")
        + value("Hemd", locale="de_DE"),
        "description": value("Lang", "print", "de_DE"),
        "price": value(
            [{"amount": "10", "currency": "EUR"}, {"amount": "12", "currency": "USD"}], "ecommerce"
        ),
        "weight": value({"amount": "1", "unit": "kilogram"}),
    }
    for sku, values in (
        ("shirt-full", complete),
        ("shirt-half", {"name": value("Half shirt", locale="en_US")}),
    ):
        assert save({"sku": sku, "family": "shirts", "values": values}).ok
    assert save({"sku": "mug-half", "family": "mugs", "values": {}}).ok


def log_in(page: Page, url: str, user) -> None:
    sign_in(page, url, user.username)


def test_an_editor_filters_and_submits_in_bulk(page: Page, live_server, shirts):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_in(page, f"{live_server.url}/", member(roles.PRODUCT_EDITOR))
    page.get_by_role("navigation", name="Workbench").get_by_role("link", name="Products").click()
    expect(page.get_by_role("heading", name="Products", exact=True)).to_be_visible()
    grid = page.locator("#grid-results")

    page.get_by_label("Search").fill("shirt")
    page.get_by_role("combobox", name="Family").select_option("shirts")
    expect(grid.get_by_role("link", name="mug-half")).to_have_count(0)
    page.get_by_role("combobox", name="Channel × locale").select_option("ecommerce|en_US")
    page.get_by_role("combobox", name="Completeness").select_option("incomplete")
    expect(grid.get_by_role("link", name="shirt-full")).to_have_count(0)
    row = grid.get_by_role("row").filter(has_text="shirt-half")
    expect(row).to_contain_text("Half shirt")
    expect(row).to_contain_text("33 %")
    expect(page).to_have_url(
        re.compile(r"/products/\?q=shirt&family=shirts.*completeness=incomplete")
    )
    page.screenshot(path=ARTIFACTS / "grid-incomplete.png", full_page=True)

    page.get_by_role("combobox", name="Completeness").select_option("")
    expect(grid.get_by_role("link", name="shirt-full")).to_be_visible()
    page.get_by_label("Select shirt-full").check()
    page.get_by_label("Select shirt-half").check()
    expect(page.get_by_label("Select shirt-full")).to_be_checked()
    page.get_by_label("With the selected products").select_option("submit")
    page.get_by_role("button", name="Run").click()

    report = page.get_by_role("status", name="Results of “submit”")
    expect(report.get_by_role("listitem").filter(has_text="shirt-full")).to_contain_text("done")
    refused = report.get_by_role("listitem").filter(has_text="shirt-half")
    expect(refused).to_contain_text("refused")
    expect(refused).to_contain_text("complete on ecommerce in en_US, 100% needed")
    expect(page.get_by_label("Search")).to_have_value("shirt")  # the same grid, after the action
    page.screenshot(path=ARTIFACTS / "grid-bulk-submit.png", full_page=True)

    grid.get_by_role("link", name="SKU").click()  # sort descending, then filter: order stays
    expect(grid.get_by_role("columnheader", name="SKU")).to_have_attribute(
        "aria-sort", "descending"
    )
    page.get_by_role("combobox", name="Family").select_option("")
    expect(page).to_have_url(re.compile(r"family=&.*dir=desc"))
    expect(grid.get_by_role("row").nth(1)).to_contain_text("shirt-half")


def test_a_viewer_sees_no_bulk_controls(page: Page, live_server, shirts):
    log_in(page, f"{live_server.url}/products/", member(roles.VIEWER))
    expect(page.get_by_role("link", name="shirt-half")).to_be_visible()
    expect(page.get_by_role("button", name="Run")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Select shirt-half")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "grid-viewer.png", full_page=True)
