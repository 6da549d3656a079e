import threading

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from PIL import Image

from dam.models import Asset, Rendition, RenditionProfile
from dam.rendering import rendition_ensure, rendition_profile_save
from dam.views import rendition_path
from tests.dam import media
from tests.dam.conftest import upload

pytestmark = pytest.mark.django_db


def ingest(client, path, name=None):
    response = client.post(
        "/api/v1/assets",
        {"file": [upload(name or path.name, path.read_bytes())]},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:300]
    return response.json()["results"][0]["asset"]


@pytest.fixture
def thumbnail():
    return rendition_profile_save(
        code="thumb",
        changes={"width": 120, "height": 120, "format": "webp", "is_pregenerated": True},
    )


def test_pregenerated_renditions_are_made_after_upload(
    librarian, thumbnail, run_tasks_on_commit, tmp_path
):
    with run_tasks_on_commit(execute=True):
        asset = ingest(librarian, media.jpeg(tmp_path / "wide.jpg", size=(400, 200)))
    rendition = Rendition.objects.get()
    assert (rendition.status, rendition.mime, rendition.width, rendition.height) == (
        "done",
        "image/webp",
        120,
        60,
    )
    with default_storage.open(rendition.file) as file, Image.open(file) as image:
        assert (image.format, image.size) == ("WEBP", (120, 60))
    assert asset["renditions"]["thumb"].endswith(rendition_path(asset["uuid"], "thumb"))


def test_a_signed_url_makes_the_rendition_once_and_a_forged_one_is_refused(
    librarian, run_tasks_on_commit, tmp_path, client
):
    rendition_profile_save(code="zoom", changes={"width": 300, "height": 300})
    asset = ingest(librarian, media.jpeg(tmp_path / "a.jpg", size=(640, 480)))
    path = rendition_path(asset["uuid"], "zoom")
    first = client.get(path)
    assert first.status_code == 302
    assert client.get(path)["Location"] == first["Location"]  # made once, then from storage
    assert Rendition.objects.count() == 1
    signature = path.split("/")[2]
    assert client.get(path.replace(signature, signature[:-1] + "x")).status_code == 404
    assert client.get(path.replace("zoom", "thumb")).status_code == 404  # a size nobody was given


def test_renditions_follow_the_current_version_and_profile_changes(librarian, tmp_path):
    profile = rendition_profile_save(code="card", changes={"width": 100, "height": 100})
    asset_data = ingest(librarian, media.jpeg(tmp_path / "v1.jpg", size=(300, 300)))
    asset = Asset.objects.select_related("current_version").get(uuid=asset_data["uuid"])
    first = rendition_ensure(version=asset.current_version, profile=profile)
    rendition_profile_save(code="card", profile=profile, changes={"width": 50, "height": 50})
    again = rendition_ensure(
        version=asset.current_version, profile=RenditionProfile.objects.get(code="card")
    )
    assert (first.width, again.width) == (100, 50)
    assert again.file != first.file


def test_a_versioned_link_keeps_serving_its_version_after_a_new_upload(librarian, tmp_path, client):
    from dam.services import version_add

    rendition_profile_save(code="card", changes={"width": 100, "height": 100})
    asset_data = ingest(librarian, media.jpeg(tmp_path / "v1.jpg", size=(300, 150)))
    asset = Asset.objects.get(uuid=asset_data["uuid"])
    pinned = rendition_path(asset.uuid, "card", 1)
    with open(media.jpeg(tmp_path / "v2.jpg", size=(150, 300)), "rb") as file:
        version_add(asset=asset, name="v2.jpg", file=file)
    assert client.get(pinned).status_code == 302
    assert client.get(rendition_path(asset.uuid, "card")).status_code == 302
    by_version = {r.version.number: (r.width, r.height) for r in Rendition.objects.all()}
    assert by_version == {1: (100, 50), 2: (50, 100)}  # the pinned link made version 1's
    assert client.get(pinned.rsplit("/", 1)[0] + "/2").status_code == 404  # signed for 1 only
    assert client.get(rendition_path(asset.uuid, "card", 9)).status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fit": "cover", "width": 100}, "needs both"),
        ({"width": 100, "format": "bmp"}, "format"),
        ({}, "width"),
    ],
)
def test_an_impossible_profile_is_refused(admin_client, changes, message):
    response = admin_client.post(
        "/api/v1/rendition-profiles", {"code": "bad", **changes}, content_type="application/json"
    )
    assert response.status_code == 422
    assert message in str(response.json()["errors"])


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_make_one_rendition(librarian, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's test database is one in-memory connection: the service tier runs this"
        )
    profile = rendition_profile_save(code="race", changes={"width": 80, "height": 80})
    asset = Asset.objects.select_related("current_version").get(
        uuid=ingest(librarian, media.jpeg(tmp_path / "r.jpg", size=(500, 500)))["uuid"]
    )
    results, errors = [], []

    def request():
        try:
            results.append(rendition_ensure(version=asset.current_version, profile=profile).pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(results)) == 1
    assert Rendition.objects.count() == 1


