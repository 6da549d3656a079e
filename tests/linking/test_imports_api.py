"""API of product imports (/api/v1/imports…) and import profiles (/api/v1/import-profiles):
202 jobs run by the real task, the job's report and progress, commit rules, and every refusal
as problem+json."""

import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from governance.audit import acting_as
from governance.jobs import job_create
from governance.roles import METADATA_MANAGER, PRODUCT_EDITOR, VIEWER
from linking.models import ImportProfile
from linking.services import import_profiles
from pim.models import Product
from tests.governance.people import member

IMPORTS = "/api/v1/imports"
PROFILES = "/api/v1/import-profiles"
PROBLEM = "application/problem+json"
MIXED = "sku,family,name-en_US,pieces\nmug-1,mugs,Big mug,2\nmug-2,mugs,Small,abc\n"


@pytest.fixture
def editor(catalog, local_storage):
    return member(PRODUCT_EDITOR, "edna")


@pytest.fixture
def as_editor(api_client, editor):
    api_client.force_authenticate(editor)
    return api_client


def csv_file(text: str = MIXED, name="products.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def xlsx_file(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("products.xlsx", buffer.getvalue())


class Started:
    """A 202 answer, and the job as it is once its task has run (on commit, after the answer)."""

    def __init__(self, response, client):
        self.response, self.status_code = response, response.status_code
        self.content = response.content
        self.job = client.get(response["Location"]).json() if self.status_code == 202 else None

    def __getitem__(self, header):
        return self.response[header]

    def json(self):
        return self.job


def start(client, run_tasks_on_commit, **data):
    data.setdefault("file", csv_file())
    with run_tasks_on_commit(execute=True):
        response = client.post(IMPORTS, data, format="multipart")
    return Started(response, client)


def commit(client, run_tasks_on_commit, job_id):
    with run_tasks_on_commit(execute=True):
        response = client.post(f"{IMPORTS}/{job_id}/commit")
    return Started(response, client)


def fields(response) -> dict[str, str]:
    assert response["Content-Type"] == PROBLEM, response.content
    return {e["field"]: e["code"] for e in response.json().get("errors") or []}


def test_a_dry_run_answers_202_and_its_report(as_editor, run_tasks_on_commit):
    response = start(as_editor, run_tasks_on_commit)
    assert response.status_code == 202, response.content
    assert response.response.json()["state"] == "queued"  # the task runs on commit
    job = response.json()
    assert response["Location"] == f"{IMPORTS}/{job['id']}"
    assert job["kind"] == "product_import"
    assert job["state"] == "succeeded"
    assert job["parameters"]["dry_run"] is True
    assert job["report"]["counts"]["created"] == 1
    assert job["report"]["errors"][0]["row"] == 3
    assert job["report"]["errors"][0]["column"] == "pieces"
    assert job["report"]["files"][0]["label"] == "Error file"
    assert not Product.objects.exists()
    followed = as_editor.get(response["Location"])
    assert followed.status_code == 200
    assert followed.json()["report"] == job["report"]


def test_progress_is_visible_through_the_jobs_api(as_editor, run_tasks_on_commit):
    rows = "".join(f"mug-{n},mugs,Mug {n},{n}\n" for n in range(1, 31))
    response = start(
        as_editor, run_tasks_on_commit, file=csv_file("sku,family,name-en_US,pieces\n" + rows)
    )
    job = as_editor.get(f"/api/v1/jobs/{response.json()['id']}").json()
    assert (job["processed"], job["total"], job["progress"]) == (30, 30, 100)
    assert job["report"]["counts"]["created"] == 30


def test_commit_imports_the_valid_rows_once(as_editor, run_tasks_on_commit):
    dry_run = start(as_editor, run_tasks_on_commit).json()
    response = commit(as_editor, run_tasks_on_commit, dry_run["id"])
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["parameters"]["dry_run"] is False
    assert job["parameters"]["dry_run_job"] == dry_run["id"]
    assert job["report"]["counts"]["created"] == 1
    assert list(Product.objects.values_list("sku", flat=True)) == ["mug-1"]
    again = as_editor.post(f"{IMPORTS}/{dry_run['id']}/commit")
    assert again.status_code == 409
    assert again["Content-Type"] == PROBLEM
    assert "committed already" in again.json()["detail"]
    of_commit = as_editor.post(f"{IMPORTS}/{job['id']}/commit")
    assert of_commit.status_code == 409


def test_commit_after_header_problems_is_422(as_editor, run_tasks_on_commit):
    dry_run = start(as_editor, run_tasks_on_commit, file=csv_file("Ref,Name\na,b\n")).json()
    assert dry_run["state"] == "failed"
    assert {e["column"] for e in dry_run["report"]["header_errors"]} >= {"Ref", "Name"}
    response = as_editor.post(f"{IMPORTS}/{dry_run['id']}/commit")
    assert response.status_code == 422
    assert fields(response) == {"mapping": "header_errors"}


def test_an_inline_mapping_and_a_real_run(as_editor, run_tasks_on_commit):
    mapping = {
        "columns": {
            "Ref": {"target": "sku"},
            "Fam": {"target": "family"},
            "Titel": {
                "target": "value",
                "attribute": "name",
                "locale": "en_US",
                "transforms": [{"name": "trim"}],
            },
        }
    }
    response = start(
        as_editor,
        run_tasks_on_commit,
        file=xlsx_file([["Ref", "Fam", "Titel"], ["mug-7", "mugs", "  Seven "]]),
        mapping=json.dumps(mapping),
        dry_run="false",
    )
    assert response.status_code == 202, response.content
    assert response.json()["report"]["counts"]["created"] == 1
    assert Product.objects.get(sku="mug-7").values["name"]["|en_US"] == "Seven"


def test_a_profile_by_code(as_editor, editor, run_tasks_on_commit):
    with acting_as(user=editor):
        import_profiles.import_profile_save(
            changes={"code": "acme", "mapping": {"columns": {"Ref": {"target": "sku"}}}}
        )
    response = start(
        as_editor, run_tasks_on_commit, file=csv_file("Ref,family\nmug-5,mugs\n"), profile="acme"
    )
    assert response.status_code == 202
    assert response.json()["report"]["counts"]["created"] == 1


def test_preview_then_import_the_previewed_source(as_editor, run_tasks_on_commit):
    response = as_editor.post(
        f"{IMPORTS}/preview",
        {"file": csv_file("sku,family,Farbe\nmug-1,mugs,red\n")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["header"] == ["sku", "family", "Farbe"]
    assert preview["rows"] == [["mug-1", "mugs", "red"]]
    assert [c["target"] for c in preview["columns"]] == ["sku", "family", "ignore"]
    assert preview["header_errors"][0]["column"] == "Farbe"
    with run_tasks_on_commit(execute=True):
        response = as_editor.post(
            IMPORTS,
            {"source": preview["source"], "mapping": {"columns": {"Farbe": {"target": "ignore"}}}},
            format="json",
        )
    started = Started(response, as_editor)
    assert started.status_code == 202, started.content
    assert started.json()["report"]["counts"]["created"] == 1


@pytest.mark.parametrize(
    ("upload", "status", "code"),
    [
        (SimpleUploadedFile("a.csv", b""), 422, "empty"),
        (SimpleUploadedFile("a.csv", b"\n \n"), 422, "no_header"),
        (SimpleUploadedFile("a.csv", b"%PDF-1.4\n" + bytes(range(256)) * 8), 415, "not_a_table"),
        (SimpleUploadedFile("a.xls", b"PK\x03\x04" + b"\x00" * 100), 415, "not_a_table"),
    ],
)
def test_files_that_are_no_spreadsheet_are_refused(as_editor, upload, status, code):
    for path in (IMPORTS, f"{IMPORTS}/preview"):
        upload.seek(0)
        response = as_editor.post(path, {"file": upload}, format="multipart")
        assert response.status_code == status, response.content
        assert fields(response) == {"file": code}


def test_a_file_over_the_limit_is_413(as_editor, settings):
    settings.TESSERA_IMPORT_MAX_BYTES = 16
    response = as_editor.post(IMPORTS, {"file": csv_file()}, format="multipart")
    assert response.status_code == 413
    assert fields(response) == {"file": "too_large"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, {"file": "required"}),
        ({"profile": "nope"}, {"profile": "unknown"}),
        ({"mapping": "{not json"}, {"mapping": "invalid"}),
        ({"mapping": "[]"}, {"mapping": "invalid"}),
        (
            {"mapping": '{"columns": {"sku": {"target": "teleport"}}}'},
            {"mapping.columns.sku.target": "unknown"},
        ),
        (
            {"mapping": '{"columns": {"w": {"target": "value"}}}'},
            {"mapping.columns.w.attribute": "required"},
        ),
        (
            {
                "mapping": '{"columns": {"w": {"target": "value", "attribute": "weight", "transforms": [{"name": "unit"}]}}}'
            },
            {"mapping.columns.w.transforms[0].unit": "required"},
        ),
        ({"mapping": '{"cols": {}}'}, {"mapping.cols": "unknown_field"}),
        ({"mapping": '{"columns": {}}', "profile": "x"}, {"mapping": "invalid"}),
        ({"kind": "assets"}, {"kind": "invalid_choice"}),
        ({"surprise": "1"}, {"surprise": "unknown_field"}),
        ({"source": "forged"}, {"source": "unknown"}),
    ],
)
def test_malformed_requests_are_422_with_the_field(as_editor, data, expected):
    if "source" not in data and data != {}:
        data = {"file": csv_file(), **data}
    response = as_editor.post(IMPORTS, data, format="multipart")
    assert response.status_code == 422, response.content
    assert fields(response) == expected


def test_who_may_import(api_client, editor, catalog):
    viewer = member(VIEWER, "vic")
    api_client.force_authenticate(viewer)
    assert api_client.post(IMPORTS, {"file": csv_file()}, format="multipart").status_code == 403
    assert (
        api_client.post(f"{IMPORTS}/preview", {"file": csv_file()}, format="multipart").status_code
        == 403
    )
    api_client.force_authenticate(None)
    assert api_client.post(IMPORTS, {"file": csv_file()}, format="multipart").status_code == 401


def test_importing_models_needs_the_model_permissions(api_client, catalog, local_storage):
    writer = member(VIEWER, "pat")
    writer.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_product", "change_product"])
    )
    api_client.force_authenticate(writer)
    data = {"file": csv_file("code,family_variant\nm,shirts_by_size\n"), "kind": "product_models"}
    assert api_client.post(IMPORTS, data, format="multipart").status_code == 403


