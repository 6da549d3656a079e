"""Journey 3 of issue #7: a contributor uploads three files at once (one breaking the upload
preset, one a duplicate) and sees each file's answer; a librarian sets alt text, a right and a
focal point and submits; a second librarian approves (four eyes); the cover rendition is then
cropped around the focal point. And the product media panel's drag-and-drop reordering."""

import io
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from PIL import Image
from playwright.sync_api import Page, expect

from dam.models import RenditionProfile, UploadPreset
from dam.services import assets_ingest
from dam.views import rendition_path
from governance import services as governance
from governance.models import Locale
from governance.roles import ASSET_CONTRIBUTOR, ASSET_LIBRARIAN, PRODUCT_EDITOR
from linking.services.links import link_add
from tests.browser.signing_in import sign_in
from tests.conftest import ARTIFACTS
from tests.governance.people import member
from tests.linking.conftest import linked_catalog  # noqa: F401 - the media panel's catalog
from tests.pim.conftest import catalog  # noqa: F401 - linked_catalog builds on it

PASSWORD = "correct-horse-9"
RED, BLUE = (220, 20, 20), (20, 20, 220)


def png(size, colour=None) -> bytes:
    """A PNG; without `colour`, the left half red and the right half blue."""
    image = Image.new("RGB", size, colour or RED)
    if colour is None:
        image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def people(transactional_db, local_storage):
    governance.code_entry_create(model=Locale, code="en_US")
    RenditionProfile.objects.create(code="thumb", width=64, height=64, format="png")
    RenditionProfile.objects.create(code="cover", width=50, height=100, fit="cover", format="png")
    assets_ingest(uploads=[("existing.png", io.BytesIO(png((160, 120), (20, 160, 20))))])
    UploadPreset.objects.create(code="wide_enough", min_width=100)
    found = {
        "contributor": member(ASSET_CONTRIBUTOR, "carla"),
        "librarian": member(ASSET_LIBRARIAN, "lena"),
        "reviewer": member(ASSET_LIBRARIAN, "ravi"),
    }
    for user in found.values():
        user.set_password(PASSWORD)
        user.save()
    return found


def log_in(page: Page, url: str, username: str) -> None:
    sign_in(page, url, username, PASSWORD)


def test_upload_three_files_then_describe_approve_and_crop(page: Page, live_server, people):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_in(page, f"{live_server.url}/assets/", "carla")
    expect(page.get_by_role("heading", name="Assets", exact=True)).to_be_visible()
    page.get_by_label("Choose files").set_input_files(
        [
            {"name": "halves.png", "mimeType": "image/png", "buffer": png((200, 100))},
            {"name": "tiny.png", "mimeType": "image/png", "buffer": png((40, 40), RED)},
            {
                "name": "again.png",
                "mimeType": "image/png",
                "buffer": png((160, 120), (20, 160, 20)),
            },
        ]
    )
    results = page.get_by_role("list", name="Upload results")
    good = results.get_by_role("listitem").filter(has_text="halves.png")
    expect(good).to_contain_text("Uploaded as halves")
    expect(good.locator("progress")).to_have_js_property("value", 100)
    tiny = results.get_by_role("listitem").filter(has_text="tiny.png")
    expect(tiny).to_contain_text("Refused")
    expect(tiny).to_contain_text("100")  # the preset's minimum width, named in the message
    again = results.get_by_role("listitem").filter(has_text="again.png")
    expect(again).to_contain_text("Duplicate of existing")
    expect(again.get_by_role("link", name="Open existing")).to_be_visible()
    library = page.get_by_role("region", name="Library")
    expect(library.get_by_role("link", name="halves")).to_be_visible()  # refreshed in place
    page.screenshot(path=ARTIFACTS / "assets-upload-three.png", full_page=True)
    page.get_by_role("button", name="Log out").click()

    log_in(page, f"{live_server.url}/assets/", "lena")
    page.get_by_role("region", name="Library").get_by_role("link", name="halves").click()
    expect(page.get_by_role("heading", name="halves")).to_be_visible()
    page.get_by_label("Alt text (en_US)").fill("Red and blue halves")
    page.get_by_role("button", name="Save metadata").click()
    expect(page.get_by_role("status")).to_have_text("Metadata saved.")

    page.get_by_label("Licence").select_option("owned")
    page.get_by_label("Territories").fill("FR, DE")
    page.get_by_role("button", name="Add right").click()
    expect(page.get_by_role("status")).to_have_text("Usage right added.")
    expect(page.get_by_role("cell", name="DE, FR")).to_be_visible()

    image = page.locator("#preview-image")
    box = image.bounding_box()
    image.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.5})
    expect(page.get_by_role("status")).to_have_text("Focal point saved.")
    expect(page.get_by_label("Focal point x (0–1)")).to_have_value("0.8")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_test_id("asset-state")).to_have_text("In review")
    detail_url = page.url
    page.get_by_role("button", name="Log out").click()

    log_in(page, detail_url, "ravi")
    page.get_by_label("Workflow comment").fill("Good to go.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("Asset approved.")
    expect(page.get_by_test_id("asset-state")).to_have_text("Approved")
    page.screenshot(path=ARTIFACTS / "asset-detail-approved.png", full_page=True)

    uuid = detail_url.rstrip("/").rsplit("/", 1)[-1]
    cover = page.request.get(live_server.url + rendition_path(uuid, "cover"))
    assert cover.ok
    crop = Image.open(io.BytesIO(cover.body())).convert("RGB")
    assert crop.size == (50, 100)
    pixels = [crop.getpixel((x, y)) for x in range(50) for y in range(100)]
    blue = sum(1 for r, _, b in pixels if b > 150 and r < 100)
    assert blue / len(pixels) > 0.9  # cropped around the focal point on the blue half
    page.goto(live_server.url + rendition_path(uuid, "cover"))
    page.screenshot(path=ARTIFACTS / "asset-cover-rendition.png")


@pytest.fixture
def tee(transactional_db, linked_catalog):  # noqa: F811
    """plain-tee with two detail images, and an editor who may link media."""
    # An earlier transactional test may have flushed the vocabulary its migration made.
    import_module("linking.migrations.0002_media_roles").create_roles(django_apps, None)
    for name in ("hero", "back"):
        link_add(
            asset=linked_catalog.assets[name], product=linked_catalog.standalone, role="detail"
        )
    editor = member(PRODUCT_EDITOR, "eddie")
    editor.set_password(PASSWORD)
    editor.save()
    return linked_catalog.standalone


def test_media_panel_reorders_by_drag_and_by_buttons(page: Page, live_server, tee):
    log_in(page, f"{live_server.url}/products/plain-tee/media-panel/", "eddie")
    items = page.locator("[data-sortable] > [data-asset]")
    expect(items.first).to_contain_text("hero")
    with page.expect_response(lambda r: r.url.endswith("/reorder/")) as answer:
        items.nth(1).drag_to(items.first)
    assert answer.value.status == 200
    expect(page.get_by_role("button", name="Move back up")).to_be_disabled()
    assert [link.asset.code for link in tee.asset_links.order_by("position")] == ["back", "hero"]
    page.get_by_role("button", name="Move hero up").click()
    expect(items.first).to_contain_text("hero")
    page.screenshot(path=ARTIFACTS / "media-panel.png", full_page=True)
