"""Real media files made on the fly for tests: tiny, so a test that makes one stays fast.

Each helper writes the file at `path` (a pathlib.Path or str, usually under `tmp_path`) and
returns it as a Path. Raster content comes from `picture()`, whose variants are different enough
that their perceptual hashes are far apart. Video and MP3 need ffmpeg; keyword JPEGs need
exiftool (both are system tools the DAM needs anyway).
"""

import io
import struct
import subprocess
import wave
from pathlib import Path

from PIL import Image, ImageDraw

TOOL_TIMEOUT = 30

# EXIF tag ids used below (PIL.ExifTags names them; spelled out here for the reader).
ORIENTATION = 0x0112
MAKE, MODEL, SOFTWARE = 0x010F, 0x0110, 0x0131
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATE_TIME_ORIGINAL, MAKER_NOTE = 0x9003, 0x927C

# Amsterdam, as EXIF writes it: degrees, minutes, seconds.
GPS = {
    1: "N",
    2: (52.0, 22.0, 12.5),
    3: "E",
    4: (4.0, 53.0, 42.0),
}

XMP_NAMESPACE = b"http://ns.adobe.com/xap/1.0/\x00"


def picture(size=(64, 48), *, variant=0, mode="RGB") -> Image.Image:
    """A small scene with structure (not a flat fill), in `mode`.

    variant 0: sky over a green field with a yellow sun; 1: a red triangle and a black block on
    white;
    2: a white disc off centre on navy. Different variants have distant perceptual hashes."""
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    if variant == 0:
        draw.rectangle((0, 0, width, height // 2), fill=(90, 160, 230))
        draw.rectangle((0, height // 2, width, height), fill=(40, 140, 40))
        radius = max(2, min(size) // 6)
        draw.ellipse(
            (width // 5 - radius, height // 4 - radius, width // 5 + radius, height // 4 + radius),
            fill=(250, 220, 0),
        )
    elif variant == 1:
        draw.polygon([(0, 0), (0, height), (width, height)], fill=(200, 0, 0))
        draw.rectangle((width * 2 // 3, 0, width, height // 3), fill="black")
    else:
        draw.rectangle((0, 0, width, height), fill=(0, 0, 110))
        draw.ellipse((width // 3, height // 8, width * 7 // 8, height * 5 // 8), fill="white")
    return image if mode == "RGB" else image.convert(mode)


def solid(path, color, size=(32, 32), format=None) -> Path:
    """One colour everywhere (dominant-colour tests)."""
    path = Path(path)
    Image.new("RGB", size, color).save(path, format=format)
    return path


def exif_block(*, orientation=None, exif_gps=False, maker_note=False) -> Image.Exif:
    """EXIF with a camera, a capture date, and optionally orientation, GPS and a MakerNote."""
    exif = Image.Exif()
    exif[MAKE] = "Tessera"
    exif[MODEL] = "Test Camera"
    exif[SOFTWARE] = "tests/dam/media.py"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    details = exif.get_ifd(EXIF_IFD)
    details[DATE_TIME_ORIGINAL] = "2024:05:17 10:30:00"
    if maker_note:
        details[MAKER_NOTE] = bytes(range(256)) * 4
    if exif_gps:
        exif.get_ifd(GPS_IFD).update(GPS)
    return exif


def jpeg(
    path,
    size=(64, 48),
    exif_gps=False,
    orientation=None,
    *,
    dpi=(300, 300),
    variant=0,
    quality=90,
    maker_note=False,
) -> Path:
    """An RGB JPEG with EXIF (camera, date; orientation and GPS when asked) at `dpi`."""
    path = Path(path)
    exif = exif_block(orientation=orientation, exif_gps=exif_gps, maker_note=maker_note)
    picture(size, variant=variant).save(path, "JPEG", quality=quality, dpi=dpi, exif=exif)
    return path


def jpeg_plain(path, size=(64, 48), *, variant=0, quality=90) -> Path:
    """A JPEG without EXIF, ICC or DPI: only what the pixels say."""
    path = Path(path)
    picture(size, variant=variant).save(path, "JPEG", quality=quality)
    return path


def icc_profile(description="Tessera Test CMYK", color_space=b"CMYK") -> bytes:
    """A minimal, valid ICC v2 output profile: header, description, copyright, white point.

    It transforms nothing (no lookup tables); it is enough for anything that reads a profile's
    name, as metadata extraction does."""

    def text_description(text):
        ascii_text = text.encode("ascii") + b"\x00"
        body = b"desc" + bytes(4) + struct.pack(">I", len(ascii_text)) + ascii_text
        return body + bytes(4) + bytes(4) + bytes(2) + bytes(1) + bytes(67)

    def xyz(x, y, z):
        return b"XYZ " + bytes(4) + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    tags = [
        (b"desc", text_description(description)),
        (b"cprt", b"text" + bytes(4) + b"No copyright, test data\x00"),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, data = [struct.pack(">I", len(tags))], b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table.append(signature + struct.pack(">II", offset + len(data), len(body)))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"prtr"
        + color_space
        + b"Lab "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(4 + 4 + 4 + 4 + 8)  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # rendering intent: perceptual
        + struct.pack(">3i", *(round(v * 65536) for v in (0.9642, 1.0, 0.8249)))
        + b"lcms"
    )
    header += bytes(128 - len(header))
    return header + b"".join(table) + data


def cmyk_jpeg(path, size=(48, 48), *, description="Tessera Test CMYK") -> Path:
    """A CMYK JPEG carrying an embedded CMYK ICC profile named `description`."""
    path = Path(path)
    picture(size, mode="CMYK").save(
        path, "JPEG", quality=90, icc_profile=icc_profile(description), dpi=(300, 300)
    )
    return path


def png_rgba(path, size=(48, 32)) -> Path:
    """An RGBA PNG whose left half is fully transparent."""
    path = Path(path)
    image = picture(size, mode="RGBA")
    image.paste((0, 0, 0, 0), (0, 0, size[0] // 2, size[1]))
    image.save(path, "PNG", dpi=(72, 72))
    return path


def png_opaque_rgba(path, size=(32, 32)) -> Path:
    """An RGBA PNG every pixel of which is opaque: has an alpha channel, shows no transparency."""
    path = Path(path)
    picture(size, mode="RGBA").save(path, "PNG")
    return path


def png_16bit(path, size=(32, 16)) -> Path:
    """A 16-bit greyscale PNG (Pillow mode I;16): a horizontal ramp over the full 16-bit range."""
    path = Path(path)
    image = Image.new("I;16", size)
    image.putdata([x * 65535 // (size[0] - 1) for _y in range(size[1]) for x in range(size[0])])
    image.save(path, "PNG")
    return path


def gif_animated(path, size=(32, 24), frames=3) -> Path:
    """An animated GIF of `frames` frames cycling through the picture variants."""
    path = Path(path)
    images = [picture(size, variant=index % 3) for index in range(frames)]
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return path


def gif(path, size=(32, 24)) -> Path:
    """A single-frame GIF."""
    path = Path(path)
    picture(size).save(path, "GIF")
    return path


def webp(path, size=(40, 30), *, lossless=False) -> Path:
    """A single-frame WebP."""
    path = Path(path)
    picture(size).save(path, "WEBP", quality=80, lossless=lossless)
    return path


def tiff(path, size=(40, 30), *, dpi=(150, 150), pages=1) -> Path:
    """An RGB TIFF at `dpi`; several pages when asked."""
    path = Path(path)
    images = [picture(size, variant=index % 3) for index in range(pages)]
    images[0].save(path, "TIFF", dpi=dpi, save_all=pages > 1, append_images=images[1:])
    return path


def pdf(path, pages=2, size=(200, 100)) -> Path:
    """A PDF of `pages` pages, each `size` points (one pixel per point: 72 dpi)."""
    path = Path(path)
    images = [picture(size, variant=index % 3) for index in range(pages)]
    images[0].save(
        path,
        "PDF",
        resolution=72.0,
        save_all=True,
        append_images=images[1:],
        title="Tessera test document",
        author="Tessera Tests",
    )
    return path


def svg(path, width="120", height="80", view_box=None, *, doctype=False) -> Path:
    """A small SVG; `width`, `height` and `view_box` are written as given (None leaves one out)."""
    path = Path(path)
    attributes = {"width": width, "height": height, "viewBox": view_box}
    written = " ".join(f'{name}="{value}"' for name, value in attributes.items() if value)
    declaration = (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        if doctype
        else ""
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"{declaration}"
        f'<svg xmlns="http://www.w3.org/2000/svg" {written}>'
        '<rect width="10" height="10" fill="red"/></svg>\n'
    )
    return path


def svg_entity_bomb(path) -> Path:
    """An SVG whose text is a 'billion laughs' entity expansion."""
    path = Path(path)
    bomb = xmp_entity_bomb()
    entities = bomb[bomb.index("[") : bomb.index("]") + 1]
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE svg {entities}>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&lol9;</text></svg>'
    )
    return path


def _ffmpeg(*arguments, path) -> Path:
    path = Path(path)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *arguments, str(path)],
        check=True,
        timeout=TOOL_TIMEOUT,
        capture_output=True,
    )
    return path


def _exiftool(*arguments, path) -> Path:
    path = Path(path)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", *arguments, "--", str(path)],
        check=True,
        timeout=TOOL_TIMEOUT,
        capture_output=True,
    )
    return path


def mp4(path, *, size=(64, 48), seconds=1, rate=10, audio=True, rotate=None) -> Path:
    """An H.264 MP4 of ffmpeg's test pattern (`seconds` long, `rate` fps), with an AAC sine
    track unless audio=False; `rotate` (90, 180, 270) stores a display rotation."""
    width, height = size
    arguments = ["-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate={rate}"]
    if audio:
        arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000"]
    arguments += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast"]
    arguments += ["-pix_fmt", "yuv420p"]
    if audio:
        arguments += ["-c:a", "aac", "-b:a", "24k"]
    arguments += ["-f", "mp4"]  # whatever the file is called
    path = _ffmpeg(*arguments, path=path)
    if rotate is not None:
        # ffmpeg 5 no longer turns a "rotate" tag into a display matrix; exiftool writes one.
        _exiftool(f"-Rotation={rotate}", path=path)
    return path


def mp3(path, *, seconds=1) -> Path:
    """An MP3 of a 440 Hz sine (`seconds` long, mono, 8 kHz)."""
    return _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:sample_rate=8000:duration={seconds}",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "16k",
        "-f",
        "mp3",
        path=path,
    )


def wav(path, *, seconds=0.5, sample_rate=8000) -> Path:
    """A mono 16-bit PCM WAV of silence, written by the standard library (no ffmpeg needed)."""
    path = Path(path)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(bytes(2 * round(seconds * sample_rate)))
    return path


def jpeg_with_keywords(
    path,
    keywords,
    *,
    xmp_keywords=None,
    title=None,
    description=None,
    creator=None,
    rights=None,
    size=(32, 24),
) -> Path:
    """A JPEG whose keywords exiftool wrote as IPTC Keywords and XMP dc:subject (UTF-8).

    `xmp_keywords` (default: the same as `keywords`) lets the two differ; title, description,
    creator and rights go to XMP dc (and the IPTC equivalents)."""
    path = jpeg_plain(path, size=size)
    xmp_keywords = keywords if xmp_keywords is None else xmp_keywords
    arguments = ["-charset", "iptc=UTF8", "-IPTC:CodedCharacterSet=UTF8"]
    arguments += [f"-IPTC:Keywords+={keyword}" for keyword in keywords]
    arguments += [f"-XMP-dc:Subject+={keyword}" for keyword in xmp_keywords]
    fields = {"Title": title, "Description": description, "Creator": creator, "Rights": rights}
    iptc = {"Title": "ObjectName", "Description": "Caption-Abstract", "Creator": "By-line"}
    iptc["Rights"] = "CopyrightNotice"
    for name, value in fields.items():
        if value is not None:
            arguments += [f"-XMP-dc:{name}={value}", f"-IPTC:{iptc[name]}={value}"]
    return _exiftool(*arguments, path=path)


def with_jpeg_segment(path, marker: int, payload: bytes) -> Path:
    """Insert an APPn segment (`marker` 0xE0–0xEF) right after a JPEG's SOI marker."""
    path = Path(path)
    data = path.read_bytes()
    segment = struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload
    path.write_bytes(data[:2] + segment + data[2:])
    return path


def jpeg_with_xmp(path, xmp: bytes | str, size=(32, 24)) -> Path:
    """A JPEG whose APP1 XMP packet is exactly `xmp` (hostile packets included)."""
    if isinstance(xmp, str):
        xmp = xmp.encode()
    return with_jpeg_segment(jpeg_plain(path, size=size), 0xE1, XMP_NAMESPACE + xmp)


def xmp_packet(*, subjects=(), title=None, creator=None) -> str:
    """A well-formed XMP packet with dc:subject (Bag), dc:title (Alt) and dc:creator (Seq)."""
    bag = "".join(f"<rdf:li>{subject}</rdf:li>" for subject in subjects)
    parts = [f"<dc:subject><rdf:Bag>{bag}</rdf:Bag></dc:subject>"] if subjects else []
    if title is not None:
        parts.append(
            f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>'
        )
    if creator is not None:
        parts.append(f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        + "".join(parts)
        + "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )


def xmp_entity_bomb(levels=10) -> str:
    """A 'billion laughs' XMP packet: expanded, &lol9; would be 10^9 'lol's."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, levels)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE x:xmpmeta [{"".join(entities)}]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title><rdf:Alt><rdf:li>&lol{levels - 1};</rdf:li></rdf:Alt></dc:title>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def recompressed(source, path, *, scale=0.5, quality=70) -> Path:
    """`source` resized by `scale` and saved again as JPEG at `quality`: a near-duplicate."""
    path = Path(path)
    with Image.open(source) as image:
        width, height = image.size
        smaller = image.convert("RGB").resize((round(width * scale), round(height * scale)))
    smaller.save(path, "JPEG", quality=quality)
    return path


def garbage(path, size=2048) -> Path:
    """Bytes no format recognises. Fixed, not random: random bytes now and then hold an MPEG
    frame sync, and ffprobe then reads them as audio."""
    path = Path(path)
    line = b"This is not a media file.\n"
    path.write_bytes((line * (size // len(line) + 1))[:size])
    return path


def truncated(source, path, keep=0.3) -> Path:
    """The first `keep` share of `source`'s bytes, as an interrupted upload leaves them."""
    path = Path(path)
    data = Path(source).read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * keep))])
    return path


def png_bytes(size=(8, 8), mode="RGB") -> bytes:
    """A tiny PNG in memory, for callers that need bytes rather than a file."""
    buffer = io.BytesIO()
    picture(size, mode=mode).save(buffer, "PNG")
    return buffer.getvalue()
