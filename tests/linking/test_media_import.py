"""Media import jobs through the API and the workbench: a ZIP and files ingested entry by entry
and linked by the naming rules, URLs fetched and linked to the products they are listed for,
and the report of each, with every refusal's reason."""

import io
import stat
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage

from dam.models import Asset, Collection
from governance import roles
from governance.models import Job, JobState
from linking.models import ProductAssetLink
from linking.services import media_import, naming
from pim.services.product_models import product_model_save
from tests.dam.conftest import image_bytes, upload
from tests.dam.media_server import MediaServer
from tests.governance.factories import UserFactory
from tests.linking.builders import product

IMPORTS = "/api/v1/media-imports"
URLS = "/api/v1/media-imports/urls"


def jpeg(shade: int) -> bytes:
    return image_bytes(color=(shade * 20 % 256, 40, 90))  # distinct bytes per shade (0–12)


def zip_of(entries) -> bytes:
    """`entries`: (name or ZipInfo, bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


SHOOT = [
    ("docs/", b""),  # a folder: passed over silently
    ("shoot/AB_1_hero_1.jpg", jpeg(1)),
    ("shoot/AB_1_back_2.jpg", jpeg(2)),
    ("IMG_0001.jpg", jpeg(3)),
    ("ZZ_9_hero_1.jpg", jpeg(4)),
    ("CD_2_side_1.jpg", jpeg(1)),  # the hero's bytes again, under another product's name
    ("../evil.jpg", jpeg(6)),
    ("/etc/abs.jpg", jpeg(7)),
    ("__MACOSX/shoot/._AB_1_hero_1.jpg", b"\x00\x05\x16\x07resource fork"),
    (".DS_Store", b"\x00\x00\x00\x01Bud1"),
    ("nested.jpg", zip_of([("inner.jpg", jpeg(8))])),
    ("notes.jpg", b"Not a picture, whatever its name says.\n" * 10),
    (symlink("link.jpg"), b"/etc/passwd"),
]


def person(role: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def catalog_with_rules(catalog, local_storage):
    product("AB_1")
    product("CD_2")
    naming.naming_rule_save(
        changes={"code": "by_position", "pattern": "{sku}_{role}_{position}.{ext}"}
    )
    return local_storage


@pytest.fixture
def contributor(api_client, catalog_with_rules):
    """An Asset Contributor: uploads, holds no link permission (the rules link on its behalf)."""
    api_client.force_authenticate(person(roles.ASSET_CONTRIBUTOR, "connie"))
    return api_client


@pytest.fixture
def librarian(api_client, catalog_with_rules):
    api_client.force_authenticate(person(roles.ASSET_LIBRARIAN, "lena"))
    return api_client


def post_files(client, *files, **data):
    return client.post(IMPORTS, {"file": list(files), **data}, format="multipart")


def start(client, run_tasks_on_commit, *files, **data) -> dict:
    with run_tasks_on_commit(execute=True):
        response = post_files(client, *files, **data)
    assert response.status_code == 202, response.json()
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}"
    return client.get(response["Location"]).json()


def stored_imports() -> list[str]:
    if not default_storage.exists(media_import.UPLOAD_PREFIX):
        return []
    folders, _ = default_storage.listdir(media_import.UPLOAD_PREFIX)
    return [
        name
        for folder in folders
        for name in default_storage.listdir(f"{media_import.UPLOAD_PREFIX}/{folder}")[1]
    ]


def by_entry(rows) -> dict:
    return {row["entry"]: row for row in rows}


# --- ZIPs and files --------------------------------------------------------------------------


def test_a_zip_and_a_file_are_imported_linked_and_reported(contributor, run_tasks_on_commit):
    job = start(
        contributor,
        run_tasks_on_commit,
        upload("shoot.zip", zip_of(SHOOT)),
        upload("CD_2_front_1.jpg", jpeg(5)),
    )
    assert (job["kind"], job["state"], job["total"], job["processed"], job["progress"]) == (
        "media_import", "succeeded", 13, 13, 100,
    )  # fmt: skip
    report = job["report"]
    assert report["counts"] == {
        "linked": 3, "unmatched": 2, "duplicates": 1, "refused": 5, "skipped": 2, "entries": 13,
    }  # fmt: skip
    linked = by_entry(report["linked"])
    assert set(linked) == {"shoot/AB_1_hero_1.jpg", "shoot/AB_1_back_2.jpg", "CD_2_front_1.jpg"}
    hero = linked["shoot/AB_1_hero_1.jpg"]
    assert (hero["file"], hero["target"], hero["role"], hero["position"], hero["rule"]) == (
        "shoot.zip", {"type": "product", "sku": "AB_1"}, "hero", 1, "by_position",
    )  # fmt: skip
    assert linked["CD_2_front_1.jpg"]["file"] == "CD_2_front_1.jpg"  # a plain file: its own entry
    assert {(r["entry"], r["reason"]) for r in report["unmatched"]} == {
        ("IMG_0001.jpg", "no_rule"),
        ("ZZ_9_hero_1.jpg", "unknown_sku"),
    }
    [duplicate] = report["duplicates"]
    assert duplicate["entry"] == "CD_2_side_1.jpg" and duplicate["linked"] is True
    assert duplicate["asset"] == hero["asset"]  # the same bytes: the same asset
    assert {(r["entry"], r["code"]) for r in report["refused"]} == {
        ("../evil.jpg", "path_traversal"),
        ("/etc/abs.jpg", "absolute_path"),
        ("nested.jpg", "nested_archive"),
        ("notes.jpg", "type_not_allowed"),
        ("link.jpg", "symlink"),
    }
    assert all(r["message"] for r in report["refused"])
    assert {(r["entry"], r["code"]) for r in report["skipped"]} == {
        ("__MACOSX/shoot/._AB_1_hero_1.jpg", "macos_metadata"),
        (".DS_Store", "hidden_file"),
    }
    links = set(
        ProductAssetLink.objects.values_list(
            "product__sku", "role", "asset__current_version__original_filename"
        )
    )
    assert links == {
        ("AB_1", "hero", "AB_1_hero_1.jpg"),
        ("AB_1", "back", "AB_1_back_2.jpg"),
        ("CD_2", "side", "AB_1_hero_1.jpg"),  # the duplicate, linked by its entry's name
        ("CD_2", "front", "CD_2_front_1.jpg"),
    }
    assert Asset.objects.count() == 5  # hero, back, IMG, ZZ, front: nothing refused is stored
    # The job acted as whoever started it (as relink does): the link names them.
    assert ProductAssetLink.objects.filter(role="hero").get().created_by.username == "connie"
    assert stored_imports() == []  # the uploads are deleted once the job has ended


def test_the_upload_is_stored_before_the_job_runs_and_deleted_after(
    contributor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = post_files(contributor, upload("shoot.zip", zip_of(SHOOT[:3])))
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert job.state == JobState.QUEUED and job.total == 2
    [stored] = job.parameters["files"]
    assert stored["name"].startswith(f"{media_import.UPLOAD_PREFIX}/")
    assert stored["name"].endswith("/000-shoot.zip") and stored["archive"] is True
    with default_storage.open(stored["name"], "rb") as kept:
        assert kept.read() == zip_of(SHOOT[:3])
    assert media_import.media_import_run(job_id=job.pk) == "succeeded"
    assert not default_storage.exists(stored["name"])
    job.refresh_from_db()
    assert job.report["counts"]["linked"] == 2
    assert media_import.media_import_run(job_id=job.pk) == "skipped"  # finished: left alone


def test_progress_is_recorded_after_each_entry(
    contributor, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = post_files(contributor, upload("shoot.zip", zip_of(SHOOT[:6])))
    seen = []
    real = media_import.job_progress
    monkeypatch.setattr(
        media_import, "job_progress", lambda **kw: seen.append(kw["processed"]) or real(**kw)
    )
    media_import.media_import_run(job_id=response.json()["id"])
    assert seen == [0, 1, 2, 3, 4, 5]


def test_importing_the_same_zip_again_changes_nothing(contributor, run_tasks_on_commit):
    start(contributor, run_tasks_on_commit, upload("shoot.zip", zip_of(SHOOT)))
    links, assets = ProductAssetLink.objects.count(), Asset.objects.count()
    again = start(contributor, run_tasks_on_commit, upload("shoot.zip", zip_of(SHOOT)))
    counts = again["report"]["counts"]
    assert (counts["linked"], counts["unmatched"], counts["duplicates"]) == (0, 0, 5)
    assert (ProductAssetLink.objects.count(), Asset.objects.count()) == (links, assets)


@pytest.mark.parametrize(
    ("settings_changes", "entries", "code"),
    [
        ({"TESSERA_MEDIA_IMPORT_MAX_ENTRIES": 2}, SHOOT[1:5], "too_many_entries"),
        (
            {"TESSERA_MEDIA_IMPORT_MAX_TOTAL_BYTES": 100_000},  # the ZIP itself is far smaller
            [("a.svg", bytes(range(256)) * 300), ("b.svg", bytes(range(256)) * 300)],
            "too_large_uncompressed",
        ),
        ({}, [("a.jpg", jpeg(1)), ("zeros.jpg", bytes(3 * 1024 * 1024))], "compression_ratio"),
    ],
)
def test_an_archive_refused_whole_is_reported_and_nothing_is_ingested(
    contributor, run_tasks_on_commit, settings, settings_changes, entries, code
):
    for name, value in settings_changes.items():
        setattr(settings, name, value)
    job = start(contributor, run_tasks_on_commit, upload("big.zip", zip_of(entries)))
    assert job["state"] == "succeeded" and job["processed"] == job["total"]
    [refused] = job["report"]["refused"]
    assert (refused["file"], refused["entry"], refused["code"]) == ("big.zip", None, code)
    assert not Asset.objects.exists()


def test_an_entry_over_the_upload_limit_is_refused_by_its_declared_size(
    contributor, run_tasks_on_commit, settings
):
    settings.TESSERA_MAX_UPLOAD_BYTES = len(jpeg(1)) + 10
    big = jpeg(2) + bytes(range(256)) * 10
    job = start(
        contributor,
        run_tasks_on_commit,
        upload("s.zip", zip_of([("a.jpg", jpeg(1)), ("b.jpg", big)])),
    )
    assert [(r["entry"], r["code"]) for r in job["report"]["refused"]] == [
        ("b.jpg", "file_too_large")
    ]
    assert job["report"]["counts"]["unmatched"] == 1


def test_assets_are_filed_in_the_chosen_collection(contributor, run_tasks_on_commit):
    Collection.objects.create(code="spring")
    start(contributor, run_tasks_on_commit, upload("AB_1_hero_1.jpg", jpeg(1)), collection="spring")
    assert Asset.objects.get().collection.code == "spring"


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({}, "file", "required"),
        (
            {"file": [upload("AB_1_hero_1.jpg", jpeg(1))], "collection": "nowhere"},
            "collection",
            "unknown",
        ),
    ],
)
def test_a_malformed_request_is_refused_and_nothing_is_stored(contributor, data, field, code):
    response = contributor.post(IMPORTS, data, format="multipart")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert not Job.objects.exists() and stored_imports() == []


def test_a_file_over_the_limit_is_refused_at_once(contributor, settings):
    settings.TESSERA_MAX_UPLOAD_BYTES = 100
    response = post_files(contributor, upload("a.jpg", jpeg(1)))
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("file[0]", "file_too_large")
    ]
    assert not Job.objects.exists() and stored_imports() == []


def test_too_many_files_at_once_are_refused(contributor, monkeypatch):
    monkeypatch.setattr(media_import, "MAX_FILES", 2)
    response = post_files(contributor, *(upload(f"{n}.jpg", jpeg(n)) for n in range(3)))
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "too_many"


def test_importing_needs_the_add_asset_permission(api_client, catalog_with_rules):
    api_client.force_authenticate(person(roles.PRODUCT_EDITOR, "erin"))
    assert post_files(api_client, upload("a.jpg", jpeg(1))).status_code == 403
    assert not Job.objects.exists()


def test_the_job_is_its_starters(contributor, run_tasks_on_commit, api_client):
    job = start(contributor, run_tasks_on_commit, upload("AB_1_hero_1.jpg", jpeg(1)))
    contributor.force_authenticate(person(roles.ASSET_CONTRIBUTOR, "other"))
    assert contributor.get(f"/api/v1/jobs/{job['id']}").status_code == 404


# --- URLs ------------------------------------------------------------------------------------


@pytest.fixture
def server(settings):
    settings.TESSERA_MEDIA_FETCH_ALLOW_PRIVATE = True  # the server is on loopback
    routes = {
        "/p/AB_1-main.jpg": (200, {}, jpeg(11)),
        "/p/same-bytes.jpg": (200, {}, jpeg(11)),
        "/p/model.jpg": (200, {}, jpeg(12)),
        "/p/missing.jpg": (404, {}, b""),
        "/p/moved.jpg": (301, {"Location": "http://169.254.169.254/"}, b""),
    }
    with MediaServer(routes) as running:
        yield running


def post_urls(client, items, **extra):
    return client.post(URLS, {"items": items, **extra}, format="json")


def test_urls_are_fetched_and_linked_to_their_products(librarian, server, run_tasks_on_commit):
    product_model_save(data={"code": "oxford", "family_variant": "shirts_by_color_size"})
    items = [
        {"url": server.url("/p/AB_1-main.jpg"), "sku": "AB_1", "role": "hero"},
        {"url": server.url("/p/model.jpg"), "model": "oxford", "role": "front"},
        {"url": server.url("/p/same-bytes.jpg"), "sku": "CD_2", "role": "back"},
        {"url": server.url("/p/AB_1-main.jpg"), "sku": "CD_2", "role": "hero", "position": 0},
        {"url": server.url("/p/missing.jpg"), "sku": "AB_1", "role": "side"},
        {"url": server.url("/p/moved.jpg"), "sku": "AB_1", "role": "side"},
    ]
    with run_tasks_on_commit(execute=True):
        response = post_urls(librarian, items)
    assert response.status_code == 202, response.json()
    job = librarian.get(response["Location"]).json()
    assert (job["kind"], job["state"], job["total"], job["processed"]) == (
        "media_url_import",
        "succeeded",
        6,
        6,
    )
    report = job["report"]
    assert report["counts"] == {"linked": 4, "refused": 2, "items": 6, "duplicates": 1}
    assert [(r["index"], r["code"]) for r in report["refused"]] == [
        (4, "http_status"),
        (5, "redirect"),
    ]
    assert set(
        ProductAssetLink.objects.values_list("product__sku", "product_model__code", "role")
    ) == {
        ("AB_1", None, "hero"),
        (None, "oxford", "front"),
        ("CD_2", None, "back"),
        ("CD_2", None, "hero"),
    }
    assert Asset.objects.count() == 2  # same bytes, one asset
    assert server.paths.count("/p/AB_1-main.jpg") == 1  # a URL listed twice is fetched once
    assert "/" not in server.paths  # the redirect was not followed


def test_a_private_url_is_refused_in_the_report(librarian, run_tasks_on_commit, settings):
    assert settings.TESSERA_MEDIA_FETCH_ALLOW_PRIVATE is False
    items = [
        {"url": "http://127.0.0.1:9/AB_1_hero_1.jpg", "sku": "AB_1", "role": "hero"},
        {"url": "http://169.254.169.254/latest/meta-data/", "sku": "AB_1", "role": "hero"},
    ]
    with run_tasks_on_commit(execute=True):
        response = post_urls(librarian, items)
    report = librarian.get(response["Location"]).json()["report"]
    assert [r["code"] for r in report["refused"]] == ["private_address", "private_address"]
    assert "loopback" in report["refused"][0]["reason"]
    assert "link-local" in report["refused"][1]["reason"]
    assert not ProductAssetLink.objects.exists()


@pytest.mark.parametrize(
    ("items", "errors"),
    [
        (None, [("items", "required")]),
        ([], [("items", "required")]),
        ("http://x/a.jpg", [("items", "required")]),
        (["http://x/a.jpg"], [("items[0]", "invalid")]),
        (
            [{"url": "ftp://x/a.jpg", "sku": "AB_1", "role": "hero"}],
            [("items[0].url", "invalid_url")],
        ),
        ([{"url": "http://x/a.jpg", "role": "hero"}], [("items[0].sku", "one_owner")]),
        (
            [{"url": "http://x/a.jpg", "sku": "AB_1", "model": "m", "role": "hero"}],
            [("items[0].sku", "one_owner")],
        ),
        (
            [{"url": "http://x/a.jpg", "sku": "AB_1", "role": "nope"}],
            [("items[0].role", "unknown_role")],
        ),
        (
            [{"url": "http://x/a.jpg", "sku": "AB_1", "role": "hero", "position": -1}],
            [("items[0].position", "invalid")],
        ),
        (
            [{"url": "http://x/a.jpg", "sku": "AB_1", "role": "hero", "colour": "red"}],
            [("items[0].colour", "unknown_field")],
        ),
        ([{"url": "http://x/a.jpg", "sku": "NOPE", "role": "hero"}], [("items[0].sku", "unknown")]),
        (
            [{"url": "http://x/a.jpg", "model": "nope", "role": "hero"}],
            [("items[0].model", "unknown")],
        ),
        (
            [
                {"url": "http://x/a.jpg", "sku": "AB_1", "role": "hero"},
                {"url": 5, "sku": "AB_1", "role": "hero"},
            ],
            [("items[1].url", "required")],
        ),
    ],
)
def test_a_malformed_url_list_is_refused_whole(librarian, items, errors):
    response = librarian.post(URLS, {"items": items} if items is not None else {}, format="json")
    assert response.status_code == 422, response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == errors
    assert not Job.objects.exists()


def test_a_url_list_over_the_limit_or_with_unknown_fields_is_refused(librarian):
    item = {"url": "http://x/a.jpg", "sku": "AB_1", "role": "hero"}
    too_many = post_urls(librarian, [item] * (media_import.MAX_URL_ITEMS + 1))
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["code"] == "too_many"
    unknown = librarian.post(URLS, {"items": [item], "dry": True}, format="json")
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [("dry", "unknown_field")]
    listed = librarian.post(URLS, [item], format="json")
    assert listed.status_code == 422
    assert not Job.objects.exists()


def test_importing_urls_needs_asset_and_link_permissions(contributor):
    item = {"url": "http://x/a.jpg", "sku": "AB_1", "role": "hero"}
    assert post_urls(contributor, [item]).status_code == 403  # may add assets, not links


# --- the product import's path ---------------------------------------------------------------


def test_product_media_from_urls_links_what_it_can_and_never_raises(catalog_with_rules, server):
    ab_1 = product("AB_1")
    fetched = {}
    results = media_import.product_media_from_urls(
        product=ab_1,
        urls_by_role={
            "hero": [server.url("/p/AB_1-main.jpg"), " ", "not a url"],
            "side": [server.url("/p/missing.jpg"), "http://host.invalid/x.jpg"],
            "nope": [server.url("/p/model.jpg")],
        },
        fetched=fetched,
    )
    assert [(r["url"], r["role"], r["status"], r["code"]) for r in results] == [
        (server.url("/p/AB_1-main.jpg"), "hero", "linked", ""),
        ("not a url", "hero", "refused", "scheme"),
        (server.url("/p/missing.jpg"), "side", "refused", "http_status"),
        ("http://host.invalid/x.jpg", "side", "refused", "unresolvable"),
        (server.url("/p/model.jpg"), "nope", "refused", "unknown_role"),
    ]
    assert all(r["reason"] for r in results if r["status"] == "refused")
    assert list(ProductAssetLink.objects.values_list("product__sku", "role")) == [("AB_1", "hero")]
    # Again, sharing the fetched cache (the next product of the same import): nothing doubles.
    again = media_import.product_media_from_urls(
        product=ab_1, urls_by_role={"hero": [server.url("/p/AB_1-main.jpg")]}, fetched=fetched
    )
    assert again[0]["status"] == "linked" and ProductAssetLink.objects.count() == 1
    assert server.paths.count("/p/AB_1-main.jpg") == 1


def test_product_media_from_urls_links_a_product_model(catalog_with_rules, server):
    model = product_model_save(data={"code": "oxford", "family_variant": "shirts_by_color_size"})
    [result] = media_import.product_media_from_urls(
        product=model, urls_by_role={"front": [server.url("/p/model.jpg")]}
    )
    assert result["status"] == "linked"
    assert ProductAssetLink.objects.get().product_model == model


# --- the workbench page ----------------------------------------------------------------------


def test_an_uploader_imports_a_zip_from_the_workbench_and_lands_on_the_job(
    client, catalog_with_rules, run_tasks_on_commit
):
    client.force_login(person(roles.ASSET_CONTRIBUTOR, "connie"))
    library = client.get("/assets/").content.decode()
    assert 'href="/assets/import/"' in library
    page = client.get("/assets/import/")
    assert page.status_code == 200 and 'name="file"' in page.content.decode()
    with run_tasks_on_commit(execute=True):
        response = client.post("/assets/import/", {"file": [upload("shoot.zip", zip_of(SHOOT))]})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    shown = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Succeeded" in shown and "AB_1_hero_1.jpg" in shown and "path_traversal" in shown


def test_the_workbench_page_shows_why_nothing_started(client, catalog_with_rules):
    client.force_login(person(roles.ASSET_CONTRIBUTOR, "connie"))
    response = client.post("/assets/import/", {})
    assert response.status_code == 422
    assert "Send one or more files" in response.content.decode()
    assert not Job.objects.exists()


def test_the_workbench_page_needs_the_add_asset_permission(client, catalog_with_rules):
    client.force_login(person(roles.PRODUCT_EDITOR, "erin"))
    assert client.get("/assets/import/").status_code == 403
    assert 'href="/assets/import/"' not in client.get("/assets/").content.decode()
