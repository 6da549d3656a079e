"""Stored XSS: payloads typed into every text field people fill (product values, asset metadata,
tags, comments, term and category labels, file names) come out escaped in the admin, the
workbench (editor, grid, asset detail, review, job), the history diffs, and quoted out of
formula territory in CSV and XLSX exports."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from dam.services import asset_update
from governance import roles
from governance import services as governance
from governance.audit import acting_as
from governance.comments import comment_add
from governance.models import Category, Channel, Job, Term, Vocabulary
from governance.tabular import TableWriter
from governance.workflow import transition
from linking.services import media_import
from pim.imports.export import catalog_export
from pim.models import Product
from tests.dam.conftest import image_bytes
from tests.governance.factories import UserFactory
from tests.governance.people import member
from tests.linking.builders import image_asset, product
from tests.pim.builders import save, value

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
FORMULA = '=HYPERLINK("http://evil.example","x")'
RICH = f'<p>care &amp; wash &lt; 30°</p>{SCRIPT}<img src="x" onerror="alert(1)"><a href="{JS_URL}">link</a>'


class ActiveContent(HTMLParser):
    """Every place a stored payload would run: a script holding it, an event handler or a
    javascript: URL in an attribute, or the payload's <img src=x> itself."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, raw in attrs:
            text = (raw or "").strip().lower()
            if name.startswith("on") and "alert(1)" in text:
                self.found.append(f"<{tag} {name}={text!r}>")
            if name in ("href", "src", "action", "formaction") and text.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={text!r}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(1)" in data:
            self.found.append(f"<script>{data}</script>")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    found = parser.found
    if SCRIPT in html:
        found.append("raw <script>alert(1)</script>")
    if "onerror=alert(1)>" in html:
        found.append("raw onerror=alert(1)>")
    return found


@pytest.fixture
def world(catalog, local_storage, run_tasks_on_commit):
    """Payloads in every field, through the services people's edits go through."""
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    for code in ("ecommerce", "print"):
        governance.channel_update(
            channel=Channel.objects.get(code=code), changes={"approval_min_completeness": 0}
        )
    with acting_as(user=admin):
        category = governance.category_create(code="xss_cat", labels={"en_US": SCRIPT})
        colors = Vocabulary.objects.get(code="colors")
        term = governance.term_create(vocabulary=colors, code="xss", labels={"en_US": IMG})
        tee = product(
            "xss-tee",
            categories=["xss_cat"],
            values={
                "name": value(SCRIPT, locale="en_US"),
                "description": value(IMG, channel="ecommerce", locale="en_US"),
                "care": value(RICH, locale="en_US"),
                "color": value("xss"),
            },
        )
        # A second revision, so the history shows payloads on both sides of a diff.
        outcome = save(
            {
                "sku": "xss-tee",
                "values": {
                    "name": value(IMG, locale="en_US"),
                    "description": value(FORMULA, channel="ecommerce", locale="en_US"),
                },
            }
        )
        assert outcome.ok, outcome.errors
        comment_add(obj=tee, text=f"{SCRIPT} {IMG} {JS_URL}")
        asset = image_asset("xss_asset", color=(3, 141, 59))
        texts = {"title": SCRIPT, "alt_text": IMG, "caption": JS_URL, "description": SCRIPT}
        asset_update(
            asset=asset,
            changes={
                **{field: {"en_US": text} for field, text in texts.items()},
                "credit": IMG,
                "tags": [SCRIPT, IMG, JS_URL],
            },
        )
        comment_add(obj=asset, text=IMG)
        transition(obj=Product.objects.get(sku="xss-tee"), action="submit")
        transition(obj=asset, action="submit")  # its title shows in the review queue
        with run_tasks_on_commit(
            execute=True
        ):  # the import job runs here, its report names the file
            job = media_import.media_import_start(
                files=[SimpleUploadedFile(f"{IMG}.jpg", image_bytes(color=(5, 77, 201)))],
                actor=admin,
            )
    return {
        "admin": admin,
        "product": Product.objects.get(sku="xss-tee"),
        "asset": asset,
        "category": category,
        "term": term,
        "job": Job.objects.get(pk=job.pk),
    }


