"""Technical and embedded metadata of an uploaded file, and what its pixels suggest.

Pure functions on a local file path: no Django, no database, nothing global changed, so a
Celery task can call them on a copy of the original. Images are read with Pillow from their
headers (pixels are decoded only for the small thumbnail behind the perceptual hash, the colours
and the transparency check); XMP is parsed with defusedxml only; video, audio and PDF go to
ffprobe and pdfinfo, run without a shell under a timeout. A file that cannot be read, or a tool
that fails, raises MetadataError with a message meant to be recorded on the asset version.
"""

import colorsys
import io
import json
import math
import re
import struct
import subprocess
from collections import Counter
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeElementTree
import imagehash
from defusedxml import DefusedXmlException
from PIL import ExifTags, Image, ImageCms, IptcImagePlugin

TOOL_TIMEOUT = 30  # seconds, for each ffprobe or pdfinfo run

# Formats Pillow may open here (JPEG includes MPO). Leaves out the plugins that call out to other
# programs (EPS runs Ghostscript) and rarely seen formats whose parsers see little hostile input.
RASTER_FORMATS = (
    "AVIF",
    "BMP",
    "DIB",
    "GIF",
    "ICO",
    "JPEG",
    "JPEG2000",
    "PNG",
    "PPM",
    "PSD",
    "TGA",
    "TIFF",
    "WEBP",
)
# Several frames in these formats are an animation; in TIFF, PSD or MPO they are pages, layers
# or a second picture (a phone's depth map or gain map), which nobody would tag "animated".
ANIMATION_FORMATS = {"GIF", "PNG", "WEBP", "AVIF"}

# What Pillow's parsers raise on a file they cannot make sense of.
UNREADABLE_IMAGE = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    Image.DecompressionBombError,
)

SQUARE_TOLERANCE = 0.01  # 1080×1079 is square to anyone looking at it
MAX_TEXT = 2000  # characters kept of one embedded text value
MAX_ITEMS = 500  # values kept of one embedded list (keywords, creators)
MAX_EXIF_TUPLE = 16  # longer EXIF arrays are lookup tables or offsets, not facts
MAX_XMP_BYTES = 2 * 1024 * 1024

# EXIF pointers to sub-directories, and TIFF structure that says where bytes are, not what
# the picture is.
EXIF_IFD, GPS_IFD, INTEROP_IFD = 0x8769, 0x8825, 0xA005
ORIENTATION = 0x0112
SKIPPED_EXIF_TAGS = {
    EXIF_IFD,
    GPS_IFD,
    INTEROP_IFD,
    0x927C,  # MakerNote: vendor binary
    0x02BC,  # XMLPacket: read as XMP
    0x83BB,  # IPTC-NAA: read as IPTC
    0x8649,  # Photoshop image resources
    0x8773,  # InterColorProfile: read as icc_profile
    0x0111,  # StripOffsets
    0x0116,  # RowsPerStrip
    0x0117,  # StripByteCounts
    0x0144,  # TileOffsets
    0x0145,  # TileByteCounts
    0x0201,  # JPEGInterchangeFormat
    0x0202,  # JPEGInterchangeFormatLength
}
# EXIF orientation → the transpose that shows the picture upright (as ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# IPTC-IIM application record (2:xx) datasets worth keeping, named as exiftool names them.
IPTC_FIELDS = {
    5: "ObjectName",
    7: "EditStatus",
    10: "Urgency",
    15: "Category",
    20: "SupplementalCategories",
    25: "Keywords",
    40: "SpecialInstructions",
    55: "DateCreated",
    60: "TimeCreated",
    80: "By-line",
    85: "By-lineTitle",
    90: "City",
    92: "Sub-location",
    95: "Province-State",
    100: "Country-PrimaryLocationCode",
    101: "Country-PrimaryLocationName",
    103: "OriginalTransmissionReference",
    105: "Headline",
    110: "Credit",
    115: "Source",
    116: "CopyrightNotice",
    118: "Contact",
    120: "Caption-Abstract",
    122: "Writer-Editor",
}
IPTC_REPEATABLE = {20, 25, 80, 85, 118, 122}
IPTC_UTF8 = b"\x1b%G"  # 1:90 CodedCharacterSet

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

