"""Each supported kind, ingested through the API with its metadata read by the task."""

import struct

import pytest

from tests.dam import media
from tests.dam.conftest import upload

pytestmark = pytest.mark.django_db


def glb(path):
    """The smallest valid binary glTF: a header and an empty JSON chunk."""
    body = b'{"asset":{"version":"2.0"}}  '
    chunk = struct.pack("<II", len(body), 0x4E4F534A) + body
    path.write_bytes(struct.pack("<4sII", b"glTF", 2, 12 + len(chunk)) + chunk)
    return path


@pytest.mark.parametrize(
    ("make", "name", "kind", "mime", "expected"),
    [
        (
            lambda p: media.jpeg(p, size=(120, 80)),
            "a.jpg",
            "image",
            "image/jpeg",
            {"width": 120, "orientation": "landscape"},
        ),
        (lambda p: media.cmyk_jpeg(p), "c.jpg", "image", "image/jpeg", {"color_mode": "CMYK"}),
        (lambda p: media.png_rgba(p), "t.png", "image", "image/png", {"has_alpha": True}),
        (lambda p: media.gif_animated(p), "g.gif", "image", "image/gif", {"animated": True}),
        (lambda p: media.webp(p), "w.webp", "image", "image/webp", {"width": 40}),
        (lambda p: media.tiff(p), "t.tif", "image", "image/tiff", {"dpi": [150, 150]}),
        (lambda p: media.svg(p), "v.svg", "vector", "image/svg+xml", {"width": 120}),
        (lambda p: media.mp4(p), "m.mp4", "video", "video/mp4", {"video_codec": "h264"}),
        (lambda p: media.mp3(p), "s.mp3", "audio", "audio/mpeg", {"audio_codec": "mp3"}),
        (lambda p: media.wav(p), "s.wav", "audio", "audio/x-wav", {"audio_codec": "pcm_s16le"}),
        (lambda p: media.pdf(p, pages=2), "d.pdf", "document", "application/pdf", {"pages": 2}),
        (glb, "m.glb", "3d", "model/gltf-binary", {}),
    ],
)
def test_each_kind_is_ingested_with_its_metadata(
    librarian, run_tasks_on_commit, tmp_path, make, name, kind, mime, expected
):
    path = make(tmp_path / name)
    with run_tasks_on_commit(execute=True):
        response = librarian.post(
            "/api/v1/assets", {"file": [upload(name, path.read_bytes())]}, format="multipart"
        )
    assert response.status_code == 201, response.content[:400]
    uuid = response.json()["results"][0]["asset"]["uuid"]
    asset = librarian.get(f"/api/v1/assets/{uuid}").json()
    version = asset["current_version"]
    assert (asset["kind"], version["mime"]) == (kind, mime)
    assert version["metadata_status"] == "done", version["metadata_error"]
    for key, value in expected.items():
        assert version["metadata"][key] == value, (key, version["metadata"])