def test_rich_text_is_sanitised_on_save(world):
    [stored] = _texts(world["product"].values["care"])
    assert "<script" not in stored and "onerror" not in stored and "javascript:" not in stored
    assert "<p>care &amp; wash &lt; 30°</p>" in stored


def _texts(scopes) -> list[str]:
    if isinstance(scopes, dict):
        return [text for inner in scopes.values() for text in _texts(inner)]
    return [scopes] if isinstance(scopes, str) else []


def pages(world) -> dict[str, str]:
    tee, asset, job = world["product"], world["asset"], world["job"]
    return {
        "admin product": reverse("admin:pim_product_change", args=[tee.pk]),
        "admin product list": reverse("admin:pim_product_changelist"),
        "admin product history": reverse("admin:pim_product_history", args=[tee.pk]),
        "admin asset": reverse("admin:dam_asset_change", args=[asset.pk]),
        "admin asset list": reverse("admin:dam_asset_changelist"),
        "admin category": reverse("admin:governance_category_change", args=[world["category"].pk]),
        "admin vocabulary": reverse(
            "admin:governance_vocabulary_change", args=[world["term"].vocabulary_id]
        ),
        "workbench home": reverse("home"),
        "product editor": reverse("workbench-product", args=[tee.sku]),
        "product grid": reverse("workbench-products"),
        "product grid search": reverse("workbench-products") + "?q=alert",
        "asset library": reverse("workbench-assets"),
        "asset detail": reverse("workbench-asset", args=[asset.uuid]),
        "media panel": reverse("workbench-product-media", args=[tee.sku]),
        "review queue": reverse("workbench-reviews"),
        "review diff": reverse("workbench-review-item", args=["product", tee.sku]),
        "asset review diff": reverse("workbench-review-item", args=["asset", str(asset.uuid)]),
        "job": reverse("workbench-job", args=[job.pk]),
        "dashboard": reverse("workbench-dashboard"),
    }


def test_payloads_render_escaped_on_every_page(client, world):
    client.force_login(world["admin"])
    problems = {}
    for name, url in pages(world).items():
        response = client.get(url)
        html = response.content.decode()
        if response.status_code != 200:
            problems[name] = f"{url}: {response.status_code}"
        elif found := active_content(html):
            problems[name] = found
    assert not problems, problems


def test_payloads_are_present_escaped_where_they_are_shown(client, world):
    """Not vacuous: the pages above do show the payloads, as text."""
    client.force_login(world["admin"])
    editor = client.get(reverse("workbench-product", args=["xss-tee"])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in editor  # history and comment
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in editor
    detail = client.get(reverse("workbench-asset", args=[world["asset"].uuid])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    job = client.get(reverse("workbench-job", args=[world["job"].pk])).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in job


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_exports_quote_formulas_and_keep_payloads_as_text(world, format):
    header, rows = catalog_export("products")
    out = io.BytesIO()
    with TableWriter(out, format, header) as writer:
        for row in rows:
            writer.write_sparse(row)
    if format == "csv":
        table = list(csv.reader(io.StringIO(out.getvalue().decode())))
    else:
        sheet = load_workbook(io.BytesIO(out.getvalue()), read_only=True).active
        table = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    cells = [cell for row in table for cell in row]
    assert f"'{FORMULA}" in cells
    assert not [cell for cell in cells if str(cell).startswith(("=", "+", "@"))]
    assert IMG in cells  # text, kept as it is (a spreadsheet does not run HTML)


def test_term_and_category_labels_keep_the_payload_as_plain_text(world):
    assert Term.objects.get(code="xss").labels["en_US"] == IMG
    assert Category.objects.get(code="xss_cat").labels["en_US"] == SCRIPT


def test_a_reader_sees_rich_text_as_its_text_escaped_once(client, world):
    client.force_login(member(roles.VIEWER))
    response = client.get(reverse("workbench-product", args=["xss-tee"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert not active_content(html)
    shown = html.split('data-testid="value-care">', 1)[1].split("</span>", 1)[0]
    assert shown == "care &amp; wash &lt; 30°link"  # the text, escaped once by the template
