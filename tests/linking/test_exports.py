"""Exports: a channel's documents as CSV, XLSX, JSON and NDJSON (resolved values, media URLs per
profile), the catalog in the import layout, formula neutralisation, the job's progress and
files, the 422s and who may export."""

import csv
import io
import json
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import roles
from governance import services as governance
from governance.api_keys import api_key_create
from governance.models import Category, CategoryUserObjectPermission, Job, JobState
from linking.models import ChannelDocument
from linking.services import exports
from pim.services.products import product_upsert_many
from tests.governance.factories import UserFactory
from tests.linking.feed_helpers import approve_asset, approve_product, build_feed_world, refresh
from tests.pim.builders import value

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/exports"
FORMULAS = ('=HYPERLINK("http://x","y")', "+1", "-2", "@x")


@pytest.fixture
def world(linked_catalog):
    """`plain-tee` (with a hero) and `oxford-red-m` (a variant) published on ecommerce."""
    world = build_feed_world(linked_catalog)
    [outcome] = product_upsert_many(
        items=[
            {
                "sku": "plain-tee",
                "values": {
                    "name": value("Tee", locale="en_US") + value("T-shirt", locale="fr_FR"),
                    "price": value(
                        [
                            {"amount": "10.5", "currency": "EUR"},
                            {"amount": "12", "currency": "USD"},
                        ],
                        "ecommerce",
                    ),
                    "weight": value({"amount": "250", "unit": "gram"}),
                    "materials": value(["cotton", "wool"]),
                    "color": value("red"),
                    "organic": value(True),
                },
            }
        ]
    )
    assert outcome.ok, outcome.errors
    approve_asset(world, world.asset("hero"))
    approve_product(world, world.tee)
    approve_product(world, world.catalog.variant)
    refresh(world.tee, world.catalog.variant)
    assert ChannelDocument.objects.filter(channel=world.ecommerce).count() == 4
    return world


@pytest.fixture
def reader(api_client, world):
    api_client.force_authenticate(UserFactory(username="reader", permissions=["pim.view_product"]))
    return api_client


def export(client, run_tasks_on_commit, **body) -> Job:
    with run_tasks_on_commit(execute=True):
        response = client.post(EXPORTS, body, format="json")
    assert response.status_code == 202, response.content
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}"
    job = Job.objects.get(pk=response.json()["id"])
    assert job.state == JobState.SUCCEEDED, job.error
    return job


def stored(job: Job, index: int = 0) -> bytes:
    with default_storage.open(job.report["files"][index]["name"], "rb") as file:
        return file.read()


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [
        {name: "" if cell is None else str(cell) for name, cell in zip(header, row, strict=False)}
        for row in rows
    ]


def feed(client, locale: str) -> list[dict]:
    response = client.get(f"/api/v1/channels/ecommerce/products?locale={locale}&limit=1000")
    assert response.status_code == 200
    return response.json()["results"]


def test_a_csv_export_is_a_row_per_product_in_the_import_layout(reader, world, run_tasks_on_commit):
    job = export(reader, run_tasks_on_commit, channel="ecommerce", locales=["en_US"])
    [file] = job.report["files"]
    assert file["content_type"] == "text/csv"
    assert file["name"].startswith(f"exports/ecommerce/{job.pk}-") and file["name"].endswith(".csv")
    assert job.report["counts"]["products"] == 2
    rows = {row["sku"]: row for row in csv_rows(stored(job))}
    assert set(rows) == {"plain-tee", "oxford-red-m"}
    tee = rows["plain-tee"]
    assert tee["family"] == "shirts" and tee["parent"] == "" and tee["categories"] == "shirts_cat"
    assert tee["enabled"] == "1"
    assert tee["name-en_US"] == "Tee" and "name-fr_FR" not in tee
    assert (tee["price-EUR"], tee["price-USD"]) == ("10.5", "12")
    assert (tee["weight"], tee["weight-unit"]) == ("250", "gram")
    assert tee["materials"] == "cotton,wool" and tee["color"] == "red" and tee["organic"] == "1"
    document = json.loads(
        ChannelDocument.objects.get(product=world.tee, locale__code="en_US").document
    )
    [hero] = document["media"]["hero"]
    assert tee["media-hero-ecom_small"] == hero["renditions"]["ecom_small"]["url"]
    assert tee["media-hero-ecom_large"] == hero["renditions"]["ecom_large"]["url"]
    variant = rows["oxford-red-m"]
    assert variant["parent"] == "oxford_red" and variant["size"] == "m"
    assert variant["color"] == "red"  # inherited from its model
    # No hero of its own: the channel has no placeholder, so the cell is empty.
    assert variant["media-hero-ecom_small"] == ""


