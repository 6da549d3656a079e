"""The rendition pipeline on real images, videos and PDFs made here (small, so the file runs fast)."""

import io
import json
import shutil
import struct
import subprocess
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, JpegImagePlugin

from dam.renditions import (
    SUPPORTED_FORMATS,
    RenditionError,
    RenditionSpec,
    decode_image,
    pdf_preview,
    render_image,
    video_poster,
    video_preview,
)

RED, BLUE, GREEN, WHITE = (220, 20, 20), (20, 20, 220), (20, 200, 20), (255, 255, 255)
needs_ffmpeg = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed")
needs_poppler = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler is not installed")


def encoded(image: Image.Image, format: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def halves(size: tuple[int, int], left=RED, right=BLUE, mode="RGB") -> Image.Image:
    """An image whose left half is one colour and right half another."""
    image = Image.new(mode, size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def render(source: bytes, **spec) -> tuple[dict, Image.Image, bytes]:
    out = io.BytesIO()
    result = render_image(io.BytesIO(source), RenditionSpec(**spec), out)
    data = out.getvalue()
    image = Image.open(io.BytesIO(data))
    image.load()
    return result, image, data


def close(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


# -- geometry -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "spec", "expected"),
    [
        ((800, 400), {"width": 200, "height": 200}, (200, 100)),
        ((400, 800), {"width": 200, "height": 200}, (100, 200)),
        ((800, 400), {"width": 200}, (200, 100)),
        ((400, 800), {"height": 100}, (50, 100)),
        ((100, 50), {"width": 400, "height": 400}, (100, 50)),  # contain never upscales
        ((800, 400), {"width": 200, "height": 200, "fit": "cover"}, (200, 200)),
        ((400, 800), {"width": 300, "height": 100, "fit": "cover"}, (300, 100)),
        ((100, 50), {"width": 200, "height": 200, "fit": "cover"}, (200, 200)),  # fills the box
        ((800, 400), {"width": 200, "height": 200, "fit": "pad"}, (200, 200)),
        ((400, 800), {"width": 300, "height": 100, "fit": "pad"}, (300, 100)),
    ],
)
def test_fit_gives_the_size_of_the_box(source, spec, expected):
    result, image, _ = render(encoded(halves(source)), **spec)
    assert image.size == expected
    assert (result["width"], result["height"]) == expected
    assert (result["format"], result["mime"]) == ("jpeg", "image/jpeg")


@pytest.mark.parametrize(
    ("focal_point", "colour"), [((0.0, 0.5), RED), ((1.0, 0.5), BLUE), (None, None)]
)
def test_cover_crops_around_the_focal_point(focal_point, colour):
    source = encoded(halves((800, 400)), "PNG")
    _, image, _ = render(source, width=200, height=200, fit="cover", focal_point=focal_point)
    if colour:  # the whole square comes from the side the focal point is on
        assert close(image.getpixel((5, 100)), colour)
        assert close(image.getpixel((195, 100)), colour)
    else:  # centred: the seam runs down the middle
        assert close(image.getpixel((5, 100)), RED)
        assert close(image.getpixel((195, 100)), BLUE)


def test_pad_centres_the_image_on_the_background():
    _, image, _ = render(
        encoded(Image.new("RGB", (800, 400), RED), "PNG"),
        width=200,
        height=200,
        fit="pad",
        background="#14c814",
        format="png",
    )
    assert close(image.getpixel((100, 10)), GREEN, 2)  # the band above
    assert close(image.getpixel((100, 190)), GREEN, 2)  # the band below
    assert close(image.getpixel((100, 100)), RED, 2)


# -- decoding -----------------------------------------------------------------------------------


def test_jpeg_is_decoded_at_reduced_scale():
    source = encoded(Image.new("RGB", (1600, 1200), RED))
    decoded = decode_image(io.BytesIO(source), min_size=(200, 150))
    assert decoded.image.size == (200, 150)  # libjpeg's 1/8 scale
    assert decoded.original_size == (1600, 1200)
    assert decode_image(io.BytesIO(source)).image.size == (1600, 1200)


def test_a_width_only_spec_still_decodes_at_reduced_scale(monkeypatch):
    """A box on one axis only would make draft() keep full scale."""
    decoded_sizes = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def recording_draft(self, mode, size):
        answer = draft(self, mode, size)
        decoded_sizes.append(self.size)
        return answer

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", recording_draft)
    result, _, _ = render(encoded(Image.new("RGB", (1600, 1200), RED)), width=100)
    assert (result["width"], result["height"]) == (100, 75)
    assert decoded_sizes == [(200, 150)]  # twice the output at least, as thumbnail() keeps


def test_exif_orientation_is_applied_before_the_geometry():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored on its side: turn 90° clockwise to show
    source = encoded(halves((400, 200)), exif=exif)
    result, image, _ = render(source, width=100, height=100)
    assert (result["width"], result["height"]) == (50, 100)
    assert close(image.getpixel((25, 10)), RED)  # the stored left is now the top
    assert close(image.getpixel((25, 90)), BLUE)


def test_the_first_frame_of_an_animation_is_rendered():
    frames = [Image.new("RGB", (60, 40), colour) for colour in (RED, BLUE)]
    source = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    _, image, _ = render(source, width=30, format="png")
    assert close(image.getpixel((15, 10)), RED)


@pytest.mark.parametrize(
    ("mode", "colour", "format"),
    [
        ("L", 128, "PNG"),
        ("LA", (128, 200), "PNG"),
        ("P", 3, "GIF"),
        ("I;16", 40000, "PNG"),
        ("1", 1, "PNG"),
        ("CMYK", (0, 255, 255, 0), "JPEG"),  # no profile: Pillow's own conversion
        ("RGB", RED, "WEBP"),
        ("RGB", RED, "TIFF"),
    ],
)
def test_every_source_mode_comes_out_rgb(mode, colour, format):
    _, image, _ = render(encoded(Image.new(mode, (40, 30), colour), format), width=20)
    assert image.mode == "RGB"
    assert image.size == (20, 15)


# -- colour and metadata ------------------------------------------------------------------------


def s15_fixed16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def cmyk_profile() -> bytes:
    """A minimal ICC v2 CMYK profile whose A2B0 table turns inks without black into red.

    Pillow's profile-less CMYK conversion would make cyan ink cyan, so a red result proves
    the embedded profile was used. (LittleCMS still maps no ink at all to paper white.)
    """
    grid = 2
    ramp = bytes(range(256))
    lut = b"".join(
        (
            b"mft1",
            bytes(4),
            bytes((4, 3, grid, 0)),
            b"".join(s15_fixed16(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1)),
            ramp * 4,
            # C, M, Y vary slowest and K fastest: full black ink is black, anything else red.
            (bytes((128, 128 + 60, 128 + 40)) + bytes((0, 128, 128))) * grid**3,
            ramp * 3,
        )
    )
    name = b"Test CMYK"
    description = b"desc" + bytes(4) + struct.pack(">I", len(name) + 1) + name + bytes(1 + 78)
    d50 = s15_fixed16(0.9642) + s15_fixed16(1.0) + s15_fixed16(0.8249)
    tags = [(b"desc", description), (b"wtpt", b"XYZ " + bytes(4) + d50), (b"A2B0", lut)]
    offset = 128 + 4 + 12 * len(tags)
    table = body = b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = b"".join(
        (
            struct.pack(">I", offset + len(body)),
            b"lcms",
            bytes((2, 0x10, 0, 0)),
            b"prtrCMYKLab ",
            bytes(12),
            b"acsp",
            bytes(28),
            d50,
            bytes(48),
        )
    )
    return header + struct.pack(">I", len(tags)) + table + body


def test_cmyk_with_a_profile_comes_out_srgb():
    source = encoded(Image.new("CMYK", (80, 60), (255, 0, 0, 0)), icc_profile=cmyk_profile())
    _, image, _ = render(source, width=40)
    assert image.mode == "RGB"
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    red, green, blue = image.getpixel((20, 15))
    assert red > green + 60 and red > blue + 60  # the profile's red, not naive cyan


@pytest.mark.parametrize("format", SUPPORTED_FORMATS)
def test_metadata_is_stripped_and_srgb_embedded(format):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera Maker"
    exif[ExifTags.Base.ImageDescription] = "Secret shoot"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
    }
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>Secret XMP</rdf:RDF></x:xmpmeta>'
    source = encoded(Image.new("RGB", (80, 60), RED), exif=exif, xmp=xmp, comment=b"Secret comment")
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    _, image, data = render(source, width=40, format=format)
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert {"exif", "xmp", "XML:com.adobe.xmp", "comment"}.isdisjoint(image.info)
    for secret in (b"Exif", b"Camera Maker", b"Secret"):
        assert secret not in data
    assert "sRGB" in ImageCms.getProfileDescription(
        ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    )


@pytest.mark.parametrize(
    ("format", "mode"),
    [(f, "RGB" if f == "jpeg" else "RGBA") for f in SUPPORTED_FORMATS],
)
def test_each_format_decodes_back_with_its_alpha_rule(format, mode):
    source = Image.new("RGBA", (80, 60), (0, 0, 0, 0))
    source.paste((*BLUE, 255), (20, 15, 60, 45))
    result, image, _ = render(encoded(source, "PNG"), width=40, format=format, background="#dc1414")
    assert image.format.lower() == format
    assert (image.mode, image.size) == (mode, (40, 30))
    assert result["mime"] == f"image/{format}"
    corner = image.getpixel((1, 1))
    if format == "jpeg":
        assert close(corner, RED)  # flattened onto the background
    else:
        assert corner[3] < 10  # still transparent
    assert close(image.getpixel((20, 15)), BLUE)


def test_watermark_marks_the_bottom_right_corner_only():
    source = encoded(Image.new("RGB", (400, 300), (120, 120, 120)), "PNG")
    _, plain, _ = render(source, width=400, format="png")
    _, marked, _ = render(source, width=400, format="png", watermark="PREVIEW")
    changed = [
        (x, y)
        for x in range(0, 400, 4)
        for y in range(0, 300, 4)
        if plain.getpixel((x, y)) != marked.getpixel((x, y))
    ]
    assert changed
    assert all(x > 200 and y > 225 for x, y in changed)


# -- refusals -----------------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size: the pixels never come, as in a decompression bomb's header."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\0" * 64)
    idat_chunk = b"IDAT" + idat
    return (
        b"\x89PNG\r\n\x1a\n"
        + ihdr
        + struct.pack(">I", len(idat))
        + idat_chunk
        + struct.pack(">I", zlib.crc32(idat_chunk))
    )


@pytest.mark.parametrize(
    ("source", "max_pixels", "code"),
    [
        (png_header(30_000, 30_000), None, "too_large"),  # past Pillow's own bomb error
        (png_header(12_000, 10_000), None, "too_large"),  # past our 100 MP default
        (encoded(Image.new("RGB", (200, 100))), 10_000, "too_large"),  # the caller's limit
        (png_header(9_600, 10_000), None, "unreadable"),  # allowed size, but no pixels follow
        (encoded(Image.new("RGB", (200, 100), RED))[:300], None, "unreadable"),  # truncated
        (encoded(halves((200, 100)), "PNG")[:-40], None, "unreadable"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", None, "unreadable"),
        (b"not an image at all", None, "unreadable"),
    ],
)
def test_unsafe_or_broken_sources_are_refused(source, max_pixels, code):
    options = {"max_pixels": max_pixels} if max_pixels else {}
    with pytest.raises(RenditionError) as raised:
        render_image(io.BytesIO(source), RenditionSpec(width=100), io.BytesIO(), **options)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (RenditionSpec(), "width, a height"),
        (RenditionSpec(width=0), "between 1"),
        (RenditionSpec(width=True), "whole number"),
        (RenditionSpec(width=100, fit="stretch"), "Unknown fit"),
        (RenditionSpec(width=100, fit="cover"), "both a width and a height"),
        (RenditionSpec(width=100, format="gif"), "Unknown format"),
        (RenditionSpec(width=100, quality=0), "quality"),
        (RenditionSpec(width=100, background="not-a-colour"), "not a colour"),
        (RenditionSpec(width=100, height=100, fit="cover", focal_point=(1.5, 0)), "focal"),
        (RenditionSpec(width=100, watermark="x" * 201), "watermark"),
    ],
)
def test_spec_validation_names_each_problem(spec, problem):
    problems = spec.validate()
    assert len(problems) == 1 and problem in problems[0], problems
    with pytest.raises(RenditionError) as raised:
        render_image(io.BytesIO(encoded(Image.new("RGB", (10, 10)))), spec, io.BytesIO())
    assert raised.value.code == "invalid"