def test_profiles_export_and_import_as_versionable_config(admin_client):
    rendition_profile_save(code="thumb", changes={"width": 200, "height": 200, "format": "webp"})
    exported = admin_client.get("/api/v1/rendition-profiles/export")
    assert exported["Content-Type"].startswith("application/yaml")
    text = exported.content.decode().replace("width: 200", "width: 240")
    text += "- code: hero\n  width: 1600\n  height: 900\n  fit: cover\n"
    response = admin_client.post(
        "/api/v1/rendition-profiles/import", text, content_type="application/yaml"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 1}
    assert RenditionProfile.objects.get(code="thumb").width == 240
    assert RenditionProfile.objects.get(code="hero").fit == "cover"


def test_an_import_with_one_bad_profile_changes_nothing(admin_client):
    document = {
        "tessera_rendition_profiles": 1,
        "profiles": [{"code": "ok", "width": 10}, {"code": "bad", "fit": "cover", "width": 10}],
    }
    response = admin_client.post(
        "/api/v1/rendition-profiles/import", document, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "profiles[1]"
    assert not RenditionProfile.objects.exists()
    bad_yaml = admin_client.post(
        "/api/v1/rendition-profiles/import", "a: [unclosed", content_type="application/yaml"
    )
    assert bad_yaml.status_code == 400
    python_object = admin_client.post(
        "/api/v1/rendition-profiles/import",
        "!!python/object/apply:os.system ['true']",
        content_type="application/yaml",
    )
    assert python_object.status_code == 400


def test_a_video_gets_a_poster_and_an_mp4_preview(librarian, tmp_path):
    poster = rendition_profile_save(code="poster", changes={"width": 160, "height": 160})
    preview = rendition_profile_save(code="clip", changes={"width": 48, "format": "mp4"})
    asset = Asset.objects.select_related("current_version").get(
        uuid=ingest(librarian, media.mp4(tmp_path / "spin.mp4", size=(64, 48)))["uuid"]
    )
    still = rendition_ensure(version=asset.current_version, profile=poster)
    clip = rendition_ensure(version=asset.current_version, profile=preview)
    assert (still.status, still.mime) == ("done", "image/jpeg")
    assert (clip.status, clip.mime, clip.width) == ("done", "video/mp4", 48), clip.error
    with default_storage.open(clip.file) as file:
        assert file.read(12)[4:8] == b"ftyp"  # an MP4 container


def test_an_mp4_profile_is_a_video_preview_only(librarian, tmp_path):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        rendition_profile_save(
            code="bad", changes={"width": 48, "height": 48, "fit": "cover", "format": "mp4"}
        )
    clip = rendition_profile_save(code="clip", changes={"width": 48, "format": "mp4"})
    image = Asset.objects.select_related("current_version").get(
        uuid=ingest(librarian, media.jpeg(tmp_path / "a.jpg"))["uuid"]
    )
    assert rendition_ensure(version=image.current_version, profile=clip).status == "failed"


@pytest.mark.parametrize(
    ("base", "state", "public"),
    [
        ("https://cdn.example.com/", "approved", True),
        ("https://cdn.example.com/", "draft", False),
        ("", "approved", False),
    ],
)
def test_approved_assets_renditions_go_to_the_public_base(
    librarian, client, settings, tmp_path, base, state, public
):
    settings.TESSERA_PUBLIC_RENDITION_BASE_URL = base
    rendition_profile_save(code="card", changes={"width": 100, "height": 100})
    asset = ingest(librarian, media.jpeg(tmp_path / "a.jpg", size=(300, 200)))
    Asset.objects.filter(uuid=asset["uuid"]).update(workflow_state=state)  # #5's workflow moves it
    response = client.get(rendition_path(asset["uuid"], "card"))
    assert response.status_code == 302
    rendition = Rendition.objects.get()
    if public:
        assert response["Location"] == f"https://cdn.example.com/{rendition.file}"
        assert response["Cache-Control"].startswith("public")
    else:
        assert not response["Location"].startswith("https://cdn.example.com")
        assert response["Cache-Control"].startswith("private")


def test_the_workflow_state_is_not_set_through_the_asset_api(librarian, tmp_path):
    asset = ingest(librarian, media.jpeg(tmp_path / "a.jpg"))
    response = librarian.patch(
        f"/api/v1/assets/{asset['uuid']}", {"workflow_state": "approved"}, format="json"
    )
    assert response.status_code == 422
    assert Asset.objects.get(uuid=asset["uuid"]).workflow_state == "draft"


def test_an_assets_renditions_are_listed_and_requested(librarian, tmp_path):
    rendition_profile_save(code="card", changes={"width": 100, "height": 100})
    asset = ingest(librarian, media.jpeg(tmp_path / "a.jpg", size=(300, 200)))
    assert librarian.get(f"/api/v1/assets/{asset['uuid']}/renditions").json() == []
    made = librarian.post(
        f"/api/v1/assets/{asset['uuid']}/renditions", {"profile": "card"}, format="json"
    )
    assert made.status_code == 201
    [row] = made.json()
    assert (row["profile"], row["status"], row["width"], row["height"]) == ("card", "done", 100, 67)
    assert (
        librarian.post(
            f"/api/v1/assets/{asset['uuid']}/renditions", {"profile": "nope"}, format="json"
        ).status_code
        == 422
    )
