"""Assets fetched from URLs through the outbound guard: a real HTTP server on loopback serves
real image bytes; private destinations are refused unless settings allow them (tests only)."""

import time

import pytest

from dam.models import Asset, AssetVersion
from dam.remote import FetchRefused, asset_fetch, url_filename
from tests.dam.conftest import image_bytes
from tests.dam.media import png_bytes
from tests.dam.media_server import MediaServer

pytestmark = pytest.mark.django_db

JPEG = image_bytes(color=(10, 120, 200))
PNG = png_bytes(size=(12, 9))


@pytest.fixture
def allow_private(settings):
    settings.TESSERA_MEDIA_FETCH_ALLOW_PRIVATE = True  # the server below is on loopback


@pytest.fixture
def server():
    routes = {
        "/shoot/AB_1_hero_1.jpg": (200, {"Content-Type": "image/jpeg"}, JPEG),
        "/copy/same.jpg": (200, {}, JPEG),
        "/img/Blue%20Shirt.png?size=large": (200, {"Content-Type": "image/png"}, PNG),
        "/missing.jpg": (404, {}, b"gone"),
        "/error.jpg": (500, {}, b"boom"),
        "/moved.jpg": (302, {"Location": "http://127.0.0.1:1/secret.jpg"}, b""),
        "/notes.txt": (200, {"Content-Type": "image/jpeg"}, b"Not a picture at all.\n" * 20),
        "/big.jpg": (200, {}, JPEG + bytes(5000)),
        "/big-unsized.jpg": (200, {"chunked": True}, [JPEG, bytes(5000)]),
        "/": (200, {}, JPEG),
    }
    with MediaServer(routes) as running:
        yield running


def test_a_url_is_fetched_and_ingested_under_its_path_name(server, allow_private, local_storage):
    ingested = asset_fetch(server.url("/shoot/AB_1_hero_1.jpg"))
    assert ingested.created and not ingested.duplicate
    version = ingested.version
    assert (version.original_filename, version.mime) == ("AB_1_hero_1.jpg", "image/jpeg")
    assert version.size == len(JPEG)
    with local_storage.open(version.file, "rb") as stored:
        assert stored.read() == JPEG


def test_the_same_bytes_from_two_urls_are_one_asset(server, allow_private, local_storage):
    first = asset_fetch(server.url("/shoot/AB_1_hero_1.jpg"))
    second = asset_fetch(server.url("/copy/same.jpg"))
    assert second.duplicate and second.asset.pk == first.asset.pk
    assert Asset.objects.count() == 1 and AssetVersion.objects.count() == 1


def test_the_file_name_comes_from_the_path_decoded_and_made_safe(
    server, allow_private, local_storage
):
    ingested = asset_fetch(server.url("/img/Blue%20Shirt.png?size=large"))
    assert ingested.version.original_filename == "Blue Shirt.png"
    assert url_filename("https://cdn.example.com/") == "download"
    assert url_filename("https://cdn.example.com/a/..%2F..%2Fetc%2Fpasswd") == "passwd"
    assert url_filename("https://cdn.example.com/x/%00evil%0A.jpg") == "evil.jpg"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/missing.jpg", "http_status"),
        ("/error.jpg", "http_status"),
        ("/notes.txt", "type_not_allowed"),  # judged from the bytes, not the Content-Type
    ],
)
def test_an_unusable_answer_is_refused_with_its_reason(
    server, allow_private, local_storage, path, code
):
    with pytest.raises(FetchRefused) as refused:
        asset_fetch(server.url(path))
    assert refused.value.code == code
    assert not Asset.objects.exists()


def test_a_redirect_is_not_followed(server, allow_private, local_storage):
    with pytest.raises(FetchRefused) as refused:
        asset_fetch(server.url("/moved.jpg"))
    assert refused.value.code == "redirect"
    assert "127.0.0.1:1/secret.jpg" in refused.value.message
    assert server.paths == ["/moved.jpg"]  # the Location was never asked for
    assert not Asset.objects.exists()


@pytest.mark.parametrize("path", ["/big.jpg", "/big-unsized.jpg"])
def test_a_body_over_the_upload_limit_is_refused(
    server, allow_private, local_storage, settings, path
):
    settings.TESSERA_MAX_UPLOAD_BYTES = len(JPEG) + 100  # declared or only seen while streaming
    with pytest.raises(FetchRefused) as refused:
        asset_fetch(server.url(path))
    assert refused.value.code == "too_large"
    assert not Asset.objects.exists()


def test_a_download_slower_than_the_time_limit_is_refused(allow_private, local_storage, settings):
    settings.TESSERA_MEDIA_FETCH_TIMEOUT = 0.5
    chunks = [JPEG[:100]] + [JPEG[100:][i : i + 50] for i in range(0, len(JPEG) - 100, 50)]
    started = time.monotonic()
    with (
        MediaServer({"/slow.jpg": (200, {}, chunks)}, pause=0.2) as slow,
        pytest.raises(FetchRefused) as refused,
    ):
        asset_fetch(slow.url("/slow.jpg"))
    assert refused.value.code == "timeout"
    # Each chunk came within the socket's timeout: the deadline for the whole download stopped
    # it, long before the server (about 0.2 s per chunk) would have finished.
    assert time.monotonic() - started < 0.2 * len(chunks) / 2


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/shoot/AB_1_hero_1.jpg", "a loopback address"),
        ("http://localhost:{port}/shoot/AB_1_hero_1.jpg", "a loopback address"),  # by name
        ("http://[::1]:{port}/x.jpg", "a loopback address"),
        ("http://10.1.2.3/x.jpg", "a private address"),
        ("http://192.168.0.10/x.jpg", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://[::ffff:127.0.0.1]:{port}/x.jpg", "a loopback address inside an IPv6 address"),
    ],
)
def test_private_destinations_are_refused_with_the_reason(
    server, local_storage, settings, url, reason
):
    assert settings.TESSERA_MEDIA_FETCH_ALLOW_PRIVATE is False  # the default
    with pytest.raises(FetchRefused) as refused:
        asset_fetch(url.format(port=server.port))
    assert refused.value.code == "private_address"
    assert reason in refused.value.message
    assert server.paths == []  # nothing was sent
    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/x.jpg", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("http://user:secret@example.com/x.jpg", "userinfo"),
        ("http://host.invalid/x.jpg", "unresolvable"),
        ("", "invalid_url"),
        ("http://" + "a" * 3000 + ".com/", "invalid_url"),
    ],
)
def test_malformed_urls_are_refused(db, url, code):
    with pytest.raises(FetchRefused) as refused:
        asset_fetch(url)
    assert refused.value.code == code


def test_a_refused_connection_is_reported_not_raised_as_a_crash(allow_private, local_storage):
    with MediaServer({}) as gone:
        port = gone.port  # closed when the block ends: nothing listens there any more
    with pytest.raises(FetchRefused) as refused:
        asset_fetch(f"http://127.0.0.1:{port}/x.jpg")
    assert refused.value.code == "request_failed"
