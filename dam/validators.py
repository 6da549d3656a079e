"""What an upload must be before anything is stored: within the size limit, of an allowed type
judged from its bytes (never its name or Content-Type), not a decompression bomb, not truncated,
and, for SVG, free of active content. Every entry point (API, admin, imports) calls
`inspect_upload` through dam.services."""

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO

from defusedxml import ElementTree
from django.conf import settings
from PIL import Image

from dam.models import AssetKind

ALLOWED_TYPES = {
    "image/jpeg": (AssetKind.IMAGE, "jpg"),
    "image/png": (AssetKind.IMAGE, "png"),
    "image/gif": (AssetKind.IMAGE, "gif"),
    "image/webp": (AssetKind.IMAGE, "webp"),
    "image/tiff": (AssetKind.IMAGE, "tif"),
    "image/avif": (AssetKind.IMAGE, "avif"),
    "image/vnd.adobe.photoshop": (AssetKind.IMAGE, "psd"),
    "image/svg+xml": (AssetKind.VECTOR, "svg"),
    "video/mp4": (AssetKind.VIDEO, "mp4"),
    "video/quicktime": (AssetKind.VIDEO, "mov"),
    "video/webm": (AssetKind.VIDEO, "webm"),
    "video/x-matroska": (AssetKind.VIDEO, "mkv"),
    "audio/mpeg": (AssetKind.AUDIO, "mp3"),
    "audio/x-wav": (AssetKind.AUDIO, "wav"),
    "audio/wav": (AssetKind.AUDIO, "wav"),
    "audio/flac": (AssetKind.AUDIO, "flac"),
    "audio/x-flac": (AssetKind.AUDIO, "flac"),
    "audio/ogg": (AssetKind.AUDIO, "ogg"),
    "application/pdf": (AssetKind.DOCUMENT, "pdf"),
    "model/gltf-binary": (AssetKind.MODEL_3D, "glb"),
    "model/gltf+json": (AssetKind.MODEL_3D, "gltf"),
}
# HEIC is not accepted: nothing here decodes it, so it could be neither checked nor rendered.
RASTER_CHECKED = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/avif",
    "image/vnd.adobe.photoshop",
}
SVG_MAX_BYTES = 5 * 1024 * 1024
SVG_ACTIVE_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "handler"}
HEAD_BYTES = 64 * 1024
# Bytes a pixel takes in Pillow's memory once decoded: three-band modes are stored in four.
DECODED_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}
CHUNK = 1024 * 1024


class UploadRefused(Exception):
    """An upload that breaks a rule: `code` for machines, `status` for the HTTP answer."""

    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Inspection:
    mime: str
    kind: str
    extension: str
    sha256: str
    size: int
    # Raster images only, read from the header (upright: EXIF orientation applied).
    width: int | None = None
    height: int | None = None
    color_mode: str | None = None


def max_upload_bytes() -> int:
    return settings.TESSERA_MAX_UPLOAD_BYTES


def inspect_upload(file: BinaryIO) -> Inspection:
    """Hash and size the stream, sniff its type, and run the type's own checks."""
    file.seek(0)
    digest, size, head = hashlib.sha256(), 0, b""
    limit = max_upload_bytes()
    while chunk := file.read(CHUNK):
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        size += len(chunk)
        if size > limit:
            raise UploadRefused(
                "file_too_large", f"The file is over the {limit:,}-byte limit.", 413
            )
        digest.update(chunk)
    if size == 0:
        raise UploadRefused("empty_file", "The file is empty.")
    mime = sniff(head)
    if mime not in ALLOWED_TYPES:
        raise UploadRefused(
            "type_not_allowed",
            f"Files of type {mime} are not accepted (judged from the bytes).",
            415,
        )
    kind, extension = ALLOWED_TYPES[mime]
    file.seek(0)
    raster = {}
    if mime in RASTER_CHECKED:
        raster = check_raster(file)
    elif mime == "image/svg+xml":
        check_svg(file, size)
    file.seek(0)
    return Inspection(mime, kind, extension, digest.hexdigest(), size, **raster)