def test_a_good_spec_has_no_problems():
    spec = RenditionSpec(width=300, height=200, fit="cover", focal_point=(0.2, 0.8))
    assert spec.validate() == []


# -- video and PDF ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi"]
    command += ["-i", "testsrc=size=320x240:rate=10", "-f", "lavfi", "-i", "sine=duration=1"]
    command += ["-t", "1", "-pix_fmt", "yuv420p", "-metadata", "location=+48.85+002.35/"]
    subprocess.run([*command, str(path)], check=True, timeout=30)
    return path


@needs_ffmpeg
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (RenditionSpec(width=160, height=160), (160, 120)),
        (RenditionSpec(width=100, height=100, fit="cover", format="png"), (100, 100)),
    ],
)
def test_video_poster_is_a_frame_in_the_box(video, spec, expected):
    out = io.BytesIO()
    result = video_poster(str(video), spec, out)
    image = Image.open(io.BytesIO(out.getvalue()))
    assert image.size == expected == (result["width"], result["height"])
    assert image.format.lower() == spec.format


@needs_ffmpeg
def test_video_preview_is_small_silent_h264(video, tmp_path):
    out = tmp_path / "preview.mp4"
    result = video_preview(str(video), str(out), max_width=160)
    assert (result["width"], result["height"], result["mime"]) == (160, 120, "video/mp4")
    assert 0 < result["duration"] <= 10
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(out)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    described = json.loads(probe.stdout)
    assert [s["codec_name"] for s in described["streams"]] == ["h264"]
    assert "location" not in described["format"].get("tags", {})