def test_locales_side_by_side_and_media_per_locale(reader, run_tasks_on_commit):
    job = export(reader, run_tasks_on_commit, channel="ecommerce")  # both of its locales
    assert job.parameters["locales"] == ["en_US", "fr_FR"]
    rows = {row["sku"]: row for row in csv_rows(stored(job))}
    tee = rows["plain-tee"]
    assert (tee["name-en_US"], tee["name-fr_FR"]) == ("Tee", "T-shirt")
    assert tee["media-hero-ecom_small-en_US"] and tee["media-hero-ecom_small-fr_FR"]
    assert "media-hero-ecom_small" not in tee


def test_pages_never_split_a_products_locales(reader, run_tasks_on_commit, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 1)
    job = export(reader, run_tasks_on_commit, channel="ecommerce")
    rows = csv_rows(stored(job))
    assert sorted(row["sku"] for row in rows) == ["oxford-red-m", "plain-tee"]
    assert all(row["name-fr_FR"] or row["sku"] != "plain-tee" for row in rows)
    assert job.processed == job.total == 2


def test_xlsx_holds_the_same_rows_as_csv(reader, run_tasks_on_commit):
    as_csv = csv_rows(stored(export(reader, run_tasks_on_commit, channel="ecommerce")))
    job = export(reader, run_tasks_on_commit, channel="ecommerce", format="xlsx")
    assert job.report["files"][0]["name"].endswith(".xlsx")
    assert xlsx_rows(stored(job)) == as_csv


@pytest.mark.parametrize("format", ["json", "ndjson"])
def test_json_and_ndjson_hold_the_feeds_documents_one_file_per_locale(
    reader, run_tasks_on_commit, format
):
    job = export(reader, run_tasks_on_commit, channel="ecommerce", format=format)
    files = job.report["files"]
    assert [f["name"].rsplit("-", 1)[1] for f in files] == [f"en_US.{format}", f"fr_FR.{format}"]
    for index, locale in enumerate(("en_US", "fr_FR")):
        data = stored(job, index).decode()
        if format == "json":
            documents = json.loads(data)
        else:
            documents = [json.loads(line) for line in data.splitlines() if line]
        by_sku = sorted(documents, key=lambda d: d["sku"])
        assert by_sku == sorted(feed(reader, locale), key=lambda d: d["sku"])
    assert job.report["counts"]["documents"] == 4


def test_formulas_are_neutralised_in_csv_and_xlsx(reader, world, run_tasks_on_commit):
    # Straight into the stored documents: what is exported is what is stored.
    for product, locale, text in (
        (world.tee, "en_US", FORMULAS[0]),
        (world.tee, "fr_FR", FORMULAS[1]),
        (world.catalog.variant, "en_US", FORMULAS[2]),
        (world.catalog.variant, "fr_FR", FORMULAS[3]),
    ):
        row = ChannelDocument.objects.get(product=product, locale__code=locale)
        document = json.loads(row.document)
        document["values"]["name"] = text
        ChannelDocument.objects.filter(pk=row.pk).update(document=json.dumps(document))
    for format, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        job = export(reader, run_tasks_on_commit, channel="ecommerce", format=format)
        rows = {row["sku"]: row for row in read(stored(job))}
        tee, variant = rows["plain-tee"], rows["oxford-red-m"]
        cells = [tee["name-en_US"], tee["name-fr_FR"], variant["name-en_US"], variant["name-fr_FR"]]
        assert cells == ["'" + text for text in FORMULAS], format


def test_media_whose_right_ended_is_left_out_as_the_feed_leaves_it_out(
    reader, world, run_tasks_on_commit
):
    # The right has ended and no sweep has rebuilt the document yet: it still lists the hero.
    past = (timezone.now() - timedelta(seconds=1)).isoformat()
    row = ChannelDocument.objects.get(product=world.tee, locale__code="en_US")
    document = json.loads(row.document)
    document["media"]["hero"][0]["usable_until"] = past
    ChannelDocument.objects.filter(pk=row.pk).update(
        document=json.dumps(document), media_expires_at=timezone.now() - timedelta(seconds=1)
    )
    job = export(reader, run_tasks_on_commit, channel="ecommerce", locales=["en_US"])
    rows = {row["sku"]: row for row in csv_rows(stored(job))}
    assert rows["plain-tee"]["media-hero-ecom_small"] == ""
    job = export(
        reader, run_tasks_on_commit, channel="ecommerce", locales=["en_US"], format="ndjson"
    )
    exported = [json.loads(line) for line in stored(job).decode().splitlines()]
    tee = next(document for document in exported if document["sku"] == "plain-tee")
    assert tee["media"] == {} and tee == next(
        document for document in feed(reader, "en_US") if document["sku"] == "plain-tee"
    )


