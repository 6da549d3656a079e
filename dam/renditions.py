"""The rendition pipeline: pure functions from a source (image, video, PDF) to an encoded rendition.

No models, no storage: the caller hands in a readable source and a writable target, and gets
back what was written. Everything a source can carry besides its pixels (EXIF with GPS, XMP,
IPTC, comments, video metadata) is left behind; colours come out in sRGB with the sRGB profile
embedded; a source that cannot be read, is too large or makes a tool fail raises
`RenditionError`, never anything else from the decoders.

Speed comes from decoding less: a JPEG is decoded by libjpeg at 1/2, 1/4 or 1/8 scale
(`Image.draft`) to no less than twice the pixels the rendition needs, the same quality margin
`Image.thumbnail` keeps, and colour conversion, watermarking and padding happen on the small
image.
"""

import dataclasses
import functools
import io
import math
import os
import struct
import subprocess
import warnings
from typing import BinaryIO

from PIL import ExifTags, Image, ImageCms, ImageColor, ImageDraw, ImageFont, ImageOps, features

DEFAULT_MAX_PIXELS = 100_000_000
MAX_DIMENSION = 10_000
FITS = ("contain", "cover", "pad")
MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif"}
SUPPORTED_FORMATS: tuple[str, ...] = (
    "jpeg",
    "png",
    *(name for name in ("webp", "avif") if features.check(name)),
)
# What render_image opens. Pillow's other plugins stay shut: EPS would run Ghostscript on an upload.
READABLE_FORMATS: tuple[str, ...] = (
    *("JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP", "PPM"),
    *(("AVIF",) if features.check("avif") else ()),
)
# ffmpeg reads only local files, and only through these demuxers: playlists (hls, concat) that
# could point it at other files or the network are refused.
VIDEO_DEMUXERS = "mov,mp4,matroska,webm,avi,mpeg,mpegts,flv,asf,ogg,mxf"
VIDEO_PREVIEW_SECONDS = 10
REDUCING_GAP = 2.0  # decode to at least twice the output size, then resample: thumbnail's margin
PDF_RENDER_MAX_PIXELS = 40_000_000
SHRINK_FIRST_PIXELS = 4096 * 4096  # above this, modes that widen are cut down before converting
DEFAULT_TIMEOUT = 60.0

# Everything Pillow raises for a file it cannot decode (its fuzzing harness lists the same).
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    NotImplementedError,
    OverflowError,
    MemoryError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)
_ROTATED_ORIENTATIONS = {5, 6, 7, 8}  # the EXIF orientations that swap width and height


class RenditionError(Exception):
    """A rendition could not be made; `code` says why, for the caller to record."""

    def __init__(self, message: str, *, code: str = "unreadable"):
        super().__init__(message)
        self.code = code


@dataclasses.dataclass(frozen=True)
class RenditionSpec:
    """What a rendition looks like: a box, how the image fits it, and how it is encoded.

    contain fits inside the box keeping proportions and never upscales; cover fills the box
    exactly, cropping around `focal_point` (default the centre) and upscaling a smaller source;
    pad is contain centred on a canvas of exactly the box in `background`. `quality` is ignored
    by PNG; `background` also flattens transparency into a JPEG.
    """

    width: int | None = None
    height: int | None = None
    fit: str = "contain"
    format: str = "jpeg"
    quality: int = 82
    background: str = "#ffffff"
    focal_point: tuple[float, float] | None = None
    watermark: str = ""

    def validate(self) -> list[str]:
        """Every problem with this spec, human-readable; [] when it can be rendered."""
        problems = []
        if self.width is None and self.height is None:
            problems.append("Give a width, a height or both.")
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"The {name} must be a whole number of pixels.")
            elif not 1 <= value <= MAX_DIMENSION:
                problems.append(f"The {name} must be between 1 and {MAX_DIMENSION} pixels.")
        if self.fit not in FITS:
            problems.append(f"Unknown fit {self.fit!r}: use one of {', '.join(FITS)}.")
        elif self.fit != "contain" and (self.width is None or self.height is None):
            problems.append(f"The {self.fit} fit needs both a width and a height.")
        if self.format not in MIME_TYPES:
            problems.append(f"Unknown format {self.format!r}: use one of {', '.join(MIME_TYPES)}.")
        elif self.format not in SUPPORTED_FORMATS:
            problems.append(f"This server's Pillow cannot write {self.format}.")
        if not isinstance(self.quality, int) or isinstance(self.quality, bool):
            problems.append("The quality must be a whole number.")
        elif not 1 <= self.quality <= 100:
            problems.append("The quality must be between 1 and 100.")
        try:
            ImageColor.getrgb(self.background)
        except (ValueError, AttributeError, TypeError):
            problems.append(f"The background {self.background!r} is not a colour.")
        if self.focal_point is not None and not _is_focal_point(self.focal_point):
            problems.append("The focal point must be two numbers (x, y) between 0 and 1.")
        if not isinstance(self.watermark, str):
            problems.append("The watermark must be text.")
        elif len(self.watermark) > 200:
            problems.append("The watermark must be at most 200 characters.")
        return problems


