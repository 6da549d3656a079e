"""The metadata task as the worker runs it, on the tier's real storage (local or S3)."""

import pytest

from dam.models import AssetVersion, MetadataStatus
from tests.dam import media
from tests.dam.conftest import upload

pytestmark = pytest.mark.django_db


def ingest(client, path):
    response = client.post(
        "/api/v1/assets", {"file": [upload(path.name, path.read_bytes())]}, format="multipart"
    )
    assert response.status_code == 201, response.content[:300]
    return response.json()["results"][0]["asset"]["uuid"]


def test_extraction_fills_metadata_keywords_and_auto_tags(librarian, run_tasks_on_commit, tmp_path):
    with run_tasks_on_commit(execute=True):
        uuid = ingest(
            librarian, media.jpeg_with_keywords(tmp_path / "shoe.jpg", ["Summer", "Leather"])
        )
    asset = librarian.get(f"/api/v1/assets/{uuid}").json()
    version = asset["current_version"]
    assert version["metadata_status"] == MetadataStatus.DONE, version["metadata_error"]
    assert version["metadata"]["width"] > 0 and version["phash"]
    tags = {(t["name"], t["source"]) for t in asset["tags"]}
    assert {("summer", "embedded"), ("leather", "embedded")} <= tags
    assert any(source == "auto" for _, source in tags)
    assert librarian.get("/api/v1/assets?q=leather").json()["results"][0]["uuid"] == uuid


def test_extraction_is_idempotent(librarian, run_tasks_on_commit, tmp_path):
    from dam.services import version_metadata_extract

    with run_tasks_on_commit(execute=True):
        ingest(librarian, media.png_rgba(tmp_path / "logo.png"))
    version = AssetVersion.objects.get()
    assert version_metadata_extract(version_id=version.pk) == "done already"
    assert version_metadata_extract(version_id=version.pk + 999) == "gone"


def test_near_duplicates_are_listed_by_perceptual_hash(librarian, run_tasks_on_commit, tmp_path):
    from PIL import Image

    original = media.jpeg(tmp_path / "a.jpg", size=(400, 300))
    Image.open(original).resize((200, 150)).save(tmp_path / "b.jpg", quality=70)
    with run_tasks_on_commit(execute=True):
        first = ingest(librarian, original)
        second = ingest(librarian, tmp_path / "b.jpg")
    found = librarian.get(f"/api/v1/assets/{first}/duplicates").json()
    assert [d["uuid"] for d in found] == [second]
    assert found[0]["distance"] <= 8


def test_a_video_and_a_pdf_get_their_metadata(librarian, run_tasks_on_commit, tmp_path):
    with run_tasks_on_commit(execute=True):
        video = ingest(librarian, media.mp4(tmp_path / "spin.mp4"))
        document = ingest(librarian, media.pdf(tmp_path / "manual.pdf", pages=2))
    assert (
        librarian.get(f"/api/v1/assets/{video}").json()["current_version"]["metadata"]["duration"]
        > 0
    )
    assert (
        librarian.get(f"/api/v1/assets/{document}").json()["current_version"]["metadata"]["pages"]
        == 2
    )