THUMBNAIL_BOX = 64  # pixels on the long side of what hashes, colours and transparency look at
# Above this many pixels an image is cut down in its own mode before any conversion, to this
# long side: converted whole, a palette or 1-bit PNG at the pixel limit (kilobytes on disk)
# would take 400 MB as RGBA.
SHRINK_FIRST_PIXELS = 4096 * 4096
SHRINK_FIRST_SIDE = 1024
COLOR_MINIMUM_SHARE = 0.1  # a colour names a picture when it covers a tenth of it
# The colour names auto tags use: CSS keywords, chosen for what people search for.
COLOR_NAMES = (
    "black",
    "gray",
    "silver",
    "white",
    "red",
    "maroon",
    "pink",
    "orange",
    "brown",
    "yellow",
    "olive",
    "green",
    "teal",
    "blue",
    "navy",
    "purple",
)

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
SVG_UNITS = {"": 1.0, "px": 1.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "pt": 96 / 72}
SVG_UNITS["pc"] = 16.0
SVG_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-z]*)\s*$")


class MetadataError(Exception):
    """A file could not be read, or a tool reading it failed; the message says which and why."""


# --------------------------------------------------------------------------- the interface


def technical_metadata(path: str | Path, mime: str) -> dict:
    """A JSON-serialisable dict of what the file's headers and embedded metadata say; keys
    appear only when known.

    - raster images: width, height (as shown, EXIF orientation applied), aspect_ratio,
      orientation, color_mode, icc_profile (description or None), dpi, bit_depth, frames,
      animated, has_alpha, gps, exif, iptc, xmp, keywords, warnings (embedded blocks ignored)
    - SVG: width, height (CSS pixels), aspect_ratio, orientation
    - video and audio: duration, bitrate, video_codec, width, height, frame_rate,
      aspect_ratio, orientation, audio_codec, sample_rate, channels
    - PDF: pages, page_size ([w, h] points, page 1), aspect_ratio, orientation, title, author
    - anything else: {}

    Raises MetadataError when the file cannot be read or ffprobe/pdfinfo fail."""
    path = Path(path)
    mime = (mime or "").split(";")[0].strip().lower()
    if mime == "image/svg+xml":
        return _svg_metadata(path)
    if mime.startswith("image/"):
        return _image_metadata(path)
    if mime.startswith(("video/", "audio/")):
        return _audio_video_metadata(path)
    if mime == "application/pdf":
        return _pdf_metadata(path)
    return {}


def perceptual_hash(path: str | Path) -> str | None:
    """The pHash of a raster image as 16 hex digits (first frame, upright, transparency on
    white); None for anything Pillow cannot read as a raster."""
    thumbnail = _thumbnail(path)
    if thumbnail is None:
        return None
    flattened = Image.new("RGB", thumbnail.size, "white")
    flattened.paste(thumbnail, mask=thumbnail.getchannel("A"))
    return str(imagehash.phash(flattened))