@needs_ffmpeg
def test_a_file_that_is_no_video_is_refused(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"not a video")
    with pytest.raises(RenditionError):
        video_poster(str(path), RenditionSpec(width=100), io.BytesIO())
    with pytest.raises(RenditionError):
        video_preview(str(tmp_path / "missing.mp4"), str(tmp_path / "out.mp4"))


@needs_poppler
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (RenditionSpec(width=200, height=200), (141, 200)),
        (RenditionSpec(width=150, height=150, fit="cover"), (150, 150)),
        (RenditionSpec(width=600), (600, 849)),  # a vector page is drawn at the size asked for
    ],
)
def test_pdf_preview_is_the_first_page_in_the_box(tmp_path, spec, expected):
    path = tmp_path / "sheet.pdf"
    pages = [Image.new("RGB", (595, 842), colour) for colour in (RED, BLUE)]
    pages[0].save(path, "PDF", resolution=72, save_all=True, append_images=pages[1:])
    out = io.BytesIO()
    result = pdf_preview(str(path), spec, out)
    image = Image.open(io.BytesIO(out.getvalue()))
    assert image.size == expected == (result["width"], result["height"])
    assert close(image.getpixel((expected[0] // 2, expected[1] // 2)), RED)


@needs_poppler
def test_a_file_that_is_no_pdf_is_refused(tmp_path):
    path = tmp_path / "sheet.pdf"
    path.write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(RenditionError):
        pdf_preview(str(path), RenditionSpec(width=100), io.BytesIO())
