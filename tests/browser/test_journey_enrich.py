"""Journey 1 of the workbench (issue #7), as a Product Editor: find an incomplete product in
the grid, fill its missing name in two locales, upload and link a hero picture by dropping it
on the media panel, put it first by drag and drop, see completeness and media readiness reach
100 % once the librarian has cleared the picture, and submit the product for review."""

import base64
import io

import pytest
from django.contrib.auth.models import Group
from PIL import Image
from playwright.sync_api import Page, expect

from dam.models import Asset
from governance import roles
from linking.models import ProductAssetLink
from linking.services.links import link_add
from pim.models import Product
from tests.browser.signing_in import sign_in
from tests.conftest import ARTIFACTS
from tests.governance.people import member
from tests.linking.builders import linked_catalog as build_linked_catalog
from tests.linking.feed_helpers import approve_asset, build_feed_world
from tests.pim.builders import save, value
from tests.pim.conftest import catalog  # noqa: F401 - the catalog the products are built on


@pytest.fixture
def world(transactional_db, catalog):  # noqa: F811
    """The feed world (ecommerce needs a hero for shirts; its rendition profiles) and
    `linen-tee`: price and weight filled, no name, an uncleared side picture as its hero."""
    world = build_feed_world(build_linked_catalog())
    values = {
        "price": value(
            [{"amount": "19", "currency": "EUR"}, {"amount": "21", "currency": "USD"}], "ecommerce"
        ),
        "weight": value({"amount": "180", "unit": "gram"}),
    }
    assert save(
        {"sku": "linen-tee", "family": "shirts", "categories": ["shirts_cat"], "values": values}
    ).ok
    link_add(asset=world.asset("side"), product=Product.objects.get(sku="linen-tee"), role="hero")
    return world


def jpeg_base64() -> str:
    data = io.BytesIO()
    Image.new("RGB", (120, 90), (20, 120, 200)).save(data, "JPEG")
    return base64.b64encode(data.getvalue()).decode()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"enrich-{name}.png", full_page=True)


def test_an_editor_completes_a_product_with_its_media_and_submits_it(
    page: Page, live_server, world
):
    editor = member(roles.PRODUCT_EDITOR, "erin")
    editor.groups.add(Group.objects.get(name=roles.ASSET_CONTRIBUTOR))  # she uploads too
    sign_in(page, f"{live_server.url}/accounts/login/?next=/products/", "erin")

    # The grid: incomplete on the web shop in English.
    grid = page.locator("#grid-results")
    page.get_by_role("combobox", name="Channel × locale").select_option("ecommerce|en_US")
    page.get_by_role("combobox", name="Completeness").select_option("incomplete")
    expect(grid.get_by_role("link", name="linen-tee")).to_be_visible()
    shot(page, "grid")
    grid.get_by_role("link", name="linen-tee").click()

    # The editor: the name in English, then in French through the completeness panel.
    en = page.get_by_test_id("completeness-ecommerce-en_US")
    fr = page.get_by_test_id("completeness-ecommerce-fr_FR")
    expect(en).to_contain_text("66 %")
    page.get_by_label("name").fill("Linen tee")
    page.get_by_role("button", name="Save").click()
    expect(en).to_contain_text("100 %")
    fr.get_by_role("link", name="name").click()
    expect(page.get_by_label("Locale", exact=True)).to_have_value("fr_FR")
    page.get_by_label("name").fill("Tee en lin")
    page.get_by_role("button", name="Save").click()
    expect(fr).to_contain_text("100 %")

    # The media panel: drop a new hero picture on it.
    panel = page.locator("#media-panel")
    readiness = panel.locator("table.readiness")
    expect(readiness.get_by_role("row").filter(has_text="en_US")).to_contain_text("0 %")
    panel.get_by_label("Role for new media").select_option("hero")
    dropped = page.evaluate_handle(
        """(data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "linen-hero.jpg", {type: "image/jpeg"}));
            return transfer;
        }""",
        jpeg_base64(),
    )
    panel.locator("[data-media-drop]").dispatch_event("drop", {"dataTransfer": dropped})
    hero = panel.locator("[data-sortable][data-role=hero] > [data-asset]")
    expect(hero).to_have_count(2)
    expect(hero.nth(1)).to_contain_text("linen_hero")

    # Meanwhile the librarian clears the picture: alt text, a right, approval, renditions.
    approve_asset(world, Asset.objects.get(code="linen_hero"))

    # Drag the new picture above the uncleared one: one call reorders the role.
    with page.expect_response(lambda response: "/media-panel/reorder" in response.url):
        hero.nth(1).drag_to(hero.nth(0))
    expect(hero.nth(0)).to_contain_text("linen_hero")
    product = Product.objects.get(sku="linen-tee")
    order = ProductAssetLink.objects.filter(product=product, role="hero").order_by("position")
    assert [link.asset.code for link in order] == ["linen_hero", "side"]
    page.reload()
    for locale in ("en_US", "fr_FR"):
        row = page.locator("#media-panel table.readiness").get_by_role("row")
        expect(row.filter(has_text=locale).filter(has_text="ecommerce")).to_contain_text("100 %")
    expect(page.get_by_test_id("completeness-ecommerce-en_US")).to_contain_text("100 %")
    shot(page, "ready")

    page.get_by_label("Comment", exact=True).fill("Complete, with its hero picture.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("state")).to_have_text("In review")
    shot(page, "submitted")