def hamming(a: str, b: str) -> int:
    """How many bits differ between two perceptual hashes (hex strings of the same length)."""
    if len(a) != len(b):
        raise ValueError(f"hashes of different sizes: {len(a)} and {len(b)} hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def dominant_colors(path: str | Path, count: int = 3) -> list[str]:
    """Up to `count` colour names (COLOR_NAMES) covering at least a tenth of the opaque pixels,
    most common first; [] for anything Pillow cannot read as a raster."""
    thumbnail = _thumbnail(path)
    return [] if thumbnail is None else _color_names(thumbnail, count)


def auto_tags(metadata: dict, path: str | Path, mime: str) -> list[str]:
    """Tags a machine can vouch for: orientation, "animated", "cmyk", "grayscale",
    "transparent" (some pixel is not opaque) and the dominant colour names."""
    tags = []
    if metadata.get("orientation"):
        tags.append(metadata["orientation"])
    if metadata.get("animated"):
        tags.append("animated")
    color_mode = metadata.get("color_mode")
    if color_mode == "CMYK":
        tags.append("cmyk")
    elif color_mode in ("1", "L", "LA", "La", "I", "F") or str(color_mode).startswith("I;16"):
        tags.append("grayscale")
    mime = (mime or "").split(";")[0].strip().lower()
    if mime.startswith("image/") and mime != "image/svg+xml":
        thumbnail = _thumbnail(path)
        if thumbnail is not None:
            if metadata.get("has_alpha", True) and thumbnail.getchannel("A").getextrema()[0] < 255:
                tags.append("transparent")
            tags += _color_names(thumbnail, 3)
    return list(dict.fromkeys(tags))


# --------------------------------------------------------------------------- images


def _image_metadata(path: Path) -> dict:
    try:
        with Image.open(path, formats=RASTER_FORMATS) as image:
            return _describe_image(image, path)
    except UNREADABLE_IMAGE as error:
        raise MetadataError(_without_path(f"unreadable image: {error}", path)) from error


def _describe_image(image: Image.Image, path: Path) -> dict:
    """Everything from the headers; the pixels stay encoded."""
    exif = _exif(image)
    width, height = image.size
    if exif is not None and exif.get(ORIENTATION) in (5, 6, 7, 8):
        width, height = height, width  # shown rotated a quarter turn
    metadata = {"width": width, "height": height, **_shape(width, height)}
    metadata["color_mode"] = image.mode
    metadata["icc_profile"] = _icc_description(image.info.get("icc_profile"))
    if dpi := _dpi(image):
        metadata["dpi"] = dpi
    if bit_depth := _bit_depth(image, path):
        metadata["bit_depth"] = bit_depth
    try:
        frames = int(getattr(image, "n_frames", 1))
    except UNREADABLE_IMAGE:
        frames = None  # a damaged later frame; the first one is what the rest describes
    if frames is not None:
        metadata["frames"] = frames
        metadata["animated"] = frames > 1 and image.format in ANIMATION_FORMATS
    metadata["has_alpha"] = image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or (
        "transparency" in image.info
    )
    tags, has_gps = _exif_tags(exif) if exif is not None else ({}, False)
    if tags:
        metadata["exif"] = tags
    metadata["gps"] = has_gps
    warnings = []
    if iptc := _iptc(image, warnings):
        metadata["iptc"] = iptc
    if xmp := _xmp(image, warnings):
        metadata["xmp"] = xmp
    keywords = _unique([*iptc.get("Keywords", []), *xmp.get("keywords", [])])
    if keywords:
        metadata["keywords"] = keywords
    if warnings:
        metadata["warnings"] = warnings
    return metadata


def _shape(width: float, height: float) -> dict:
    """aspect_ratio and orientation of a width × height picture."""
    if not width or not height or width <= 0 or height <= 0:
        return {}
    ratio = width / height
    if abs(ratio - 1) <= SQUARE_TOLERANCE:
        orientation = "square"
    else:
        orientation = "landscape" if ratio > 1 else "portrait"
    return {"aspect_ratio": round(ratio, 4), "orientation": orientation}


def _exif(image: Image.Image) -> Image.Exif | None:
    if image.format == "PNG" and "exif" not in image.info:
        # PngImageFile.getexif() decodes the whole image looking for an eXIf chunk after the
        # pixels; one placed before them is in info already, and that is what cameras write.
        return None
    try:
        return image.getexif()
    except UNREADABLE_IMAGE:
        return None


def _exif_tags(exif: Image.Exif) -> tuple[dict, bool]:
    """EXIF as {tag name: JSON value} (IFD0 and the Exif IFD, GPS under "GPSInfo"), and
    whether GPS data is present."""
    tags = {}
    try:
        directories = [exif.items(), exif.get_ifd(EXIF_IFD).items()]
        gps_directory = exif.get_ifd(GPS_IFD)
    except UNREADABLE_IMAGE:
        return {}, False
    for directory in directories:
        for tag, value in directory:
            name = ExifTags.TAGS.get(tag)
            if tag in SKIPPED_EXIF_TAGS or name is None:
                continue
            if (clean := _exif_value(value, tag)) is not None:
                tags[name] = clean
    gps = {}
    for tag, value in gps_directory.items():
        name = ExifTags.GPSTAGS.get(tag)
        if name and (clean := _exif_value(value, tag)) is not None:
            gps[name] = clean
    if gps:
        tags["GPSInfo"] = gps
    return tags, bool(gps)


def _exif_value(value, tag=None):
    """A JSON-safe version of one EXIF value, or None for binary blobs and unreadable numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _text(value) or None
    if isinstance(value, bytes):
        if tag == 0x9286:  # UserComment: an 8-byte character-code prefix, then the text
            return _user_comment(value)
        text = value.rstrip(b"\x00")
        if 0 < len(text) <= 64 and all(32 <= byte < 127 for byte in text):
            return text.decode("ascii")  # ExifVersion b"0232" and the like
        return None
    if isinstance(value, tuple | list):
        if len(value) > MAX_EXIF_TUPLE:
            return None
        items = [_exif_value(item) for item in value]
        return None if any(item is None for item in items) else items
    try:  # IFDRational and other numbers.Rational
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _user_comment(value: bytes) -> str | None:
    prefix, body = value[:8], value[8:]
    if prefix.startswith(b"UNICODE"):
        text = body.decode("utf-16-be" if body[:2] != b"\xff\xfe" else "utf-16", "replace")
    elif prefix.startswith(b"ASCII") or prefix == bytes(8):
        text = body.decode("latin-1")
    else:
        return None  # JIS or unknown
    return _text(text) or None


def _icc_description(data: bytes | None) -> str | None:
    if not data:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
        return _text(profile.profile.profile_description or "") or None
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _dpi(image: Image.Image) -> list[int] | None:
    dpi = image.info.get("dpi")
    try:
        x, y = (round(float(value)) for value in dpi[:2])
    except (TypeError, ValueError, OverflowError):
        return None
    return [x, y] if x > 0 and y > 0 else None


def _bit_depth(image: Image.Image, path: Path) -> int | None:
    """Bits per channel as stored (a 16-bit RGB PNG is 16 though Pillow opens it as RGB)."""
    if image.format == "PNG":
        with path.open("rb") as file:
            header = file.read(25)
        if len(header) == 25 and header[12:16] == b"IHDR":
            return header[24]
    elif image.format == "TIFF":
        bits = image.tag_v2.get(258)  # BitsPerSample
        if isinstance(bits, tuple) and bits:
            bits = bits[0]
        if isinstance(bits, int) and bits > 0:
            return bits
    if image.mode == "1":
        return 1
    if image.mode.startswith("I;16"):
        return 16
    if image.mode in ("I", "F"):
        return 32
    return 8


def _iptc(image: Image.Image, warnings: list[str]) -> dict:
    """IPTC-IIM application record of a JPEG or TIFF as {exiftool name: text or [texts]}."""
    try:
        datasets = IptcImagePlugin.getiptcinfo(image) or {}
    except UNREADABLE_IMAGE as error:
        warnings.append(f"IPTC ignored: {error}")
        return {}
    utf8 = datasets.get((1, 90)) == IPTC_UTF8
    iptc = {}
    for (record, number), raw in datasets.items():
        name = IPTC_FIELDS.get(number) if record == 2 else None
        if name is None:
            continue
        values = [_iptc_text(item, utf8) for item in (raw if isinstance(raw, list) else [raw])]
        values = [value for value in values if value]
        if not values:
            continue
        iptc[name] = _unique(values) if number in IPTC_REPEATABLE else values[0]
    return iptc


def _iptc_text(raw: bytes | None, utf8: bool) -> str:
    if not raw:
        return ""
    if utf8:
        return _text(raw.decode("utf-8", "replace"))
    try:  # no declared character set: UTF-8 if it decodes, else the usual Latin-1
        return _text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _text(raw.decode("cp1252", "replace"))


def _xmp(image: Image.Image, warnings: list[str]) -> dict:
    """title, description, rights (x-default text), creator and keywords (lists) from the XMP
    packet Pillow found (JPEG APP1, PNG iTXt, TIFF tag 700, WebP chunk)."""
    raw = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if not raw:
        return {}
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_XMP_BYTES:
        warnings.append(f"XMP ignored: {len(raw)} bytes is more than {MAX_XMP_BYTES}")
        return {}
    try:
        # No DTDs at all: XMP never needs one, and that refuses entity-expansion bombs before
        # anything expands.
        root = SafeElementTree.fromstring(raw.strip(b"\x00 \t\r\n"), forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError) as error:
        warnings.append(f"XMP ignored: {type(error).__name__}: {error}"[:MAX_TEXT])
        return {}
    xmp = {}
    for key, name in (("title", "title"), ("description", "description"), ("rights", "rights")):
        if value := _xmp_text(root, DC + name):
            xmp[key] = value
    if creators := _xmp_list(root, DC + "creator"):
        xmp["creator"] = creators
    if subjects := _xmp_list(root, DC + "subject"):
        xmp["keywords"] = subjects
    return xmp


def _xmp_properties(root, name):
    """Each value of property `name` across the packet's rdf:Description elements: an
    attribute's text, or the element (simple, or an rdf:Alt/Bag/Seq of rdf:li)."""
    for description in root.iter(RDF + "Description"):
        if name in description.attrib:
            yield description.attrib[name]
        yield from description.findall(name)


def _xmp_list(root, name) -> list[str]:
    values = []
    for prop in _xmp_properties(root, name):
        if isinstance(prop, str):
            values.append(prop)
        elif items := prop.findall(f"{RDF}*/{RDF}li"):
            values += ["".join(item.itertext()) for item in items]
        else:
            values.append("".join(prop.itertext()))
    return _unique(values)


def _xmp_text(root, name) -> str | None:
    """A language alternative's x-default text (else its first), or a simple value."""
    for prop in _xmp_properties(root, name):
        if isinstance(prop, str):
            if text := _text(prop):
                return text
            continue
        items = prop.findall(f"{RDF}*/{RDF}li") or [prop]
        items.sort(key=lambda item: item.get(XML_LANG) != "x-default")  # stable: x-default first
        for item in items:
            if text := _text("".join(item.itertext())):
                return text
    return None


# --------------------------------------------------------------------------- SVG


def _svg_metadata(path: Path) -> dict:
    """width and height in CSS pixels (from the attributes, else the viewBox) and the shape.

    Reads the root element only; defusedxml refuses entities and external references."""
    try:
        with path.open("rb") as file:
            _event, root = next(iter(SafeElementTree.iterparse(file, events=("start",))))
    except (DefusedXmlException, ParseError, OSError, StopIteration) as error:
        message = f"unreadable SVG: {type(error).__name__}: {error}"
        raise MetadataError(_without_path(message, path)) from error
    if root.tag != SVG_NAMESPACE + "svg" and root.tag != "svg":
        raise MetadataError(f"not an SVG document: the root element is {root.tag[:100]}")
    width, height = _svg_length(root.get("width")), _svg_length(root.get("height"))
    view_box = re.split(r"[\s,]+", (root.get("viewBox") or "").strip())
    if (width is None or height is None) and len(view_box) == 4:
        try:
            box_width, box_height = float(view_box[2]), float(view_box[3])
        except ValueError:
            box_width = box_height = 0
        if box_width > 0 and box_height > 0:
            if width is None and height is None:
                width, height = box_width, box_height
            elif width is None:
                width = height * box_width / box_height
            else:
                height = width * box_height / box_width
    if not width or not height:
        return {}
    return {"width": _number(width), "height": _number(height), **_shape(width, height)}


def _svg_length(value: str | None) -> float | None:
    match = SVG_LENGTH.match(value or "")
    if not match or match[2] not in SVG_UNITS:
        return None  # "100%", "10em": depends on where it is shown
    length = float(match[1]) * SVG_UNITS[match[2]]
    return length if math.isfinite(length) and length > 0 else None


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


# --------------------------------------------------------------------------- video and audio


def _audio_video_metadata(path: Path) -> dict:
    """duration, bitrate, codecs, sample_rate/channels of the first audio stream, and size,
    frame_rate and shape (display rotation and pixel aspect applied) of the first video."""
    output = _run(
        [
            "ffprobe",
            "-v",
            "error",
            # Only local files: a playlist (HLS, concat) inside an upload may not reach out.
            "-protocol_whitelist",
            "file",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            f"file:{path.resolve()}",
        ],
        path,
    )
    try:
        report = json.loads(output)
    except ValueError as error:
        raise MetadataError(f"ffprobe wrote no JSON: {error}") from error
    streams = report.get("streams") or []
    container = report.get("format") or {}
    video = next(
        (
            stream
            for stream in streams
            if stream.get("codec_type") == "video"
            and not (stream.get("disposition") or {}).get("attached_pic")  # cover art
        ),
        None,
    )
    audio = next((stream for stream in streams if stream.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise MetadataError("ffprobe found no audio or video stream")

    metadata = {}
    duration = _float(container.get("duration"))
    if duration is None:
        durations = [_float(stream.get("duration")) for stream in (video, audio) if stream]
        duration = max((value for value in durations if value is not None), default=None)
    if duration is not None:
        metadata["duration"] = round(duration, 3)
    if (bitrate := _int(container.get("bit_rate"))) is not None:
        metadata["bitrate"] = bitrate
    if video is not None:
        if video.get("codec_name"):
            metadata["video_codec"] = video["codec_name"]
        width, height = _int(video.get("width")), _int(video.get("height"))
        if width and height:
            # Shape as shown: non-square pixels stretched, a quarter-turn rotation applied.
            display_width = width * (_ratio(video.get("sample_aspect_ratio")) or 1.0)
            display_height = height
            if _rotation(video) % 180 == 90:
                width, height = height, width
                display_width, display_height = display_height, display_width
            metadata.update(width=width, height=height, **_shape(display_width, display_height))
        frame_rate = _ratio(video.get("avg_frame_rate")) or _ratio(video.get("r_frame_rate"))
        if frame_rate:
            metadata["frame_rate"] = round(frame_rate, 3)
    if audio is not None:
        if audio.get("codec_name"):
            metadata["audio_codec"] = audio["codec_name"]
        if sample_rate := _int(audio.get("sample_rate")):
            metadata["sample_rate"] = sample_rate
        if channels := _int(audio.get("channels")):
            metadata["channels"] = channels
    return metadata


def _rotation(stream: dict) -> int:
    """Display rotation in degrees, 0–359: the display matrix, else the legacy rotate tag."""
    for side_data in stream.get("side_data_list") or []:
        if (rotation := _float(side_data.get("rotation"))) is not None:
            return round(rotation) % 360
    return (_int((stream.get("tags") or {}).get("rotate")) or 0) % 360


def _ratio(text) -> float | None:
    """'30000/1001' or '16:9' → a positive float; None for '0/0', 'N/A' and the like."""
    if not isinstance(text, str):
        return None
    numerator, _separator, denominator = text.replace(":", "/").partition("/")
    numerator, denominator = _float(numerator), _float(denominator or "1")
    if not numerator or not denominator or numerator <= 0 or denominator <= 0:
        return None
    return numerator / denominator


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int(value) -> int | None:
    number = _float(value)
    return None if number is None else int(number)


# --------------------------------------------------------------------------- PDF


def _pdf_metadata(path: Path) -> dict:
    """pages, page_size ([width, height] in points of page 1, as displayed), the shape of page
    1, and title/author when the document has them."""
    output = _run(["pdfinfo", "-enc", "UTF-8", str(path.resolve())], path)
    fields = {}
    for line in output.splitlines():
        key, separator, value = line.partition(":")
        if separator and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    pages = _int(fields.get("Pages"))
    if pages is None:
        raise MetadataError("pdfinfo reported no page count")
    metadata = {"pages": pages}
    if size := re.match(r"([0-9.]+) x ([0-9.]+) pts", fields.get("Page size", "")):
        width, height = float(size[1]), float(size[2])
        if (_int(fields.get("Page rot")) or 0) % 180 == 90:
            width, height = height, width
        metadata["page_size"] = [width, height]
        metadata.update(_shape(width, height))
    for key, name in (("title", "Title"), ("author", "Author")):
        if value := _text(fields.get(name, "")):
            metadata[key] = value
    return metadata


# --------------------------------------------------------------------------- shared helpers


def _run(command: list[str], path: Path) -> str:
    """A tool's standard output; MetadataError when it is missing, slow or fails (messages name
    the file, not where this worker keeps it: that means nothing to whoever reads them)."""
    tool = command[0]
    try:
        completed = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TOOL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise MetadataError(f"{tool} took longer than {TOOL_TIMEOUT} s") from error
    except OSError as error:  # not installed, not executable
        raise MetadataError(f"{tool} could not run: {error.strerror or error}") from error
    if completed.returncode != 0:
        lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit status {completed.returncode}"
        raise MetadataError(_without_path(f"{tool} failed: {reason}", path))
    return completed.stdout.decode("utf-8", "replace")


def _without_path(message: str, path: Path) -> str:
    """The message with the file's local path shortened to its name, bounded."""
    for written in (f"file:{path.resolve()}", str(path.resolve()), str(path)):
        message = message.replace(written, path.name)
    return message[:MAX_TEXT]


def _text(value: str) -> str:
    """Trimmed, NUL-free (PostgreSQL's jsonb refuses \\u0000), encodable, bounded text."""
    text = value.replace("\x00", "").strip()
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    return text[:MAX_TEXT]


def _unique(values) -> list[str]:
    """Non-empty texts, first spelling kept, duplicates ignoring case dropped, bounded."""
    seen, result = set(), []
    for value in values:
        text = _text(value) if isinstance(value, str) else ""
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return result[:MAX_ITEMS]


def _thumbnail(path: str | Path) -> Image.Image | None:
    """The first frame as a small, upright RGBA image; None if Pillow cannot read it."""
    try:
        with Image.open(path, formats=RASTER_FORMATS) as image:
            exif = _exif(image)
            orientation = exif.get(ORIENTATION) if exif is not None else None
            image.draft("RGB", (THUMBNAIL_BOX, THUMBNAIL_BOX))  # JPEG: decode at 1/2…1/8
            small = _to_rgba(_shrunk(image))
            small.thumbnail((THUMBNAIL_BOX, THUMBNAIL_BOX))
    except UNREADABLE_IMAGE:
        return None
    if orientation in UPRIGHT:
        small = small.transpose(UPRIGHT[orientation])
    return small


def _shrunk(image: Image.Image) -> Image.Image:
    if image.width * image.height <= SHRINK_FIRST_PIXELS:
        return image
    # Nearest: the only resampling every mode has (palette, 1-bit, 16-bit), and it copies
    # nothing the size of the source; the thumbnail's own resampling smooths what follows.
    scale = SHRINK_FIRST_SIDE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.NEAREST)


def _to_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        # Deep greyscale: stretch the values present over 0–255 rather than clip them.
        deep = image.convert("F")
        low, high = deep.getextrema()
        scale = 255 / (high - low) if high > low else 0
        image = deep.point(lambda value: (value - low) * scale).convert("L")
    return image.convert("RGBA")


def _color_names(thumbnail: Image.Image, count: int) -> list[str]:
    shares = Counter()
    cache = {}
    colors = thumbnail.getcolors(thumbnail.width * thumbnail.height)  # [(pixels, RGBA)]
    for pixels, (red, green, blue, alpha) in colors:
        if alpha < 128:
            continue  # transparent: not part of the picture's colours
        rgb = (red, green, blue)
        if rgb not in cache:
            cache[rgb] = _color_name(red / 255, green / 255, blue / 255)
        shares[cache[rgb]] += pixels
    total = sum(shares.values())
    if not total:
        return []
    ranked = sorted(shares.items(), key=lambda item: (-item[1], COLOR_NAMES.index(item[0])))
    return [name for name, pixels in ranked if pixels / total >= COLOR_MINIMUM_SHARE][:count]


def _color_name(red: float, green: float, blue: float) -> str:
    """One of COLOR_NAMES by hue, chroma and lightness: photographs' colours are muted, so
    nearest-match against pure CSS colours would call a blue sky silver."""
    hue, lightness, _saturation = colorsys.rgb_to_hls(red, green, blue)
    value = max(red, green, blue)
    chroma = value - min(red, green, blue)
    if value < 0.16:
        return "black"
    if chroma < 0.12:  # no hue to speak of
        if lightness < 0.2:
            return "black"
        if lightness < 0.55:
            return "gray"
        return "silver" if lightness < 0.85 else "white"
    degrees = hue * 360
    dark = value < 0.55
    if degrees < 15 or degrees >= 345:
        return "maroon" if dark else "pink" if lightness > 0.75 else "red"
    if degrees < 45:
        return "brown" if dark or chroma < 0.3 else "orange"
    if degrees < 70:
        return "olive" if dark else "yellow"
    if degrees < 165:
        return "green"
    if degrees < 200:
        return "teal"
    if degrees < 255:
        return "navy" if dark else "blue"
    if degrees < 290:
        return "purple"
    return "purple" if dark else "pink"
