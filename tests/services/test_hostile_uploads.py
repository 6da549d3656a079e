"""Hostile uploads against the real stack (PostgreSQL, S3, a Celery worker): a corpus built here,
each file either ingested (its metadata and renditions made by the worker without error) or
refused with a specific 4xx problem; never a 5xx, never a stored key outside the storage
prefixes, and the worker's memory under 512 MB."""

import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from config.celery import app as celery_app
from dam.models import Asset, AssetVersion, MetadataStatus, Rendition, RenditionStatus
from dam.rendering import rendition_profile_save
from governance.models import Job, JobState
from tests.dam import media
from tests.dam.conftest import librarian, upload  # noqa: F401 - librarian is a fixture
from tests.linking.test_media_import import symlink, zip_of
from tests.services.test_celery_worker import wait_for

ASSETS = "/api/v1/assets"
IMPORTS = "/api/v1/media-imports"
PROBLEM = "application/problem+json"
PREFIXES = ("originals/", "renditions/", "imports/")
WORKER_MEMORY_LIMIT_KB = 512 * 1024
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"


# --- the corpus ---------------------------------------------------------------------------------


def jpeg_bytes(tmp_path, name, **kwargs) -> bytes:
    return media.jpeg_plain(tmp_path / name, **kwargs).read_bytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_flood(width: int, height: int, *, bit_depth=1, colour_type=0) -> bytes:
    """A PNG declaring width × height pixels whose rows are all zeros: kilobytes on disk."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row = b"\x00" * (1 + (width * channels * bit_depth + 7) // 8)  # filter byte + pixels
    compressor, body = zlib.compressobj(9), []
    for _ in range(height):
        body.append(compressor.compress(row))
    body.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"".join(body))
        + png_chunk(b"IEND", b"")
    )


def png_declared_only(width: int, height: int) -> bytes:
    """Huge declared dimensions and a few bytes of data: the decompression bomb's header."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def gif_of_frames(count: int, size=(2000, 2000)) -> bytes:
    """A GIF of `count` one-pixel frames on a large canvas: tens of bytes per frame."""
    frame = (
        b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 1/100 s
        + b"\x2c"
        + struct.pack("<HHHH", 0, 0, 1, 1)
        + b"\x00"
        + b"\x02\x02\x4c\x01\x00"  # LZW minimum code size 2, one pixel
    )
    return b"".join(
        [
            b"GIF89a",
            struct.pack("<HH", *size),
            b"\xf0\x00\x00",
            b"\x00\x00\x00\xff\xff\xff",
            b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00",
            frame * count,
            b"\x3b",
        ]
    )


def polyglot(tmp_path) -> bytes:
    """A real JPEG with HTML in a comment segment and more HTML after its end marker."""
    page = b"<html><body><script>alert(document.domain)</script></body></html>"
    path = media.with_jpeg_segment(
        media.jpeg_plain(tmp_path / "poly.jpg", size=(33, 21)), 0xFE, page
    )
    return path.read_bytes() + page


