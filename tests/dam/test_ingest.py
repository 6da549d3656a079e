import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dam.models import Asset, AssetVersion
from tests.dam.conftest import image_bytes, upload
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def stored(data: bytes, extension: str) -> bool:
    digest = hashlib.sha256(data).hexdigest()
    return default_storage.exists(f"originals/{digest[:2]}/{digest[2:4]}/{digest}.{extension}")


def post(client, *files, **fields):
    return client.post("/api/v1/assets", {"file": list(files), **fields}, format="multipart")


def test_an_image_is_ingested_under_a_content_addressed_key(librarian):
    data = image_bytes()
    response = post(librarian, upload("../../etc/Red Tee Front.JPG", data))
    assert response.status_code == 201, response.json()
    [result] = response.json()["results"]
    assert (result["created"], result["duplicate"]) == (True, False)
    asset = result["asset"]
    assert asset["kind"] == "image"
    assert asset["code"] == "red_tee_front"
    version = asset["current_version"]
    assert version["sha256"] == hashlib.sha256(data).hexdigest()
    assert (version["mime"], version["size"], version["number"]) == ("image/jpeg", len(data), 1)
    assert version["original_filename"] == "Red Tee Front.JPG"  # a label, never a path
    assert stored(data, "jpg")
    assert AssetVersion.objects.get().file.startswith("originals/")


def test_the_type_comes_from_the_bytes_not_the_name(librarian):
    png = image_bytes(fmt="PNG")
    response = post(librarian, upload("photo.jpg", png))
    assert response.json()["results"][0]["asset"]["current_version"]["mime"] == "image/png"
    assert stored(png, "png")


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("page.jpg", b"<html><script>alert(1)</script></html>", 415, "type_not_allowed"),
        ("tool.png", b"MZ\x90\x00\x03" + b"\x00" * 200, 415, "type_not_allowed"),
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 200, 415, "type_not_allowed"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            422,
            "svg_active_content",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            422,
            "svg_active_content",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="https://evil.example/x.png"/></svg>',
            422,
            "svg_active_content",
        ),
        (
            "bomb.svg",
            b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg">&b;</svg>',
            422,
            "invalid_svg",
        ),
        ("cut.jpg", image_bytes(size=(400, 300))[:600], 422, "truncated_or_corrupt"),
        ("empty.jpg", b"", 422, "empty_file"),
    ],
)
def test_refused_files_get_a_specific_error_and_nothing_is_stored(
    librarian, name, data, status, code
):
    response = post(librarian, upload(name, data))
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("file[0]", code)]
    assert not Asset.objects.exists()
    assert not stored(data, "jpg") and not stored(data, "svg")


def test_a_decompression_bomb_is_refused_before_decoding(librarian, settings):
    settings.TESSERA_MAX_IMAGE_PIXELS = 100 * 100
    response = post(librarian, upload("huge.png", image_bytes(size=(101, 100), fmt="PNG")))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "decompression_bomb"


def test_an_oversize_file_is_refused_with_413(librarian, settings):
    settings.TESSERA_MAX_UPLOAD_BYTES = 500
    data = image_bytes(size=(301, 299))  # bytes no other test stores
    response = post(librarian, upload("big.jpg", data))
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "file_too_large"
    assert not stored(data, "jpg")


def test_every_file_of_a_request_is_checked_and_one_bad_file_stores_none(librarian):
    # Bytes no other test stores: the check below is that these never reached storage.
    good, bad = image_bytes(size=(61, 47), color=(1, 2, 3)), b"<html></html>"
    response = post(librarian, upload("a.jpg", good), upload("b.jpg", bad), upload("c.jpg", b"MZ"))
    assert response.status_code == 415
    assert [e["field"] for e in response.json()["errors"]] == ["file[1]", "file[2]"]
    assert not Asset.objects.exists()
    assert not stored(good, "jpg")


def test_a_clean_svg_is_accepted_as_a_vector(librarian):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>'
    response = post(librarian, upload("logo.svg", svg))
    assert response.status_code == 201, response.json()
    assert response.json()["results"][0]["asset"]["kind"] == "vector"


def test_exact_duplicates_answer_the_existing_asset(librarian):
    data = image_bytes(color=(9, 9, 9))
    first = post(librarian, upload("a.jpg", data)).json()["results"][0]["asset"]["uuid"]
    response = post(librarian, upload("copy.jpg", data))
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert (result["duplicate"], result["created"], result["asset"]["uuid"]) == (True, False, first)
    assert Asset.objects.count() == 1