def test_creating_terms_needs_their_permission(as_editor, api_client, run_tasks_on_commit):
    response = as_editor.post(
        IMPORTS, {"file": csv_file(), "create_terms": "true"}, format="multipart"
    )
    assert response.status_code == 403
    manager = member(METADATA_MANAGER, "meta")
    manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_product", "change_product"])
    )
    api_client.force_authenticate(manager)
    response = start(api_client, run_tasks_on_commit, create_terms="true")
    assert response.status_code == 202, response.content
    assert response.json()["parameters"]["create_terms"] is True


def test_only_visible_import_jobs_are_found(as_editor, editor, api_client, run_tasks_on_commit):
    job = start(as_editor, run_tasks_on_commit).json()
    other = member(PRODUCT_EDITOR, "otto")
    api_client.force_authenticate(other)
    assert api_client.get(f"{IMPORTS}/{job['id']}").status_code == 404
    assert api_client.post(f"{IMPORTS}/{job['id']}/commit").status_code == 404
    with acting_as(user=editor):
        relink = job_create(kind="relink")
    assert as_editor.get(f"{IMPORTS}/{relink.pk}").status_code == 404
    assert as_editor.post(f"{IMPORTS}/{relink.pk}/commit").status_code == 404


# Import profiles ---------------------------------------------------------------------------