def test_each_page_costs_one_query(world, monkeypatch):
    """Pages of one product: exporting two products costs one query more than exporting one."""
    monkeypatch.setattr(exports, "CHUNK", 1)
    monkeypatch.setattr(exports, "PROGRESS_SECONDS", 3600)

    def queries(**parameters) -> int:
        job = Job.objects.create(kind="export", parameters=parameters)
        with CaptureQueriesContext(connection) as captured:
            exports.export_write(job=job)
        return len(captured)

    channel = {"kind": "channel", "format": "csv", "channel": "ecommerce"}
    both = queries(**channel, locales=["en_US", "fr_FR"])
    ChannelDocument.objects.filter(product=world.catalog.variant).delete()
    one = queries(**channel, locales=["en_US", "fr_FR"])
    assert both - one == 1


def test_progress_and_files_are_visible_through_the_job_api(reader, run_tasks_on_commit):
    job = export(reader, run_tasks_on_commit, channel="ecommerce")
    body = reader.get(f"/api/v1/jobs/{job.pk}").json()
    assert body["state"] == "succeeded" and body["kind"] == "export"
    assert (body["processed"], body["total"], body["progress"]) == (2, 2, 100)
    assert body["report"]["files"][0]["label"] == "ecommerce (CSV)"
    assert body["parameters"] == {
        "kind": "channel",
        "format": "csv",
        "channel": "ecommerce",
        "locales": ["en_US", "fr_FR"],
    }


def test_progress_is_recorded_page_by_page(world, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 1)
    monkeypatch.setattr(exports, "PROGRESS_SECONDS", 0)
    seen = []
    real = exports.job_progress

    def spy(*, job, processed, total=None, report=None):
        seen.append((processed, total))
        real(job=job, processed=processed, total=total, report=report)

    monkeypatch.setattr(exports, "job_progress", spy)
    job = Job.objects.create(
        kind="export",
        parameters={
            "kind": "channel",
            "format": "csv",
            "channel": "ecommerce",
            "locales": ["en_US"],
        },
    )
    exports.export_write(job=job)
    assert seen == [(0, 2), (1, None), (2, None)]


def test_an_empty_channel_exports_a_header_only(reader, run_tasks_on_commit):
    governance.channel_create(code="outlet", locales=["en_US"])
    job = export(reader, run_tasks_on_commit, channel="outlet")
    assert job.report["counts"]["products"] == 0
    assert stored(job).decode("utf-8-sig").splitlines()[0].startswith("sku,family,parent")


def test_a_catalog_export_writes_models_and_products_in_the_import_layout(
    reader, world, run_tasks_on_commit
):
    job = export(reader, run_tasks_on_commit, kind="catalog")
    models, products = job.report["files"]
    assert models["name"].startswith(f"exports/catalog/{job.pk}-")
    assert models["name"].endswith("-product_models.csv")
    assert products["name"].endswith("-products.csv")
    skus = {row["sku"] for row in csv_rows(stored(job, 1))}
    assert {"plain-tee", "oxford-red-m", "oxford-red-l"} <= skus
    codes = {row["code"] for row in csv_rows(stored(job, 0))}
    assert {"oxford", "oxford_red"} <= codes
    assert job.processed == job.total == len(skus) + len(codes)
    assert job.report["counts"] == {"product_models": len(codes), "products": len(skus)}


