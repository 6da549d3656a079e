"""Workbench product imports: upload, the mapping step (suggestions, profiles, transforms), the
dry run's job page with progress and report, and the commit."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from governance.audit import acting_as
from governance.models import Job, JobState
from governance.roles import PRODUCT_EDITOR, VIEWER
from linking.models import ImportProfile
from linking.services import import_profiles, imports
from pim.models import Product
from tests.governance.people import member

FOREIGN = "Artikel,Familie,Bezeichnung,Stück\nmug-1,mugs,  Big mug ,2\nmug-2,mugs,Cup,abc\n"


@pytest.fixture
def editor(catalog, local_storage):
    return member(PRODUCT_EDITOR, "edna")


@pytest.fixture
def client(editor):
    client = Client()
    client.force_login(editor)
    return client


def upload(client, text=FOREIGN, name="lieferant.csv"):
    return client.post(
        "/imports/", {"file": SimpleUploadedFile(name, text.encode()), "kind": "products"}
    )


def map_url(client, text=FOREIGN) -> str:
    response = upload(client, text)
    assert response.status_code == 302, response.content
    return response["Location"]


def foreign_mapping(**extra) -> dict:
    """The form's fields mapping FOREIGN's columns (Bezeichnung trimmed)."""
    return {
        "kind": "products",
        "col-0-target": "sku",
        "col-1-target": "family",
        "col-2-target": "value",
        "col-2-attribute": "name",
        "col-2-locale": "en_US",
        "col-2-trim": "on",
        "col-3-target": "value",
        "col-3-attribute": "pieces",
        **extra,
    }


def test_the_start_page_and_who_sees_it(client, editor):
    response = client.get("/imports/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/imports/"' in page  # the nav link
    assert 'type="file"' in page
    viewer = Client()
    viewer.force_login(member(VIEWER, "vic"))
    assert viewer.get("/imports/").status_code == 403
    assert 'href="/imports/"' not in viewer.get("/").content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01\x02" * 100, "neither CSV nor XLSX"), (b"sku,sku\n1,2\n", "twice")],
)
def test_an_upload_that_is_no_table_is_shown_why(client, content, message):
    response = client.post("/imports/", {"file": SimpleUploadedFile("x.csv", content)})
    assert response.status_code == 422
    assert message in response.content.decode()


def test_no_file_is_422(client):
    assert client.post("/imports/", {}).status_code == 422


def test_the_mapping_step_shows_the_header_rows_and_suggestions(client):
    response = client.get(map_url(client, "sku,family,name-en_US,Stück\nmug-1,mugs,Mug,2\n"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<th scope="col">Stück</th>' in page
    assert "<td>Mug</td>" in page
    # Conventions are suggested; the unknown column must be chosen.
    assert re.search(r'name="col-2-target"[^>]*>.*?<option value="value" selected>', page, re.S)
    assert re.search(r'name="col-2-locale"[^>]*>.*?<option value="en_US" selected>', page, re.S)
    assert re.search(r'name="col-3-target"[^>]*>\s*<option value="" selected>', page, re.S)
    assert "neither a field nor an attribute" in page


def test_map_check_and_import(client, run_tasks_on_commit):
    url = map_url(client)
    with run_tasks_on_commit(execute=True):
        response = client.post(url, {**foreign_mapping(), "action": "check"})
    assert response.status_code == 302
    dry_run = Job.objects.get(kind=imports.JOB_KIND)
    assert response["Location"] == f"/imports/jobs/{dry_run.pk}/"
    assert dry_run.parameters["mapping"]["columns"]["Bezeichnung"]["transforms"] == [
        {"name": "trim"}
    ]
    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page  # the progress bar, full
    assert 'data-count="created">1<' in page
    assert 'data-count="errors">1<' in page
    assert "abc" in page  # the cell error's value
    assert 'href="/jobs/' in page and "Error file" in page
    assert "Import</button>" in page
    assert not Product.objects.exists()
    with run_tasks_on_commit(execute=True):
        response = client.post(f"/imports/jobs/{dry_run.pk}/commit/")
    commit = Job.objects.exclude(pk=dry_run.pk).get()
    assert response["Location"] == f"/imports/jobs/{commit.pk}/"
    assert Product.objects.get(sku="mug-1").values["name"]["|en_US"] == "Big mug"
    assert (
        f"/imports/jobs/{commit.pk}/" in client.get(f"/imports/jobs/{dry_run.pk}/").content.decode()
    )
    again = client.post(f"/imports/jobs/{dry_run.pk}/commit/", follow=True)
    assert "committed already" in again.content.decode()
    assert Job.objects.count() == 2


def test_the_panel_alone_for_htmx_polling(client, editor):
    with acting_as(user=editor):
        source = imports.import_source_stage(file=SimpleUploadedFile("a.csv", FOREIGN.encode()))
        job = imports.product_import_start(source=source)  # queued: nothing runs it
    response = client.get(f"/imports/jobs/{job.pk}/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="import-panel"')
    assert 'hx-trigger="every 1s"' in page
    assert "Import</button>" not in page


def test_header_problems_are_shown_and_block_the_import(client, run_tasks_on_commit):
    url = map_url(client)
    fields = foreign_mapping()
    fields.pop("col-3-attribute")  # a value with no attribute: the form says so
    response = client.post(url, {**fields, "action": "check"})
    assert response.status_code == 422
    assert "needs &#x27;attribute&#x27;" in response.content.decode()
    fields["col-3-target"] = "value"
    fields["col-3-attribute"] = "weight"  # a metric without unit: the header check catches it
    fields["col-0-target"] = "ignore"  # and no sku
    with run_tasks_on_commit(execute=True):
        response = client.post(url, {**fields, "action": "check"})
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "Header problems" in page
    assert "Import</button>" not in page


def test_save_a_profile_then_use_it(client, editor):
    url = map_url(client)
    response = client.post(
        url,
        {
            **foreign_mapping(),
            "action": "save_profile",
            "profile_code": "lieferant",
            "profile_label": "Lieferant",
        },
    )
    assert response.status_code == 302
    profile = ImportProfile.objects.get(code="lieferant")
    assert profile.created_by == editor
    assert profile.mapping["columns"]["Artikel"]["target"] == "sku"
    assert response["Location"].endswith("profile=lieferant")
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'name="col-0-target"[^>]*>.*?<option value="sku" selected>', page, re.S)
    assert re.search(r'name="col-2-trim" checked', page)
    assert "Profile lieferant saved." in page
    # Saving again changes it.
    client.post(
        url,
        {
            **foreign_mapping(),
            "action": "save_profile",
            "profile_code": "lieferant",
            "profile_label": "L2",
        },
    )
    assert ImportProfile.objects.get(code="lieferant").label == "L2"


def test_a_bad_profile_code_is_shown(client):
    response = client.post(
        map_url(client), {**foreign_mapping(), "action": "save_profile", "profile_code": "no good"}
    )
    assert response.status_code == 422
    assert "code" in response.content.decode()
    assert not ImportProfile.objects.exists()


def test_an_unknown_profile_is_404(client):
    assert client.get(map_url(client) + "&profile=nope").status_code == 404


def test_uploads_and_jobs_are_their_owners(client, editor, run_tasks_on_commit):
    url = map_url(client)
    other = Client()
    other.force_login(member(PRODUCT_EDITOR, "otto"))
    assert other.get(url).status_code == 404
    assert client.get("/imports/map/forged/").status_code == 404
    with run_tasks_on_commit(execute=True):
        client.post(url, {**foreign_mapping(), "action": "check"})
    job = Job.objects.get()
    assert other.get(f"/imports/jobs/{job.pk}/").status_code == 404
    assert other.post(f"/imports/jobs/{job.pk}/commit/").status_code == 404
    assert f"/imports/jobs/{job.pk}/" in client.get("/imports/").content.decode()


def test_admin_lists_and_saves_profiles(admin_client, catalog):
    with acting_as():
        import_profiles.import_profile_save(changes={"code": "acme"})
    assert admin_client.get("/admin/linking/importprofile/").status_code == 200
    response = admin_client.post(
        "/admin/linking/importprofile/add/",
        {
            "code": "bad",
            "label": "",
            "kind": "products",
            "mapping": '{"columns": {"a": {"target": "x"}}}',
        },
    )
    assert response.status_code == 200  # shown again with the mapping's error
    assert "Unknown target" in response.content.decode()
    assert not ImportProfile.objects.filter(code="bad").exists()


def test_recheck_judges_the_form_mapping(client):
    url = map_url(client)
    page = client.get(url).content.decode()
    assert page.count("neither a field nor an attribute") == 4
    response = client.post(url, {**foreign_mapping(), "action": "recheck"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "neither a field nor an attribute" not in page
    assert re.search(r'name="col-3-attribute"[^>]*>.*?<option value="pieces" selected>', page, re.S)
    assert not Job.objects.exists()