def test_profile_crud(as_editor, editor):
    mapping = {
        "columns": {"Ref": {"target": "sku"}, "Gewicht": {"target": "value", "attribute": "weight"}}
    }
    created = as_editor.post(
        PROFILES, {"code": "acme", "label": "ACME", "mapping": mapping}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["created_by"] == "edna"
    assert body["kind"] == "products"
    assert body["mapping"]["columns"]["Gewicht"]["attribute"] == "weight"
    assert body["mapping"]["columns"]["Ref"]["transforms"] == []
    changed = as_editor.patch(f"{PROFILES}/acme", {"label": "Acme Ltd"}, format="json")
    assert changed.status_code == 200 and changed.json()["label"] == "Acme Ltd"
    assert as_editor.patch(f"{PROFILES}/acme", {"code": "x"}, format="json").status_code == 422
    assert as_editor.get(f"{PROFILES}/acme").json()["label"] == "Acme Ltd"
    assert as_editor.delete(f"{PROFILES}/acme").status_code == 204
    assert not ImportProfile.objects.exists()


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ("nope", {"mapping": "invalid"}),
        ({"columns": []}, {"mapping.columns": "invalid"}),
        ({"columns": {"a": "sku"}}, {"mapping.columns.a": "invalid"}),
        ({"columns": {"a": {}}}, {"mapping.columns.a.target": "required"}),
        (
            {"columns": {"a": {"target": "sku", "colour": 1}}},
            {"mapping.columns.a.colour": "unknown_field"},
        ),
        ({"columns": {"a": {"target": "media_url"}}}, {"mapping.columns.a.role": "required"}),
        (
            {"columns": {"a": {"target": "sku", "locale": 5}}},
            {"mapping.columns.a.locale": "invalid"},
        ),
        (
            {"columns": {"a": {"target": "sku", "transforms": {}}}},
            {"mapping.columns.a.transforms": "invalid"},
        ),
        (
            {"columns": {"a": {"target": "sku", "transforms": [{"name": "shout"}]}}},
            {"mapping.columns.a.transforms[0].name": "unknown"},
        ),
        (
            {"columns": {"a": {"target": "sku", "transforms": [{"name": "trim", "x": 1}]}}},
            {"mapping.columns.a.transforms[0].x": "unknown"},
        ),
        (
            {"columns": {"a": {"target": "sku", "transforms": [{"name": "split"}]}}},
            {"mapping.columns.a.transforms[0].separator": "required"},
        ),
    ],
)
def test_profile_mappings_are_checked_field_by_field(as_editor, mapping, expected):
    response = as_editor.post(PROFILES, {"code": "acme", "mapping": mapping}, format="json")
    assert response.status_code == 422
    assert fields(response) == expected