@dataclasses.dataclass(frozen=True)
class DecodedImage:
    """A source's first frame, upright, possibly decoded at reduced scale."""

    image: Image.Image
    original_size: tuple[int, int]  # the source's full size, upright (what an asset records)


def decode_image(
    source: BinaryIO,
    *,
    min_size: tuple[int, int] | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> DecodedImage:
    """Open, check and decode a source image, upright, its first frame only.

    With `min_size` (upright, both axes), a JPEG is decoded at the smallest DCT scale that is
    still at least that large: what a perceptual hash or a thumbnail needs, at a fraction of
    the time and memory.
    """
    image, size, orientation = _open(source, max_pixels=max_pixels)
    _load(image, min_size=min_size, orientation=orientation)
    return DecodedImage(image=image, original_size=size)


def render_image(
    source: BinaryIO, spec: RenditionSpec, out: BinaryIO, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> dict:
    """Write the rendition of the image in `source` described by `spec` to `out`.

    Returns {"width", "height", "format", "mime"} of what was written. Raises RenditionError
    for an invalid spec, an unreadable, truncated or over-large source (`max_pixels`).
    """
    _check(spec)
    image, size, orientation = _open(source, max_pixels=max_pixels)
    icc_profile = image.info.get("icc_profile")
    plan = _plan(spec, size)
    needed = tuple(min(side, math.ceil(side * plan.scale * REDUCING_GAP)) for side in size)
    _load(image, min_size=needed, orientation=orientation)
    image = _resample(_normalise_mode(_shrunk_for_conversion(image, needed)), plan, size)
    image = _to_srgb(image, icc_profile)
    if spec.fit == "pad":
        image = _pad(image, (spec.width, spec.height), spec.background)
    if spec.watermark:
        image = _watermark(image, spec.watermark)
    if spec.format == "jpeg" and image.mode == "RGBA":
        image = _flatten(image, spec.background)
    encoded = _encode(image, spec)
    out.write(encoded)
    return {
        "width": image.width,
        "height": image.height,
        "format": spec.format,
        "mime": MIME_TYPES[spec.format],
    }


def video_poster(
    path: str,
    spec: RenditionSpec,
    out: BinaryIO,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """Render the frame at about 10% of the video's duration (the first frame of a short one)."""
    _check(spec)
    duration = _video_duration(path, timeout=timeout)
    frame = _video_frame(path, at=duration * 0.1, timeout=timeout)
    if not frame and duration:
        frame = _video_frame(path, at=0.0, timeout=timeout)  # a duration longer than the frames
    if not frame:
        raise RenditionError("The video has no frame to show.", code="unreadable")
    return render_image(io.BytesIO(frame), spec, out, max_pixels=max_pixels)


def video_preview(
    path: str, out_path: str, max_width: int = 480, *, timeout: float = DEFAULT_TIMEOUT
) -> dict:
    """Write a short H.264 MP4 (no audio, no metadata, at most 10 s, 30 fps, `max_width` wide)."""
    if not isinstance(max_width, int) or not 16 <= max_width <= MAX_DIMENSION:
        raise RenditionError(f"max_width must be between 16 and {MAX_DIMENSION}.", code="invalid")
    scale = (
        "scale=iw*sar:ih,setsar=1,"  # square pixels first, so an anamorphic video is not squeezed
        f"scale=w='trunc(min(iw,{max_width})/2)*2':h=-2"  # H.264 4:2:0 wants even sides
    )
    _run(
        [
            "ffmpeg",
            "-nostdin",
            *_FFMPEG_INPUT_OPTIONS,
            "-y",
            "-i",
            _ffmpeg_file(path),
            "-map",
            "0:v:0",
            "-t",
            str(VIDEO_PREVIEW_SECONDS),
            "-an",
            "-sn",
            "-dn",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-vf",
            scale,
            "-fpsmax",
            "30",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "28",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            _ffmpeg_file(out_path),
        ],
        timeout=timeout,
    )
    stream = _video_stream(out_path, timeout=timeout)
    return {
        "width": stream["width"],
        "height": stream["height"],
        "format": "mp4",
        "mime": "video/mp4",
        "duration": stream["duration"],
    }


def pdf_preview(
    path: str,
    spec: RenditionSpec,
    out: BinaryIO,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """Render the first page (its crop box) at the resolution the spec needs, then encode it."""
    _check(spec)
    page = _pdf_page_size(path, timeout=timeout)
    plan = _plan(spec, page, upscale=True)  # vector pages have no pixel size to stay under
    if spec.fit == "contain":  # the page's own proportions, not those of the rounded raster
        spec = dataclasses.replace(spec, width=plan.size[0], height=plan.size[1])
    width, height = page[0] * plan.scale, page[1] * plan.scale
    gap = min(REDUCING_GAP, math.sqrt(PDF_RENDER_MAX_PIXELS / max(1.0, width * height)))
    pixels_wide = max(1, math.ceil(width * max(1.0, gap)))
    rendered = _run(
        [
            "pdftoppm",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-cropbox",
            "-scale-to-x",
            str(pixels_wide),
            "-scale-to-y",
            "-1",
            _absolute(path),
        ],
        timeout=timeout,
    )
    if not rendered:
        raise RenditionError("The PDF's first page could not be rendered.", code="unreadable")
    return render_image(io.BytesIO(rendered), spec, out, max_pixels=max_pixels)


# -- decoding -----------------------------------------------------------------------------------


def _check(spec: RenditionSpec) -> None:
    if problems := spec.validate():
        raise RenditionError(" ".join(problems), code="invalid")


def _is_focal_point(value) -> bool:
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(
            isinstance(n, int | float) and not isinstance(n, bool) and 0 <= n <= 1 for n in value
        )
    )


def _open(source: BinaryIO, *, max_pixels: int) -> tuple[Image.Image, tuple[int, int], int]:
    """The lazily opened image, its upright size and its EXIF orientation; nothing decoded yet."""
    try:
        # Our own limit below replaces Pillow's warning (at 89 MP); its error (179 MP) still holds.
        # catch_warnings is process-wide state: renditions run in worker processes, not threads.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source, formats=READABLE_FORMATS)
    except Image.DecompressionBombError as error:
        raise RenditionError(str(error), code="too_large") from error
    except _DECODE_ERRORS as error:
        raise RenditionError(f"Not a readable image: {error}", code="unreadable") from error
    width, height = image.size
    if width < 1 or height < 1:
        raise RenditionError("The image has no pixels.", code="unreadable")
    if width * height > max_pixels:
        raise RenditionError(
            f"The image has {width * height:,} pixels; at most {max_pixels:,} are rendered.",
            code="too_large",
        )
    orientation = _orientation(image)
    if orientation in _ROTATED_ORIENTATIONS:
        width, height = height, width
    return image, (width, height), orientation


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return 1  # unreadable EXIF: show the pixels as stored
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _load(image: Image.Image, *, min_size: tuple[int, int] | None, orientation: int) -> None:
    """Decode the first frame (at reduced scale where the format allows it), upright."""
    try:
        if min_size and image.format == "JPEG":
            box = tuple(min_size)
            if orientation in _ROTATED_ORIENTATIONS:
                box = box[::-1]
            # Both axes matter: draft picks the scale that keeps *both* at least this large.
            image.draft("RGB", (max(1, box[0]), max(1, box[1])))
        image.load()
        if orientation != 1:
            ImageOps.exif_transpose(image, in_place=True)
    except _DECODE_ERRORS as error:
        raise RenditionError(
            f"The image could not be decoded: {error}", code="unreadable"
        ) from error


def _shrunk_for_conversion(image: Image.Image, needed: tuple[int, int]) -> Image.Image:
    """A huge image that _normalise_mode would widen (palette, 1-bit, 16-bit) cut down to
    `needed` in its own mode first: converted whole, a palette PNG at the pixel limit (kilobytes
    on disk) would take 300 MB as RGB. Nearest, the one resampling those modes have; `needed`
    keeps the reducing gap, so the final resampling still smooths."""
    keeps_mode = image.mode in ("RGB", "RGBA", "L", "LA", "CMYK")
    if keeps_mode and "transparency" not in image.info:
        return image
    if image.width * image.height <= SHRINK_FIRST_PIXELS or image.size == needed:
        return image
    return image.resize(needed, Image.Resampling.NEAREST)


def _normalise_mode(image: Image.Image) -> Image.Image:
    """A mode that resamples well: RGB(A), L(A) or CMYK; palettes and 16-bit greys converted."""
    transparent = "transparency" in image.info
    if image.mode in ("RGB", "RGBA", "L", "LA", "CMYK") and not transparent:
        return image
    if image.mode.startswith("I"):  # 16-bit grey (PNG, TIFF): keep the top 8 bits
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    alpha = transparent or image.mode in ("PA", "RGBa", "La", "LA", "RGBA")
    return image.convert("RGBA" if alpha else "RGB")


# -- geometry -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Plan:
    scale: float  # output pixels per source pixel
    size: tuple[int, int]  # the resampled image
    crop: tuple[float, float, float, float]  # the part of the source it shows, source pixels


def _plan(spec: RenditionSpec, size: tuple[float, float], *, upscale: bool = False) -> _Plan:
    width, height = size
    if spec.fit == "cover":
        scale = max(spec.width / width, spec.height / height)
        crop_width, crop_height = spec.width / scale, spec.height / scale
        focus_x, focus_y = spec.focal_point or (0.5, 0.5)
        left = min(max(focus_x * width - crop_width / 2, 0.0), width - crop_width)
        top = min(max(focus_y * height - crop_height / 2, 0.0), height - crop_height)
        crop = (left, top, left + crop_width, top + crop_height)
        return _Plan(scale=scale, size=(spec.width, spec.height), crop=crop)
    ratios = [spec.width / width] if spec.width else []
    ratios += [spec.height / height] if spec.height else []
    scale = min(ratios) if upscale else min([*ratios, 1.0])  # contain and pad never upscale
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    if spec.width:
        target = (min(target[0], spec.width), target[1])
    if spec.height:
        target = (target[0], min(target[1], spec.height))
    return _Plan(scale=scale, size=target, crop=(0.0, 0.0, float(width), float(height)))


def _resample(image: Image.Image, plan: _Plan, original: tuple[int, int]) -> Image.Image:
    """Crop and resize in one pass, mapping source coordinates onto the (drafted) decode."""
    across, down = image.width / original[0], image.height / original[1]
    left, top, right, bottom = plan.crop
    box = (left * across, top * down, right * across, bottom * down)
    if image.size == plan.size and box == (0, 0, image.width, image.height):
        return image
    return image.resize(plan.size, Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)


def _pad(image: Image.Image, box: tuple[int, int], background: str) -> Image.Image:
    colour = _rgba(background)
    transparent = image.mode == "RGBA" or colour[3] < 255
    canvas = Image.new("RGBA" if transparent else "RGB", box, colour if transparent else colour[:3])
    offset = ((box[0] - image.width) // 2, (box[1] - image.height) // 2)
    if transparent:
        canvas.alpha_composite(image.convert("RGBA"), offset)
    else:
        canvas.paste(image, offset)
    return canvas


# -- colour, watermark, encoding ----------------------------------------------------------------


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """RGB or RGBA in sRGB: the embedded profile (CMYK, Adobe RGB, grey…) converted by LittleCMS."""
    alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") else None
    colour = image.convert(image.mode[:-1]) if alpha else image
    transform = _transform(icc_profile, colour.mode) if icc_profile else None
    if transform is not None:
        colour = transform.apply(colour)
    elif colour.mode != "RGB":
        colour = colour.convert("RGB")  # no usable profile: Pillow's plain CMYK/grey conversion
    if alpha:
        colour.putalpha(alpha)
    return colour


@functools.lru_cache(maxsize=32)
def _transform(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Built once per distinct profile: parsing it and building the LUT cost more than applying it."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.buildTransform(
            source, _srgb_profile(), mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken or mismatched profile: the rendition still gets made


@functools.lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@functools.lru_cache(maxsize=1)
def _srgb_bytes() -> bytes:
    return _srgb_profile().tobytes()


def _rgba(colour: str) -> tuple[int, int, int, int]:
    value = ImageColor.getrgb(colour)
    return (*value[:3], value[3] if len(value) == 4 else 255)


def _flatten(image: Image.Image, background: str) -> Image.Image:
    canvas = Image.new("RGB", image.size, _rgba(background)[:3])
    canvas.paste(image, mask=image.getchannel("A"))
    return canvas


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _watermark(image: Image.Image, text: str) -> Image.Image:
    """The text, half-transparent white outlined in black (visible on any picture), bottom-right."""
    size = max(8, round(min(image.size) * 0.06))
    margin = max(2, size // 2)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    stroke = max(1, size // 12)
    left, _, right, bottom = draw.textbbox((0, 0), text, font=_font(size), stroke_width=stroke)
    room = image.width - 2 * margin
    if right - left > room and size > 8:  # a long text on a small image: shrink it to fit
        size = max(8, int(size * room / (right - left)))
        stroke = max(1, size // 12)
        left, _, right, bottom = draw.textbbox((0, 0), text, font=_font(size), stroke_width=stroke)
    position = (image.width - margin - right, image.height - margin - bottom)
    draw.text(
        position,
        text,
        font=_font(size),
        fill=(255, 255, 255, 140),
        stroke_width=stroke,
        stroke_fill=(0, 0, 0, 140),
    )
    base = image.convert("RGBA") if image.mode != "RGBA" else image
    marked = Image.alpha_composite(base, overlay)
    return marked if image.mode == "RGBA" else marked.convert(image.mode)


def _encode(image: Image.Image, spec: RenditionSpec) -> bytes:
    """The encoded rendition: only the pixels and the sRGB profile, no other metadata."""
    image.info = {}  # resize and convert carry the source's info (comments, EXIF) along
    options: dict = {"icc_profile": _srgb_bytes()}
    if spec.format == "jpeg":
        options.update(quality=spec.quality, optimize=True, progressive=True)
    elif spec.format == "png":
        options.update(compress_level=6)
    elif spec.format == "webp":
        options.update(quality=spec.quality, method=4)
    elif spec.format == "avif":
        options.update(quality=spec.quality, speed=8)
    buffer = io.BytesIO()
    try:
        image.save(buffer, format=spec.format.upper(), **options)
    except (OSError, ValueError) as error:
        raise RenditionError(f"Encoding {spec.format} failed: {error}", code="encode") from error
    return buffer.getvalue()


# -- external tools -----------------------------------------------------------------------------

_FFMPEG_INPUT_OPTIONS = (
    "-hide_banner",
    "-loglevel",
    "error",
    "-protocol_whitelist",
    "file",
    "-format_whitelist",
    VIDEO_DEMUXERS,
)


def _absolute(path: str) -> str:
    """An absolute path, so a name starting with '-' is never read as an option."""
    return os.path.abspath(os.fspath(path))


def _ffmpeg_file(path: str) -> str:
    """The file protocol, spelled out: 'http:', 'concat:' or 'subfile,' in a name mean nothing."""
    return "file:" + _absolute(path)


def _run(args: list[str], *, timeout: float) -> bytes:
    """Run a media tool (no shell) and return its standard output; failures are RenditionErrors."""
    try:
        completed = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise RenditionError(
            f"{args[0]} took longer than {timeout:g} s.", code="timeout"
        ) from error
    except OSError as error:
        raise RenditionError(f"{args[0]} could not be started: {error}", code="tool") from error
    if completed.returncode != 0:
        message = completed.stderr.decode(errors="replace").strip()[-500:]
        raise RenditionError(
            f"{args[0]} failed ({completed.returncode}): {message}", code="unreadable"
        )
    return completed.stdout


def _ffprobe(path: str, entries: str, *, timeout: float) -> list[str]:
    output = _run(
        [
            "ffprobe",
            *_FFMPEG_INPUT_OPTIONS,
            "-select_streams",
            "v:0",
            "-show_entries",
            entries,
            "-of",
            "default=noprint_wrappers=1",
            _ffmpeg_file(path),
        ],
        timeout=timeout,
    )
    return output.decode(errors="replace").splitlines()


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return 0.0  # "N/A": a stream that does not know its duration
    return value if math.isfinite(value) and value > 0 else 0.0


def _video_duration(path: str, *, timeout: float) -> float:
    lines = _ffprobe(path, "format=duration", timeout=timeout)
    fields = dict(line.split("=", 1) for line in lines if "=" in line)
    return _number(fields.get("duration", ""))


def _video_stream(path: str, *, timeout: float) -> dict:
    lines = _ffprobe(path, "stream=width,height:format=duration", timeout=timeout)
    fields = dict(line.split("=", 1) for line in lines if "=" in line)
    try:
        width, height = int(fields["width"]), int(fields["height"])
    except (KeyError, ValueError) as error:
        raise RenditionError("The preview has no video stream.", code="unreadable") from error
    return {"width": width, "height": height, "duration": _number(fields.get("duration", ""))}


def _video_frame(path: str, *, at: float, timeout: float) -> bytes:
    """One frame as PPM (uncompressed, so nothing is spent encoding what is decoded next)."""
    return _run(
        [
            "ffmpeg",
            "-nostdin",
            *_FFMPEG_INPUT_OPTIONS,
            "-ss",
            f"{at:.3f}",
            "-i",
            _ffmpeg_file(path),
            "-map",
            "0:v:0",
            "-frames:v",
            "1",
            "-an",
            "-sn",
            "-dn",
            "-vf",
            "scale=iw*sar:ih,setsar=1",
            "-f",
            "image2pipe",
            "-c:v",
            "ppm",
            "-",
        ],
        timeout=timeout,
    )


def _pdf_page_size(path: str, *, timeout: float) -> tuple[float, float]:
    """The first page's crop box in points, as shown (its rotation applied)."""
    output = _run(["pdfinfo", "-f", "1", "-l", "1", _absolute(path)], timeout=timeout)
    size, rotation = None, 0
    for line in output.decode(errors="replace").splitlines():
        label, _, value = line.partition(":")
        words = value.split()
        if label.startswith("Page") and label.endswith("size") and len(words) >= 3:
            size = (_number(words[0]), _number(words[2]))
        elif label.startswith("Page") and label.endswith("rot") and words:
            rotation = int(_number(words[0])) % 360
    if not size or not all(size):
        raise RenditionError("The PDF has no page to show.", code="unreadable")
    return size[::-1] if rotation in (90, 270) else size
