"""Product imports end to end through the services and the real task (run in-process): staging,
dry run, commit of exactly the valid rows, per-cell report, error file round trip, re-import as
a no-op, mappings with transforms from an XLSX file, header problems, restarts."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from governance.audit import acting_as
from governance.models import Job, JobState
from governance.roles import PRODUCT_EDITOR
from linking.services import import_profiles, imports
from linking.tasks.imports import product_import_run
from pim.models import Product, ProductModel
from pim.values import value_key
from tests.governance.people import member

MIXED = (
    "sku,family,name-en_US,pieces\n"
    "mug-1,mugs,Big mug,2\n"
    "mug-2,mugs,Small mug,abc\n"
    "mug-3,mugs,Tiny mug,9999\n"
    "mug-4,mugs,Cup,4\n"
)


@pytest.fixture
def editor(catalog, local_storage):
    return member(PRODUCT_EDITOR, "edna")


def upload(content: bytes | str, name="products.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(editor, run_tasks_on_commit, content, *, name="products.csv", **options) -> Job:
    with acting_as(user=editor), run_tasks_on_commit(execute=True):
        source = imports.import_source_stage(file=upload(content, name))
        job = imports.product_import_start(source=source, **options)
    job.refresh_from_db()
    return job


def commit(editor, run_tasks_on_commit, dry_run: Job) -> Job:
    with acting_as(user=editor), run_tasks_on_commit(execute=True):
        job = imports.product_import_commit(job=dry_run)
    job.refresh_from_db()
    return job


def value(product: Product, attribute: str, locale=None, channel=None):
    return product.values.get(attribute, {}).get(value_key(channel, locale))


def error_rows(job: Job) -> list[dict]:
    [entry] = job.report["files"]
    assert entry["label"] == "Error file" and entry["content_type"] == "text/csv"
    with default_storage.open(entry["name"], "rb") as file:
        return list(csv.DictReader(io.StringIO(file.read().decode("utf-8"))))


def test_dry_run_checks_every_row_and_writes_nothing(editor, run_tasks_on_commit):
    job = run_import(editor, run_tasks_on_commit, MIXED)
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.parameters["dry_run"] is True
    assert job.report["counts"] == {
        "rows": 4, "created": 2, "updated": 0, "unchanged": 0, "errors": 2
    }  # fmt: skip
    assert not Product.objects.exists()
    errors = {(e["row"], e["column"]): e for e in job.report["errors"]}
    assert set(errors) == {(3, "pieces"), (4, "pieces")}
    assert errors[(3, "pieces")]["value"] == "abc"
    assert errors[(4, "pieces")]["value"] == "9999"
    assert all(e["message"] and e["code"] for e in errors.values())
    assert job.report["cell_errors"] == 2
    assert [row["sku"] for row in error_rows(job)] == ["mug-2", "mug-3"]
    assert (job.processed, job.total) == (4, 4)


def test_commit_writes_exactly_the_valid_rows(editor, run_tasks_on_commit):
    dry_run = run_import(editor, run_tasks_on_commit, MIXED)
    job = commit(editor, run_tasks_on_commit, dry_run)
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.parameters["dry_run_job"] == dry_run.pk
    assert job.parameters["source"] == dry_run.parameters["source"]
    assert job.report["counts"]["created"] == 2
    assert job.report["counts"]["errors"] == 2
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["mug-1", "mug-4"]
    mug = Product.objects.get(sku="mug-1")
    assert value(mug, "name", locale="en_US") == "Big mug"
    assert job.created_by == editor


def test_reimport_changes_nothing(editor, run_tasks_on_commit):
    first = run_import(editor, run_tasks_on_commit, MIXED, dry_run=False)
    versions = dict(Product.objects.values_list("sku", "version"))
    again = run_import(editor, run_tasks_on_commit, MIXED, dry_run=False)
    assert first.report["counts"]["created"] == 2
    assert again.report["counts"] == {
        "rows": 4, "created": 0, "updated": 0, "unchanged": 2, "errors": 2
    }  # fmt: skip
    assert dict(Product.objects.values_list("sku", "version")) == versions


def test_the_error_file_fixed_imports_its_rows(editor, run_tasks_on_commit):
    job = run_import(editor, run_tasks_on_commit, MIXED, dry_run=False)
    rows = error_rows(job)
    assert rows[0]["error"].startswith("pieces: ")
    fixed = io.StringIO()
    writer = csv.DictWriter(fixed, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:  # the user fixes the cells and sends the file back as it is
        writer.writerow({**row, "pieces": "3"})
    again = run_import(editor, run_tasks_on_commit, fixed.getvalue(), dry_run=False)
    assert again.state == JobState.SUCCEEDED, again.error
    assert again.report["counts"]["created"] == 2
    assert again.report["counts"]["errors"] == 0
    assert again.report["files"] == []
    assert value(Product.objects.get(sku="mug-3"), "pieces") in (3, "3")


def test_error_file_of_an_error_file_keeps_one_error_column(editor, run_tasks_on_commit):
    job = run_import(editor, run_tasks_on_commit, MIXED, dry_run=False)
    with default_storage.open(job.report["files"][0]["name"], "rb") as file:
        content = file.read()
    again = run_import(editor, run_tasks_on_commit, content, dry_run=False)
    rows = error_rows(again)
    assert list(rows[0]) == ["sku", "family", "name-en_US", "pieces", "error"]
    assert [row["sku"] for row in rows] == ["mug-2", "mug-3"]


def test_xlsx_with_a_mapping_and_transforms(editor, run_tasks_on_commit):
    content = xlsx(
        [
            ["Artikel", "Familie", "Bezeichnung", "Gewicht", "Erscheint", "Notiz"],
            ["shirt-1", "shirts", "  Oxford  ", 1.5, "24/12/2021", "ignore me"],
            ["shirt-2", "shirts", "Polo", 2, "01/02/2022", ""],
        ]
    )
    mapping = {
        "columns": {
            "Artikel": {"target": "sku"},
            "Familie": {"target": "family"},
            "Bezeichnung": {
                "target": "value",
                "attribute": "name",
                "locale": "en_US",
                "transforms": [{"name": "trim"}],
            },
            "Gewicht": {
                "target": "value",
                "attribute": "weight",
                "transforms": [{"name": "unit", "unit": "KILOGRAM"}],
            },
            "Erscheint": {
                "target": "value",
                "attribute": "release",
                "transforms": [{"name": "date", "format": "%d/%m/%Y"}],
            },
            "Notiz": {"target": "ignore"},
        }
    }
    job = run_import(
        editor, run_tasks_on_commit, content, name="export.xlsx", mapping=mapping, dry_run=False
    )
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.parameters["format"] == "xlsx"
    assert job.report["counts"]["created"] == 2, job.report
    shirt = Product.objects.get(sku="shirt-1")
    assert value(shirt, "name", locale="en_US") == "Oxford"
    weight = value(shirt, "weight")
    assert str(weight["amount"]) in ("1.5", "1.50") and weight["unit"] == "kilogram"
    assert value(shirt, "release") == "2021-12-24"


def test_a_profile_maps_the_columns(editor, run_tasks_on_commit):
    with acting_as(user=editor):
        import_profiles.import_profile_save(
            changes={
                "code": "supplier_a",
                "mapping": {"columns": {"Ref": {"target": "sku"}, "Fam": {"target": "family"}}},
            }
        )
    job = run_import(
        editor, run_tasks_on_commit, "Ref,Fam\nmug-9,mugs\n", profile="supplier_a", dry_run=False
    )
    assert job.report["counts"]["created"] == 1
    assert job.parameters["mapping"]["columns"]["Ref"]["target"] == "sku"
    assert job.report["profile"] == "supplier_a"


def test_header_problems_stop_before_any_row(editor, run_tasks_on_commit):
    job = run_import(editor, run_tasks_on_commit, "Reference,colour_code\nmug-1,x\n")
    assert job.state == JobState.FAILED
    assert "no row was read" in job.error
    problems = {(p["column"], p["code"]) for p in job.report["header_errors"]}
    assert ("Reference", "unknown_column") in problems
    assert ("sku", "required") in problems
    assert job.processed == 0 and job.report["counts"]["rows"] == 0
    with pytest.raises(ValidationError) as refused:
        imports.product_import_commit(job=job)
    assert refused.value.error_dict["mapping"][0].code == "header_errors"


def test_a_dry_run_is_committed_once_and_a_commit_never_again(editor, run_tasks_on_commit):
    dry_run = run_import(editor, run_tasks_on_commit, MIXED)
    job = commit(editor, run_tasks_on_commit, dry_run)
    with pytest.raises(imports.ImportConflict, match="committed already"):
        imports.product_import_commit(job=dry_run)
    with pytest.raises(imports.ImportConflict, match="ran for real"):
        imports.product_import_commit(job=job)


def test_an_unfinished_dry_run_cannot_be_committed(editor):
    with acting_as(user=editor):
        source = imports.import_source_stage(file=upload(MIXED))
        job = imports.product_import_start(source=source)  # queued: nothing ran it
    with pytest.raises(imports.ImportConflict, match="not finished"):
        imports.product_import_commit(job=job)


def test_a_redelivered_job_starts_over(editor, run_tasks_on_commit):
    job = run_import(editor, run_tasks_on_commit, MIXED, dry_run=False)
    report = job.report
    # A worker died mid-run: the message comes again and the job restarts from the top.
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, processed=1)
    assert product_import_run(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.report["counts"] == {**report["counts"], "created": 0, "unchanged": 2}
    assert Product.objects.count() == 2
    assert len(job.report["files"]) == 1  # the error file was replaced, not added to
    assert error_rows(job)[0]["sku"] == "mug-2"


def test_a_finished_job_is_not_run_again(editor, run_tasks_on_commit):
    job = run_import(editor, run_tasks_on_commit, MIXED)
    assert product_import_run(job.pk) == "skipped"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "empty.csv", "empty"),
        (b"\n\n  \n", "blank.csv", "no_header"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4, "x.csv", "not_a_table"),
        (b"sku,sku\nmug-1,mug-1\n", "twice.csv", "bad_header"),
    ],
)
def test_staging_refuses_what_is_no_table(editor, content, name, code):
    with pytest.raises(ValidationError) as refused:
        imports.import_source_stage(file=upload(content, name))
    assert refused.value.error_dict["file"][0].code == code


def test_staging_refuses_a_file_over_the_limit(editor, settings):
    settings.TESSERA_IMPORT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        imports.import_source_stage(file=upload(MIXED))
    assert refused.value.error_dict["file"][0].code == "too_large"


def test_staging_streams_to_storage_under_imports(editor):
    source = imports.import_source_stage(file=upload(xlsx([["sku"], ["a"]]), "whatever.csv"))
    assert source.format == "xlsx"  # told from the bytes, not the name
    assert source.name.startswith("imports/") and source.name.endswith("/source.xlsx")
    assert default_storage.exists(source.name)
    assert source.filename == "whatever.csv"


def test_a_source_token_is_its_uploaders_alone(editor):
    source = imports.import_source_stage(file=upload(MIXED))
    token = source.token(user=editor)
    assert imports.StagedSource.from_token(token, user=editor) == source
    other = member(PRODUCT_EDITOR, "otto")
    for user, text in ((other, token), (editor, token + "x"), (editor, "nonsense")):
        with pytest.raises(ValidationError):
            imports.StagedSource.from_token(text, user=user)


def test_preview_shows_the_header_first_rows_and_suggestions(editor):
    rows = "".join(f"mug-{n},mugs,Mug {n},{n}\n" for n in range(1, 9))
    source = imports.import_source_stage(file=upload("sku,family,name-en_US,Stück\n" + rows))
    preview = imports.import_preview(source=source)
    assert preview["header"] == ["sku", "family", "name-en_US", "Stück"]
    assert len(preview["rows"]) == imports.PREVIEW_ROWS
    columns = {c["column"]: c for c in preview["columns"]}
    assert columns["name-en_US"]["target"] == "value"
    assert columns["name-en_US"]["locale"] == "en_US"
    assert [p["column"] for p in preview["header_errors"]] == ["Stück"]
    mapped = imports.import_preview(
        source=source,
        mapping={"columns": {"Stück": {"target": "value", "attribute": "pieces"}}},
    )
    assert mapped["header_errors"] == []


def test_media_url_columns_are_fetched_for_saved_rows_only(editor, run_tasks_on_commit):
    content = (
        "sku,family,media-hero\n"
        "mug-1,mugs,http://127.0.0.1/mug.jpg\n"
        "mug-2,nofamily,http://127.0.0.1/other.jpg\n"
    )
    dry_run = run_import(editor, run_tasks_on_commit, content)
    assert dry_run.report["media"] == {"linked": 0, "refused": 0, "refusals": []}
    job = commit(editor, run_tasks_on_commit, dry_run)
    media = job.report["media"]
    assert (media["linked"], media["refused"]) == (0, 1)  # the failed row fetched nothing
    [refusal] = media["refusals"]
    assert refusal["owner"] == "mug-1"
    assert refusal["url"] == "http://127.0.0.1/mug.jpg"
    assert refusal["code"] == "private_address"


def test_product_models_are_imported_by_code(editor, run_tasks_on_commit):
    content = "code,family_variant,name-en_US\nmodel_1,shirts_by_size,Model one\n"
    job = run_import(editor, run_tasks_on_commit, content, kind="product_models", dry_run=False)
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.report["kind"] == "product_models"
    assert job.report["counts"]["created"] == 1, (job.report["counts"], job.report["errors"])
    assert ProductModel.objects.filter(code="model_1").exists()


def test_a_profile_of_another_kind_is_refused(editor):
    with acting_as(user=editor):
        import_profiles.import_profile_save(changes={"code": "models", "kind": "product_models"})
        source = imports.import_source_stage(file=upload(MIXED))
        with pytest.raises(ValidationError) as refused:
            imports.product_import_start(source=source, profile="models")
    assert refused.value.error_dict["profile"][0].code == "wrong_kind"