def test_versions_upload_list_and_restore(librarian):
    one, two = image_bytes(color=(10, 10, 10)), image_bytes(color=(250, 250, 250))
    uuid = post(librarian, upload("shoe.jpg", one)).json()["results"][0]["asset"]["uuid"]
    response = librarian.post(
        f"/api/v1/assets/{uuid}/versions",
        {"file": upload("shoe-v2.jpg", two), "comment": "retouched"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["current_version"]["number"] == 2
    restored = librarian.post(f"/api/v1/assets/{uuid}/versions/1/restore", format="json")
    assert restored.status_code == 201
    current = restored.json()["current_version"]
    assert (current["number"], current["restored_from"], current["sha256"]) == (
        3,
        1,
        hashlib.sha256(one).hexdigest(),
    )
    listed = librarian.get(f"/api/v1/assets/{uuid}/versions").json()
    assert [(v["number"], v["comment"]) for v in listed] == [
        (3, "Restored version 1"),
        (2, "retouched"),
        (1, ""),
    ]
    assert listed[1]["uploaded_by"] == "librarian"


@pytest.mark.parametrize(
    ("data", "code"),
    [(image_bytes(color=(10, 10, 10)), "same_as_current"), (b"%PDF-1.4\n%%EOF\n", "kind_mismatch")],
)
def test_a_new_version_must_differ_and_keep_the_kind(librarian, data, code):
    uuid = post(librarian, upload("shoe.jpg", image_bytes(color=(10, 10, 10)))).json()["results"][
        0
    ]["asset"]["uuid"]
    response = librarian.post(
        f"/api/v1/assets/{uuid}/versions", {"file": upload("x", data)}, format="multipart"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == code


def test_descriptive_metadata_merges_per_locale_with_if_match(librarian):
    uuid = post(librarian, upload("shoe.jpg", image_bytes())).json()["results"][0]["asset"]["uuid"]
    etag = librarian.get(f"/api/v1/assets/{uuid}")["ETag"]
    response = librarian.patch(
        f"/api/v1/assets/{uuid}",
        {
            "title": {"en_US": "Shoe"},
            "alt_text": {"fr_FR": "Chaussure"},
            "tags": ["Summer", "summer", "red"],
        },
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == {"en_US": "Shoe"} and body["alt_text"] == {"fr_FR": "Chaussure"}
    assert [t["name"] for t in body["tags"]] == ["red", "summer"]
    stale = librarian.patch(
        f"/api/v1/assets/{uuid}", {"title": {"en_US": "Boot"}}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    bad = librarian.patch(
        f"/api/v1/assets/{uuid}", {"title": {"xx_XX": "?"}, "kind": "video"}, format="json"
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"title", "kind"}
    assert librarian.get("/api/v1/assets?q=shoe").json()["results"][0]["uuid"] == uuid


def test_anonymous_and_readers_cannot_upload(api_client, db):
    assert post(api_client, upload("a.jpg", image_bytes())).status_code in (401, 403)
    api_client.force_authenticate(UserFactory())
    assert post(api_client, upload("a.jpg", image_bytes())).status_code == 403
    assert not Asset.objects.exists()


def test_list_query_count_does_not_grow(librarian):
    counts = {}
    for total in (3, 30):
        post(
            librarian,
            *[
                upload(f"{total}-{n}.png", image_bytes(color=(total, n, 1), fmt="PNG"))
                for n in range(total - Asset.objects.count())
            ],
        )
        with CaptureQueriesContext(connection) as queries:
            response = librarian.get("/api/v1/assets?page_size=100")
        assert len(response.json()["results"]) == total
        counts[total] = len(queries)
    assert counts[3] == counts[30], counts


def test_the_admin_uploads_through_the_service_and_shows_refusals_inline(admin_client):
    from tests.dam.conftest import upload as make

    response = admin_client.post(
        "/admin/dam/asset/add/", {"upload": make("x.jpg", b"<html></html>")}
    )
    assert response.status_code == 200
    assert "are not accepted" in response.content.decode()
    assert not Asset.objects.exists()
    response = admin_client.post(
        "/admin/dam/asset/add/", {"upload": make("Red Tee.jpg", image_bytes())}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    asset = Asset.objects.get()
    assert asset.code == "red_tee"
    page = admin_client.get(f"/admin/dam/asset/{asset.pk}/change/").content.decode()
    assert '<img src="/r/' in page  # a rendition, not the original
    listing = admin_client.get("/admin/dam/asset/").content.decode()
    assert "red_tee" in listing


def test_without_libmagic_uploads_fail_closed(librarian, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "magic", None)  # as on a machine without libmagic1
    data = image_bytes(color=(3, 1, 4))
    response = post(librarian, upload("a.jpg", data))
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "sniffer_unavailable"
    assert not Asset.objects.exists() and not stored(data, "jpg")


def test_the_asset_changelist_query_count_does_not_grow(admin_client):
    from dam.admin import admin_preview_profile
    from dam.services import assets_ingest

    admin_preview_profile()  # made by the first page view; not what is measured

    counts = {}
    for total in (2, 20):
        have = Asset.objects.count()
        assets_ingest(
            uploads=[
                (f"{total}-{n}.png", io.BytesIO(image_bytes(color=(total, n, 7), fmt="PNG")))
                for n in range(total - have)
            ]
        )
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/admin/dam/asset/").status_code == 200
        counts[total] = len(queries)
    assert counts[2] == counts[20], counts


def test_avif_is_checked_like_any_raster_and_heic_is_not_accepted(librarian, settings):
    from PIL import features

    settings.TESSERA_MAX_IMAGE_PIXELS = 10 * 10
    if features.check("avif"):
        avif = image_bytes(size=(20, 20), fmt="AVIF")
        response = post(librarian, upload("big.avif", avif))
        assert response.json()["errors"][0]["code"] == "decompression_bomb"
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    assert post(librarian, upload("photo.heic", heic)).status_code == 415


def test_a_multi_file_upload_reads_its_answer_in_constant_queries(librarian):
    counts = {}
    for total in (2, 12):
        files = [
            upload(f"q{total}-{n}.png", image_bytes(color=(total, n, 9), fmt="PNG"))
            for n in range(total)
        ]
        with CaptureQueriesContext(connection) as queries:
            assert post(librarian, *files).status_code == 201
        reads = [
            q for q in queries.captured_queries if q["sql"].startswith('SELECT "dam_asset"."id"')
        ]
        counts[total] = len(reads)
    assert counts[2] == counts[12], counts