def xmp_xxe() -> str:
    return (
        '<?xml version="1.0"?><!DOCTYPE x:xmpmeta [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title><rdf:Alt><rdf:li>&xxe;</rdf:li></rdf:Alt></dc:title>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def animated_webp(tmp_path) -> bytes:
    frames = [media.picture((40, 30), variant=i % 3) for i in range(4)]
    path = tmp_path / "anim.webp"
    frames[0].save(path, "WEBP", save_all=True, append_images=frames[1:], duration=80, loop=0)
    return path.read_bytes()


def refused_corpus(tmp_path: Path) -> list:
    """(id, file name, bytes, status, code): each refused with that problem."""
    svg = f'<svg xmlns="{SVG}" xmlns:xlink="{XLINK}" width="10" height="10">'
    xhtml = '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
    truncated = jpeg_bytes(tmp_path, "whole.jpg", size=(320, 240))
    gif = media.gif(tmp_path / "whole.gif", size=(320, 240)).read_bytes()
    tiff = media.tiff(tmp_path / "whole.tif", size=(320, 240)).read_bytes()
    return [
        ("svg-script", "s.svg", f"{svg}<script>alert(1)</script></svg>", 422, "svg_active_content"),
        ("svg-onload", "o.svg", f'{svg}<rect onload="alert(1)"/></svg>', 422, "svg_active_content"),
        (
            "svg-http-ref",
            "h.svg",
            f'{svg}<image xlink:href="http://evil.example/x.png"/></svg>',
            422,
            "svg_active_content",
        ),
        (
            "svg-file-ref",
            "f.svg",
            f'{svg}<use xlink:href="file:///etc/passwd#x"/></svg>',
            422,
            "svg_active_content",
        ),
        (
            "svg-xxe",
            "x.svg",
            f'<!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]>{svg}&e;</svg>',
            422,
            "invalid_svg",
        ),
        (
            "html-as-jpg",
            "page.jpg",
            "<!DOCTYPE html><html><script>alert(1)</script></html>",
            415,
            "type_not_allowed",
        ),
        (
            "xhtml-as-png",
            "page.png",
            f"{xhtml}<script>alert(1)</script></body></html>",
            415,
            "type_not_allowed",
        ),
        (
            # An XHTML page holding an inline <svg> is not an SVG file, whatever libmagic says.
            "xhtml-with-svg",
            "page.png",
            f'{xhtml}<svg xmlns="{SVG}"><rect width="1" height="1"/></svg><p>hi</p></body></html>',
            422,
            "invalid_svg",
        ),
        (
            # 100 MP of RGBA: within the pixel limit, but 400 MB decoded (Pillow has no reduced
            # decode for PNG), more than a media worker holds.
            "rgba-flood-png",
            "rgba.png",
            png_flood(10_000, 10_000, bit_depth=8, colour_type=6),
            422,
            "decompression_bomb",
        ),
        (
            "pixel-flood-png",
            "flood.png",
            png_declared_only(100_000, 100_000),
            422,
            "decompression_bomb",
        ),
        ("truncated-gif", "cut.gif", gif[: len(gif) // 2], 422, "truncated_or_corrupt"),
        ("truncated-tiff", "cut.tif", tiff[: len(tiff) // 2], 422, "truncated_or_corrupt"),
        (
            "truncated-jpeg",
            "cut.jpg",
            truncated[: len(truncated) // 3],
            422,
            "truncated_or_corrupt",
        ),
    ]


def accepted_corpus(tmp_path: Path) -> list:
    """(id, file name as uploaded, bytes, the label it is kept under)."""
    long_name = "é" * 300 + ".jpg"
    return [
        ("polyglot-jpeg-html", "poly.jpg", polyglot(tmp_path), "poly.jpg"),
        (
            "traversal-name",
            "../../etc/passwd.jpg",
            jpeg_bytes(tmp_path, "t.jpg", size=(31, 17)),
            "passwd.jpg",
        ),
        ("nul-name", "a\x00b.jpg", jpeg_bytes(tmp_path, "n.jpg", size=(31, 18)), None),
        ("crlf-name", "a\r\nb.jpg", jpeg_bytes(tmp_path, "c.jpg", size=(31, 19)), None),
        ("long-name", long_name, jpeg_bytes(tmp_path, "l.jpg", size=(31, 20)), None),
        (
            "xmp-xxe",
            "xxe.jpg",
            media.jpeg_with_xmp(tmp_path / "xxe.jpg", xmp_xxe(), size=(29, 17)).read_bytes(),
            "xxe.jpg",
        ),
        (
            "xmp-billion-laughs",
            "laughs.jpg",
            media.jpeg_with_xmp(
                tmp_path / "lol.jpg", media.xmp_entity_bomb(), size=(29, 18)
            ).read_bytes(),
            "laughs.jpg",
        ),
        # At the pixel limit (100 MP), 12 KB on disk: the worker must not blow up decoding it.
        ("pixel-flood-at-limit", "flood.png", png_flood(10_000, 10_000), "flood.png"),
        # Just under the decoded-size limit (5,600 × 5,600 RGBA: 125 MB decoded).
        (
            "rgba-flood-under-limit",
            "rgba.png",
            png_flood(5_600, 5_600, bit_depth=8, colour_type=6),
            "rgba.png",
        ),
        ("gif-50000-frames", "frames.gif", gif_of_frames(50_000), "frames.gif"),
        (
            "cmyk-jpeg",
            "cmyk.jpg",
            media.cmyk_jpeg(tmp_path / "cmyk.jpg", size=(37, 23)).read_bytes(),
            "cmyk.jpg",
        ),
        (
            "png-16-bit",
            "deep.png",
            media.png_16bit(tmp_path / "deep.png", size=(37, 24)).read_bytes(),
            "deep.png",
        ),
        ("animated-webp", "anim.webp", animated_webp(tmp_path), "anim.webp"),
        (
            "tiff-300-pages",
            "pages.tif",
            media.tiff(tmp_path / "p.tif", size=(16, 12), pages=300).read_bytes(),
            "pages.tif",
        ),
    ]


# --- checks ------------------------------------------------------------------------------------


def bucket_keys() -> list[str]:
    client = default_storage.connection.meta.client
    keys, token = [], None
    while True:
        extra = {"ContinuationToken": token} if token else {}
        page = client.list_objects_v2(Bucket=default_storage.bucket_name, **extra)
        keys += [item["Key"] for item in page.get("Contents", [])]
        if not page.get("IsTruncated"):
            return keys
        token = page["NextContinuationToken"]


def assert_keys_under_prefixes(before: set[str]):
    """Every key stored since `before` (other modules' keys stay out of it) is under a prefix."""
    outside = [key for key in set(bucket_keys()) - before if not key.startswith(PREFIXES)]
    assert not outside, outside
    assert not [key for key in bucket_keys() if ".." in key or key.startswith("/")]


def worker_peak_rss_kb(hostname: str) -> int:
    """The worker process's peak resident memory (kB), read from /proc by the pid it reports."""
    stats = celery_app.control.inspect(destination=[hostname], timeout=5).stats()
    pid = stats[hostname]["pid"]
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for the worker (pid {pid})")


def post(client, name, data):
    return client.post(ASSETS, {"file": [upload(name, data)]}, format="multipart")


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hostile_files_are_refused_with_a_specific_problem(librarian, tmp_path):  # noqa: F811
    keys_before = set(bucket_keys())
    wrong = {}
    for ident, name, data, status, code in refused_corpus(tmp_path):
        data = data.encode() if isinstance(data, str) else data
        response = post(librarian, name, data)
        got = (response.status_code, response["Content-Type"])
        codes = (
            [e.get("code") for e in response.json().get("errors", [])] if got[1] == PROBLEM else []
        )
        if got != (status, PROBLEM) or codes != [code]:
            wrong[ident] = (got, codes, response.content[:200])
    assert not wrong, wrong
    assert not Asset.objects.exists()
    assert set(bucket_keys()) == keys_before  # nothing refused reached storage


@pytest.mark.django_db(transaction=True)
def test_hostile_files_that_are_valid_are_ingested_and_processed(
    celery_worker,
    librarian,  # noqa: F811
    tmp_path,
):
    keys_before = set(bucket_keys())
    rendition_profile_save(code="thumb", changes={"width": 200, "is_pregenerated": True})
    wrong, versions = {}, {}
    for ident, name, data, label in accepted_corpus(tmp_path):
        response = post(librarian, name, data)
        if response.status_code >= 500 or response.status_code not in (201, 400):
            wrong[ident] = (response.status_code, response.content[:300])
            continue
        if response.status_code == 400:
            # Only a name no multipart parser can read may be refused, and then as a problem.
            if ident != "crlf-name" or response["Content-Type"] != PROBLEM:
                wrong[ident] = (400, response.content[:300])
            continue
        version = response.json()["results"][0]["asset"]["current_version"]
        kept = version["original_filename"]
        if (label is not None and kept != label) or "/" in kept or any(ord(c) < 32 for c in kept):
            wrong[ident] = ("label", kept)
        versions[ident] = AssetVersion.objects.get(sha256=version["sha256"]).pk
    assert not wrong, wrong

    def processed():
        pending = AssetVersion.objects.filter(
            pk__in=versions.values(), metadata_status=MetadataStatus.PENDING
        ).exists()
        made = Rendition.objects.exclude(status="").count()  # "" while being made
        return not pending and made >= len(versions)

    assert wait_for(processed, timeout=45), "the worker did not process every upload"
    for ident, pk in versions.items():
        version = AssetVersion.objects.get(pk=pk)
        renditions = list(version.renditions.values_list("status", "error"))
        if version.metadata_status != MetadataStatus.DONE or renditions != [
            (RenditionStatus.DONE, "")
        ]:
            wrong[ident] = (version.metadata_status, version.metadata_error, renditions)
        elif "root:" in str(version.metadata):  # the XXE read nothing
            wrong[ident] = ("leak", version.metadata)
    assert not wrong, wrong
    flood = AssetVersion.objects.get(pk=versions["pixel-flood-at-limit"])
    assert (flood.metadata["width"], flood.metadata["height"]) == (10_000, 10_000)
    assert AssetVersion.objects.get(pk=versions["gif-50000-frames"]).metadata["frames"] == 50_000
    assert AssetVersion.objects.get(pk=versions["tiff-300-pages"]).metadata["frames"] == 300
    assert AssetVersion.objects.get(pk=versions["animated-webp"]).metadata["animated"] is True
    assert_keys_under_prefixes(keys_before)
    peak = worker_peak_rss_kb(celery_worker)
    assert peak < WORKER_MEMORY_LIMIT_KB, f"the worker peaked at {peak // 1024} MB"


@pytest.mark.django_db(transaction=True)
def test_hostile_zips_are_refused_entry_by_entry(celery_worker, librarian, tmp_path):  # noqa: F811
    keys_before = set(bucket_keys())
    good = jpeg_bytes(tmp_path, "good.jpg", size=(27, 19))
    archives = [
        ("climb.zip", zip_of([("../../etc/evil.jpg", good), ("ok/../../x.jpg", good)])),
        ("link.zip", zip_of([(symlink("passwd.jpg"), b"/etc/passwd")])),
        ("bomb.zip", zip_of([("zeros.jpg", b"\x00" * (8 * 1024 * 1024))])),
    ]
    assert len(archives[2][1]) * 1000 < 8 * 1024 * 1024  # a 1,000:1 ratio
    response = librarian.post(
        IMPORTS, {"file": [upload(name, data) for name, data in archives]}, format="multipart"
    )
    assert response.status_code == 202, response.content[:300]
    job_id = response.json()["id"]
    done = lambda: Job.objects.get(pk=job_id).state in (JobState.SUCCEEDED, JobState.FAILED)  # noqa: E731
    assert wait_for(done, timeout=30), "the worker did not run the import"
    job = Job.objects.get(pk=job_id)
    assert job.state == JobState.SUCCEEDED, job.report
    refused = sorted((r["file"], r["code"]) for r in job.report["refused"])
    assert refused == [
        ("bomb.zip", "compression_ratio"),
        ("climb.zip", "path_traversal"),
        ("climb.zip", "path_traversal"),
        ("link.zip", "symlink"),
    ]
    assert not Asset.objects.exists()

    def uploads_deleted():
        new = set(bucket_keys()) - keys_before
        return not [key for key in new if key.startswith("imports/")]

    assert wait_for(uploads_deleted, timeout=10)  # once the job has ended
    assert_keys_under_prefixes(keys_before)
    assert worker_peak_rss_kb(celery_worker) < WORKER_MEMORY_LIMIT_KB
