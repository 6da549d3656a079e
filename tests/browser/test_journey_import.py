"""Product import journey (issue #8), as a Product Editor: upload a supplier's spreadsheet whose
columns have foreign names, map them in the workbench (one with a trim transform), check it
with a dry run and watch the progress bar reach the end with the per-cell report, then import
it for real and see exactly the valid rows written."""

import pytest
from playwright.sync_api import Page, expect

from governance.roles import PRODUCT_EDITOR
from pim.models import Product
from tests.browser.signing_in import sign_in
from tests.conftest import ARTIFACTS
from tests.governance.people import member
from tests.pim.conftest import catalog  # noqa: F401 - the catalog the rows are imported into

SUPPLIER_FILE = (
    "Artikelnummer;Familie;Bezeichnung;Stück\n"
    "mug-1;mugs;  Big mug  ;2\n"
    "mug-2;mugs;Small mug;viele\n"
    "mug-3;mugs;Cup;4\n"
)


@pytest.fixture
def editor(transactional_db, catalog, local_storage):  # noqa: F811
    return member(PRODUCT_EDITOR, "erin")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"import-{name}.png", full_page=True)


def counts(page: Page) -> dict[str, str]:
    table = page.get_by_role("table", name="Counts")
    return {
        name: table.locator(f'[data-count="{name}"]').inner_text()
        for name in ("rows", "created", "updated", "unchanged", "errors")
    }


def test_an_editor_maps_checks_and_imports_a_supplier_file(
    page: Page, live_server, editor, tasks_in_this_process
):
    sign_in(page, f"{live_server.url}/imports/", "erin")
    expect(page.get_by_role("heading", name="Imports", exact=True)).to_be_visible()
    page.get_by_label("Spreadsheet", exact=True).set_input_files(
        {"name": "lieferant.csv", "mimeType": "text/csv", "buffer": SUPPLIER_FILE.encode()}
    )
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", name="Map the columns of lieferant.csv")).to_be_visible()
    sample = page.get_by_role("table").first
    expect(sample).to_contain_text("Big mug")
    page.get_by_label("Target of Artikelnummer").select_option("sku")
    page.get_by_label("Target of Familie").select_option("family")
    page.get_by_label("Target of Bezeichnung").select_option("value")
    page.get_by_label("Attribute of Bezeichnung").select_option("name")
    page.get_by_label("Locale of Bezeichnung").select_option("en_US")
    row = page.get_by_label("Target of Bezeichnung").locator("xpath=ancestor::tr")
    row.locator("summary").click()
    page.get_by_label("Trim Bezeichnung").check()
    page.get_by_label("Target of Stück").select_option("value")
    page.get_by_label("Attribute of Stück").select_option("pieces")
    shot(page, "mapping")
    page.get_by_role("button", name="Check (dry run)").click()

    expect(page.get_by_role("heading", name="Dry run")).to_be_visible()
    expect(page.get_by_label("Progress")).to_have_js_property("value", 100)
    expect(page.get_by_role("heading", name="Succeeded")).to_be_visible()
    assert counts(page) == {
        "rows": "3", "created": "2", "updated": "0", "unchanged": "0", "errors": "1"
    }  # fmt: skip
    errors = page.locator("table.import-errors")
    expect(errors).to_contain_text("Stück")
    expect(errors).to_contain_text("viele")
    assert not Product.objects.exists()  # a dry run writes nothing
    shot(page, "dry-run")

    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import ")).to_be_visible()
    expect(page.get_by_label("Progress")).to_have_js_property("value", 100)
    expect(page.get_by_text("3 of 3 rows")).to_be_visible()
    assert counts(page)["created"] == "2"
    shot(page, "committed")
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["mug-1", "mug-3"]
    assert Product.objects.get(sku="mug-1").values["name"]["|en_US"] == "Big mug"