def test_a_catalog_export_as_xlsx(reader, world, run_tasks_on_commit):
    job = export(reader, run_tasks_on_commit, kind="catalog", format="xlsx")
    assert [f["content_type"] for f in job.report["files"]] == [exports.CONTENT_TYPES["xlsx"]] * 2
    assert "plain-tee" in {row["sku"] for row in xlsx_rows(stored(job, 1))}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"channel": "nowhere"}, "channel", "unknown"),
        ({}, "channel", "required"),
        ({"channel": "ecommerce", "locales": ["de_DE"]}, "locales", "locale_not_in_channel"),
        ({"channel": "ecommerce", "locales": "en_US"}, "locales", "not_a_list"),
        ({"channel": "ecommerce", "format": "pdf"}, "format", "invalid_choice"),
        ({"kind": "catalog", "format": "json"}, "format", "invalid_choice"),
        ({"kind": "catalog", "channel": "ecommerce"}, "channel", "not_allowed"),
        ({"kind": "everything"}, "kind", "invalid_choice"),
        ({"channel": "ecommerce", "colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_exports_that_cannot_be_made_answer_422_naming_the_field(reader, body, field, code):
    response = reader.post(EXPORTS, body, format="json")
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in errors
    ]
    assert not Job.objects.exists()


def test_a_body_that_is_not_an_object_is_422(reader):
    assert reader.post(EXPORTS, [1, 2], format="json").status_code == 422


def test_exporting_needs_sign_in_and_the_product_view_permission(world, api_client):
    assert api_client.post(EXPORTS, {"channel": "ecommerce"}, format="json").status_code == 401
    api_client.force_authenticate(UserFactory(username="nobody"))
    response = api_client.post(EXPORTS, {"channel": "ecommerce"}, format="json")
    assert response.status_code == 403


def test_a_key_restricted_to_another_channel_cannot_export_this_one(world, client):
    editor = Group.objects.get(name=roles.PRODUCT_EDITOR)
    _, raw = api_key_create(name="print", scope="write", role=editor, channel=world.print)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = json.dumps({"channel": "ecommerce"})
    response = client.post(EXPORTS, body, content_type="application/json", **headers)
    assert response.status_code == 403
    catalog = json.dumps({"kind": "catalog"})
    response = client.post(EXPORTS, catalog, content_type="application/json", **headers)
    assert response.status_code == 403  # its scope is its channel's tree: not every product
    response = client.post(
        EXPORTS, json.dumps({"channel": "print"}), content_type="application/json", **headers
    )
    assert response.status_code == 202
    _, read_only = api_key_create(name="reader", scope="read")
    response = client.post(
        EXPORTS, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {read_only}"
    )
    assert response.status_code == 403


def test_a_person_with_a_category_scope_cannot_export_the_whole_catalog(world, api_client):
    person = UserFactory(username="scoped", permissions=["pim.view_product"])
    CategoryUserObjectPermission.objects.create(
        user=person,
        permission=_work_in_category(),
        content_object=Category.objects.get(code="apparel"),
    )
    api_client.force_authenticate(person)
    response = api_client.post(EXPORTS, {"kind": "catalog"}, format="json")
    assert response.status_code == 403
    assert api_client.post(EXPORTS, {"channel": "ecommerce"}, format="json").status_code == 202


def _work_in_category():
    from django.contrib.auth.models import Permission

    return Permission.objects.get(codename="work_in_category", content_type__app_label="governance")


def test_a_job_whose_channel_was_deleted_fails_saying_why(world):
    job = exports.export_start(channel="print")
    world.print.delete()
    from linking.tasks.exports import export_run

    assert export_run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "no longer exists" in job.error


# ------------------------------------------------------------------------------ workbench


def test_the_workbench_page_starts_an_export_and_goes_to_the_job(
    client, world, run_tasks_on_commit
):
    person = UserFactory(
        username="page", permissions=["pim.view_product", "linking.view_scheduledexport"]
    )
    exports.scheduled_export_save(changes={"code": "nightly_feed", "channel": "ecommerce"})
    client.force_login(person)
    page = client.get("/exports/")
    assert page.status_code == 200 and b'value="ecommerce"' in page.content
    assert b"nightly_feed" in page.content  # the scheduled exports, listed
    with run_tasks_on_commit(execute=True):
        response = client.post(
            "/exports/", {"kind": "channel", "channel": "ecommerce", "format": "ndjson"}
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.state == JobState.SUCCEEDED and len(job.report["files"]) == 2
    panel = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "ecommerce en_US (NDJSON)" in panel and f"/jobs/{job.pk}/files/1/" in panel
    download = client.get(f"/jobs/{job.pk}/files/0/")
    assert download.status_code == 302  # to the storage's signed URL
    refused = client.post("/exports/", {"channel": "ecommerce", "locales": ["de_DE"]})
    assert refused.status_code == 422 and b"does not publish de_DE" in refused.content