def test_profile_refusals(as_editor, editor):
    assert as_editor.post(PROFILES, {"code": "bad code!"}, format="json").status_code == 422
    assert fields(as_editor.post(PROFILES, {"code": "a", "kind": "assets"}, format="json")) == {
        "kind": "invalid_choice"
    }
    assert fields(as_editor.post(PROFILES, {"code": "a", "extra": 1}, format="json")) == {
        "extra": "unknown_field"
    }
    assert as_editor.post(PROFILES, ["a"], format="json").status_code == 422
    assert as_editor.get(f"{PROFILES}/missing").status_code == 404


def test_who_may_read_and_write_profiles(api_client, editor):
    with acting_as(user=editor):
        import_profiles.import_profile_save(changes={"code": "acme"})
    viewer = member(VIEWER, "vic")
    api_client.force_authenticate(viewer)
    assert api_client.get(PROFILES).status_code == 200
    assert api_client.get(f"{PROFILES}/acme").status_code == 200
    assert api_client.post(PROFILES, {"code": "x"}, format="json").status_code == 403
    assert api_client.patch(f"{PROFILES}/acme", {"label": "x"}, format="json").status_code == 403
    assert api_client.delete(f"{PROFILES}/acme").status_code == 403


def test_profile_list_queries_stay_constant(as_editor, editor, django_assert_max_num_queries):
    def create(count):
        with acting_as(user=editor):
            for n in range(count):
                import_profiles.import_profile_save(
                    changes={"code": f"p{ImportProfile.objects.count()}_{n}"}
                )

    create(2)
    with django_assert_max_num_queries(6):
        assert len(as_editor.get(PROFILES).json()["results"]) == 2
    create(10)
    with django_assert_max_num_queries(6):
        assert len(as_editor.get(PROFILES).json()["results"]) == 12