def sniff(head: bytes) -> str:
    """The type libmagic reads in the first bytes, with the two it names loosely made exact."""
    if head[:4] == b"glTF":
        return "model/gltf-binary"
    try:
        import magic  # needs the system's libmagic (Debian: libmagic1)
    except ImportError:
        # Fail closed: without the sniffer nothing is accepted, names are never trusted instead.
        raise UploadRefused(
            "sniffer_unavailable",
            "This server cannot identify file types (libmagic is not installed), so it accepts no uploads.",
            503,
        ) from None
    mime = magic.from_buffer(head, mime=True)
    if mime in ("text/xml", "application/xml", "text/plain", "image/svg") and re.search(
        rb"<svg[\s>]", head[:4096], re.IGNORECASE
    ):
        return "image/svg+xml"
    return mime


def check_raster(file: BinaryIO) -> dict:
    """No bomb (by declared pixels, before decoding) and no truncation (decoded at reduced scale).
    Returns the upright width and height and the colour mode."""
    try:
        with Image.open(file) as image:
            width, height = image.size
            mode = image.mode
            # A JPEG's EXIF orientation may turn it sideways (other formats: reading EXIF would
            # break verify(), and on PNG decode the whole image).
            if image.format == "JPEG" and image.getexif().get(0x0112) in (5, 6, 7, 8):
                width, height = height, width
            if width * height > settings.TESSERA_MAX_IMAGE_PIXELS:
                raise UploadRefused(
                    "decompression_bomb",
                    f"{width}×{height} pixels is over the limit of {settings.TESSERA_MAX_IMAGE_PIXELS:,}.",
                )
            decoded = width * height * DECODED_BYTES_PER_PIXEL.get(mode, 4)
            limit = settings.TESSERA_MAX_DECODED_IMAGE_BYTES
            if image.format != "JPEG" and decoded > limit:  # a JPEG decodes at reduced scale
                raise UploadRefused(
                    "decompression_bomb",
                    f"{width}×{height} pixels in {mode} take {decoded:,} bytes decoded; "
                    f"the limit is {limit:,}.",
                )
            if image.format == "JPEG":
                image.draft("RGB", (256, 256))  # decodes every scan at 1/8: truncation shows
                image.load()
            elif image.format in ("GIF", "TIFF"):
                # Their verify() reads no pixel data, so a cut-off file would pass; the first
                # frame (what renditions show) is decoded, within the decoded-size limit.
                image.load()
            else:
                image.verify()
            return {"width": width, "height": height, "color_mode": mode}
    except UploadRefused:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadRefused("decompression_bomb", str(exc)) from None
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's words for broken files
        raise UploadRefused("truncated_or_corrupt", f"The image cannot be read: {exc}.") from None


def check_svg(file: BinaryIO, size: int) -> None:
    """Refuse scripts, event handlers, foreign content and external references; entities and
    DTDs are refused by defusedxml while parsing (no billion laughs)."""
    if size > SVG_MAX_BYTES:
        raise UploadRefused(
            "file_too_large", f"An SVG may be at most {SVG_MAX_BYTES:,} bytes.", 413
        )
    try:
        root = ElementTree.parse(file).getroot()
    except Exception as exc:
        raise UploadRefused(
            "invalid_svg", f"The SVG cannot be parsed safely: {type(exc).__name__}."
        ) from None
    # The sniffer calls any XML with "<svg" near its start an SVG: an XHTML page holding an
    # inline <svg> would otherwise be stored and served as image/svg+xml.
    if root.tag not in ("{http://www.w3.org/2000/svg}svg", "svg"):
        raise UploadRefused("invalid_svg", f"The root element is <{root.tag}>, not <svg>.")
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if tag in SVG_ACTIVE_TAGS:
            raise UploadRefused("svg_active_content", f"The SVG contains a <{tag}> element.")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise UploadRefused(
                    "svg_active_content", f"The SVG has an event handler ({local})."
                )
            if local == "href" and not value.strip().startswith(("#", "data:image/")):
                raise UploadRefused("svg_active_content", "The SVG refers to an outside resource.")
