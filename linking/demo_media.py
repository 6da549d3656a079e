"""The demo media `seed_demo` loads after the catalog: about three hundred product pictures
drawn with Pillow (cameras, garments, shoes on a light background, in the product's colour),
of varied sizes, some CMYK, some transparent PNG cut-outs, a few near-duplicates, plus a short
video and a PDF manual. Files are named `SKU_role_position.ext` (`CAM-001_front_1.jpg`) so
that linking can match them to products. Nothing is downloaded or shipped: every file is made
in memory, deterministically, and goes through the asset services like any upload."""

import io
import logging
import os
import random
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from dam.models import Asset, LicenceType, RenditionProfile
from dam.rendering import rendition_profile_save
from dam.services import UploadsRefused, asset_update, assets_ingest, usage_right_save
from pim.models import Product
from pim.services.completeness import effective_values

logger = logging.getLogger(__name__)

MARKER_CODE = "cam_001_front_1"  # the asset code of CAM-001_front_1.jpg: seeded already
ROLES = ("front", "back", "side", "detail", "lifestyle", "swatch")  # of pictures
# The naming convention, for linking: SKU_role_position.ext (the SKU holds no underscore).
FILENAME = re.compile(
    r"^(?P<sku>[A-Z0-9-]+)_(?P<role>front|back|side|detail|lifestyle|swatch|video|manual)"
    r"_(?P<position>[1-9]\d*)\.(?P<extension>jpg|png|mp4|pdf)$"
)
BATCH = 20  # files per ingest call (and per transaction)
CAMERAS = 60  # CAM-001 … CAM-060 get pictures; the catalog has 120
PROFILES = {  # made before the ingest, so the thumbnails are pre-generated with it
    "thumb": {
        "labels": {"en_US": "Thumbnail"},
        "width": 200,
        "height": 200,
        "fit": "contain",
        "format": "webp",
        "quality": 80,
        "is_pregenerated": True,
    },
    "zoom": {
        "labels": {"en_US": "Zoom"},
        "width": 1600,
        "height": 1600,
        "fit": "contain",
        "format": "jpeg",
        "quality": 85,
    },
    "square": {
        "labels": {"en_US": "Square"},
        "width": 800,
        "height": 800,
        "fit": "cover",
        "format": "jpeg",
        "quality": 82,
    },
    # The web shop's own sizes: its feed lists these (made when a product is published).
    "web_card": {
        "labels": {"en_US": "Web shop card"},
        "width": 600,
        "height": 600,
        "fit": "cover",
        "format": "webp",
        "quality": 80,
        "channel": "ecommerce",
    },
    "web_zoom": {
        "labels": {"en_US": "Web shop zoom"},
        "width": 1400,
        "height": 1400,
        "fit": "contain",
        "format": "jpeg",
        "quality": 85,
        "channel": "ecommerce",
    },
}

COLOURS = {  # the catalog's colour terms, as fabric
    "black": (40, 40, 43),
    "white": (238, 237, 232),
    "navy": (33, 47, 92),
    "red": (176, 36, 42),
    "olive": (106, 110, 58),
}
CAMERA_BODIES = [(34, 34, 36), (178, 180, 184), (72, 74, 80), (234, 230, 220), (150, 42, 40)]
SIZES = {  # (width, height) choices per kind of picture: 600×800 up to 2000×2000
    "camera": [(1200, 900), (1600, 1200), (1000, 1000), (2000, 1500), (2000, 2000), (800, 600)],
    "garment": [(600, 800), (900, 1200), (1200, 1600), (1000, 1000), (1500, 2000)],
    "shoe": [(1200, 800), (1500, 1000), (800, 800), (2000, 1333)],
    "detail": [(1000, 1000), (1200, 1200), (800, 800)],
    "swatch": [(600, 600), (800, 800)],
    "lifestyle": [(2000, 1333), (1600, 1067), (1200, 1600)],
}
ROLE_WORDS = {
    "front": "front view",
    "back": "back view",
    "side": "side view",
    "detail": "detail",
    "lifestyle": "lifestyle",
    "swatch": "colour swatch",
}


@dataclass(frozen=True)
class Shot:
    """One picture to draw: whose, which view, how big, stored how."""

    sku: str
    role: str
    position: int
    subject: str  # camera, top, trousers, sneaker, boot, sandal
    style: str  # the apparel or footwear style code, or the camera line (mini, pro, max, go)
    colour: tuple[int, int, int]
    colour_name: str
    size: tuple[int, int]
    encoding: str = "jpeg"  # jpeg, cmyk (a CMYK JPEG) or png (a transparent cut-out)
    product_name: str = ""
    copy_of: "Shot | None" = None  # a near-duplicate: this shot, resized and recompressed

    @property
    def filename(self) -> str:
        extension = "png" if self.encoding == "png" else "jpg"
        return f"{self.sku}_{self.role}_{self.position}.{extension}"


# --------------------------------------------------------------------------- the seed


def seed_media(*, scale: float = 1.0, note: Callable[[str], None] | None = None) -> int:
    """Make the demo media once; returns how many assets it made (0 when already there).

    `scale` shrinks every picture (tests draw at a tenth of the size); `note` receives one
    line of progress and what was skipped and why (no ffmpeg, no file-type sniffer)."""
    note = note or logger.info
    if Asset.objects.filter(code=MARKER_CODE).exists():
        return 0
    shots = plan(scale=scale)
    if not shots:
        note("No demo media: the demo catalog is not loaded.")
        return 0
    _profiles()
    made = 0
    files: list[tuple[str, Callable[[], bytes], dict]] = [
        (shot.filename, lambda shot=shot: draw_file(shot), _describe(shot)) for shot in shots
    ]
    manual_for = next((s for s in shots if s.sku == "CAM-001" and s.role == "front"), shots[0])
    video = _video(scale)
    if video is None:
        note("No demo video: ffmpeg is not installed (or failed); the rest is seeded.")
    else:
        files.append(
            (f"{manual_for.sku}_video_1.mp4", lambda: video, _describe_extra(manual_for, "video"))
        )
    files.append(
        (
            f"{manual_for.sku}_manual_1.pdf",
            lambda: _manual(manual_for, scale),
            _describe_extra(manual_for, "manual"),
        )
    )
    rights = _rights_plan([name for name, _, _ in files])
    note(f"Drawing and ingesting {len(files)} demo files (named SKU_role_position.ext)…")
    for start in range(0, len(files), BATCH):
        batch = files[start : start + BATCH]
        uploads = [(name, io.BytesIO(make())) for name, make, _ in batch]
        try:
            with transaction.atomic():
                results = assets_ingest(uploads=uploads)
                for (name, _, changes), result in zip(batch, results, strict=True):
                    if not result.created:
                        continue
                    made += 1
                    if changes:
                        asset_update(asset=result.asset, changes=changes)
                    if rights.get(name):
                        usage_right_save(asset=result.asset, changes=rights[name])
        except UploadsRefused as exc:
            codes = {refusal.code for _, _, refusal in exc.refusals}
            if made or codes != {"sniffer_unavailable"}:
                raise
            note(f"No demo media: {exc.refusals[0][2].message}")
            return 0
    return made


def _profiles() -> None:
    for code, changes in PROFILES.items():
        if not RenditionProfile.objects.filter(code=code).exists():
            rendition_profile_save(code=code, changes=changes)


def _describe(shot: Shot) -> dict:
    """Titles on fronts, sides, swatches and lifestyle pictures; alt text on fronts (English,
    French, German), sides (English and French: German readiness shows what is missing) and
    lifestyle pictures."""
    if shot.role not in ("front", "side", "lifestyle", "swatch") or shot.position != 1:
        return {}
    what = shot.product_name or shot.sku
    if shot.colour_name:  # apparel and footwear: the colour says which variant
        what = f"{what} in {shot.colour_name}"
    changes = {"title": {"en_US": f"{what}, {ROLE_WORDS[shot.role]}"}}
    if shot.role == "front":
        changes["alt_text"] = {
            "en_US": f"{what}, seen from the front on a light background",
            "fr_FR": f"{what}, vu de face sur un fond clair",
            "de_DE": f"{what}, von vorne vor hellem Hintergrund",
        }
    elif shot.role == "side":
        changes["alt_text"] = {
            "en_US": f"{what}, seen from the side",
            "fr_FR": f"{what}, vu de côté",
        }
    elif shot.role == "lifestyle":
        changes["alt_text"] = {"en_US": f"{what} on a wooden table beside a potted plant"}
    return changes


def _describe_extra(shot: Shot, role: str) -> dict:
    words = {"video": "product video", "manual": "user manual"}[role]
    return {"title": {"en_US": f"{shot.product_name or shot.sku}, {words}"}}


def _rights_plan(names: list[str]) -> dict[str, dict]:
    """A right on most files: owned for product shots, royalty-free for lifestyle stock; every
    twelfth file none; one lifestyle picture's right has expired, another is editorial only."""
    now = timezone.now().replace(microsecond=0)
    rights: dict[str, dict] = {}
    lifestyle = [name for name in names if "_lifestyle_" in name]
    for index, name in enumerate(names):
        if index % 12 == 11:
            continue
        if "_lifestyle_" in name:
            rights[name] = {
                "licence": LicenceType.ROYALTY_FREE,
                "credit_line": "Contoso Stock",
            }
        else:
            rights[name] = {"licence": LicenceType.OWNED, "credit_line": "Tessera demo studio"}
    if lifestyle:
        rights[lifestyle[0]] = {
            "licence": LicenceType.RIGHTS_MANAGED,
            "valid_from": now - timedelta(days=400),
            "valid_until": now - timedelta(days=35),
            "territories": ["DE", "FR"],
            "credit_line": "Fabrikam Pictures",
            "notes": "Demo: a licence that has run out.",
        }
    if len(lifestyle) > 1:
        rights[lifestyle[1]] = {
            "licence": LicenceType.EDITORIAL_ONLY,
            "credit_line": "Northwind Press",
            "notes": "Demo: for press articles only, not for selling.",
        }
    return rights


# --------------------------------------------------------------------------- the plan


def plan(*, scale: float = 1.0) -> list[Shot]:
    """Every picture to make, from the catalog's products (deterministic): ~60 cameras with
    front, back and side views, two sizes of every apparel colour with fronts (one with a
    back and a swatch), two sizes of every shoe, some details and lifestyle pictures, and a
    few near-duplicates. About 10% are stored as CMYK JPEG and 10% as transparent PNG."""
    rng = random.Random(11)
    products = list(Product.objects.select_related("family", "parent__parent").order_by("sku_key"))
    shots: list[Shot] = []
    cameras = [p for p in products if p.family.code == "cameras"]
    for n, product in enumerate(cameras[:CAMERAS] + [p for p in cameras if "KIT" in p.sku]):
        values = effective_values(product)
        base = {
            "sku": product.sku,
            "position": 1,
            "subject": "camera",
            "style": _camera_line(values),
            "colour": CAMERA_BODIES[n % len(CAMERA_BODIES)],
            "colour_name": "",
            "product_name": _text(values, "name"),
        }
        roles = ["front"] if "KIT" in product.sku else ["front", "back", "side"]
        if n % 6 == 5:
            roles.append("detail")
        if n % 15 == 14:
            roles.append("lifestyle")
        for role in roles:
            shots.append(Shot(role=role, size=_size(rng, role, "camera"), **base))
    groups: dict[int, list[tuple[Product, dict]]] = defaultdict(list)
    for product in products:
        if product.family.code in ("apparel", "footwear") and product.parent_id:
            groups[product.parent_id].append((product, effective_values(product)))
    seen_styles: set[str] = set()
    for members in groups.values():
        product = members[0][0]
        style = (product.parent.parent or product.parent).code
        first_of_style = style not in seen_styles
        seen_styles.add(style)
        apparel = product.family.code == "apparel"
        axis, picked = ("size", ["m", "s"]) if apparel else ("shoe_size", ["eu_40", "eu_42"])
        chosen = sorted(
            (m for m in members if _text(m[1], axis) in picked),
            key=lambda m: picked.index(_text(m[1], axis)),
        )
        for rank, (variant, values) in enumerate(chosen):
            colour_name = _text(values, "color") or "black"
            base = {
                "sku": variant.sku,
                "position": 1,
                "subject": _subject(style),
                "style": style,
                "colour": COLOURS.get(colour_name, COLOURS["black"]),
                "colour_name": colour_name,
                "product_name": _text(values, "name"),
            }
            kind = "garment" if apparel else "shoe"
            if apparel:
                roles = ["front", "back", "swatch"] if rank == 0 else ["front"]
            else:
                roles = ["front", "side", "detail"] if rank == 0 else ["front", "side"]
            if rank == 0 and first_of_style:
                roles += ["detail", "lifestyle"] if apparel else ["lifestyle"]
            for role in roles:
                shots.append(Shot(role=role, size=_size(rng, role, kind), **base))
    packshots = 0
    for index, shot in enumerate(shots):
        if shot.role in ("lifestyle", "swatch"):
            continue
        packshots += 1
        encoding = {4: "png", 8: "cmyk"}.get(packshots % 10, "jpeg")
        shots[index] = replace(shot, encoding=encoding)
    shots += _near_duplicates(shots)
    if scale != 1.0:
        shots = [_scaled(shot, scale) for shot in shots]
    return shots


def _near_duplicates(shots: list[Shot]) -> list[Shot]:
    """The same picture again at position 2, smaller and more compressed, for four products."""
    wanted = [
        lambda s: s.subject == "camera" and s.role == "front",
        lambda s: s.subject == "camera" and s.role == "side" and s.sku >= "CAM-010",
        lambda s: s.subject in ("top", "trousers") and s.role == "front",
        lambda s: s.subject in ("sneaker", "boot", "sandal") and s.role == "side",
    ]
    copies = []
    for test in wanted:
        source = next((s for s in shots if s.encoding == "jpeg" and test(s)), None)
        if source is not None:
            copies.append(replace(source, position=2, copy_of=source))
    return copies


def _scaled(shot: Shot, scale: float) -> Shot:
    def smaller(size):
        return tuple(max(48, round(d * scale)) for d in size)

    copy_of = replace(shot.copy_of, size=smaller(shot.copy_of.size)) if shot.copy_of else None
    return replace(shot, size=smaller(shot.size), copy_of=copy_of)


def _size(rng: random.Random, role: str, kind: str) -> tuple[int, int]:
    key = role if role in ("detail", "swatch", "lifestyle") else kind
    return rng.choice(SIZES[key])


def _camera_line(values: dict) -> str:
    """The line of a camera, from its name (Snapshot Pro 2 is a pro); a kit shows a pro."""
    words = _text(values, "name").lower().split()
    return next((word for word in words if word in CAMERA_LINES), "pro")


SUBJECTS = {  # what a style is drawn as; every other apparel style is a top
    "chino": "trousers",
    "chelsea_boot": "boot",
    "sandal": "sandal",
    "trail_runner": "sneaker",
    "city_sneaker": "sneaker",
}


def _subject(style: str) -> str:
    return SUBJECTS.get(style, "top")


def _text(values: dict, attribute: str) -> str:
    scopes = values.get(attribute) or {}
    data = scopes.get("|") or scopes.get("|en_US") or ""
    return data if isinstance(data, str) else ""


# --------------------------------------------------------------------------- the files


def draw_file(shot: Shot) -> bytes:
    """The stored bytes of a shot: JPEG (RGB or CMYK) or a transparent PNG."""
    out = io.BytesIO()
    if shot.copy_of is not None:
        picture = draw(shot.copy_of).convert("RGB")
        width, height = picture.size
        picture = picture.resize((max(32, width * 3 // 4), max(32, height * 3 // 4)))
        picture.save(out, "JPEG", quality=68)
        return out.getvalue()
    picture = draw(shot)
    if shot.encoding == "png":
        picture.save(out, "PNG", compress_level=3)
    elif shot.encoding == "cmyk":
        picture.convert("RGB").convert("CMYK").save(out, "JPEG", quality=88)
    else:
        picture.convert("RGB").save(out, "JPEG", quality=86)
    return out.getvalue()


def draw(shot: Shot) -> Image.Image:
    """The picture of a shot, RGBA: transparent around the product for a PNG cut-out. Where
    and how big the product sits varies a little from picture to picture, as in a studio."""
    rng = random.Random(shot.filename)
    width, height = shot.size
    if shot.role == "swatch":
        canvas = Image.new("RGBA", shot.size)
        _weave(ImageDraw.Draw(canvas), shot.size, shot.colour, shot.style)
    elif shot.role == "lifestyle":
        canvas = _room(shot.size)
    elif shot.encoding == "png":
        canvas = Image.new("RGBA", shot.size, (0, 0, 0, 0))
    else:
        canvas = _backdrop(shot.size, rng)
    if shot.role == "detail":
        _detail(canvas, shot)
    if shot.role in ("detail", "swatch"):
        _light(canvas, rng)
    else:
        lifestyle = shot.role == "lifestyle"
        share = rng.uniform(0.42, 0.55) if lifestyle else rng.uniform(0.55, 0.8)
        aspect = _aspect(shot)
        w = min(width * share, height * share * aspect)
        h = w / aspect
        cx = width * (rng.uniform(0.3, 0.45) if lifestyle else rng.uniform(0.4, 0.6))
        floor = height * (0.78 if lifestyle else rng.uniform(0.46, 0.56) + h / height / 2)
        box = (cx - w / 2, floor - h, w, h)
        canvas = _shadow(canvas, (cx - w * 0.48, floor - h * 0.05, cx + w * 0.48, floor + h * 0.06))
        _subject_drawing(ImageDraw.Draw(canvas), box, shot)
        if lifestyle:
            _plant(ImageDraw.Draw(canvas), shot.size, rng)
    _caption(canvas, shot.sku)
    return canvas


def _light(canvas: Image.Image, rng: random.Random) -> None:
    """Light falling from one side across a close-up: darker by up to a third at the far edge."""
    falloff = Image.linear_gradient("L").rotate(rng.uniform(0, 360)).point(lambda v: v // 3)
    canvas.paste((0, 0, 0, 255), mask=falloff.resize(canvas.size, Image.Resampling.BILINEAR))


def _aspect(shot: Shot) -> float:
    if shot.subject == "camera":
        spec = CAMERA_LINES[shot.style]
        return 0.35 + spec["barrel"] if shot.role == "side" else spec["aspect"]
    if shot.subject in ("top", "trousers"):
        return 0.9 if shot.subject == "top" else 0.6
    if shot.subject == "boot":
        return 1.5
    return 2.2 if shot.role == "side" else 1.7


def _backdrop(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A light studio sweep: a vertical gradient, lighter at the top."""
    top = rng.randint(244, 252)
    tone = rng.choice([(0, 0, 0), (2, 1, -2), (-2, 0, 3)])
    column = Image.new("RGB", (1, 64))
    column.putdata([tuple(min(255, top - round(24 * i / 63) + t) for t in tone) for i in range(64)])
    return column.resize(size, Image.Resampling.BILINEAR).convert("RGBA")


def _room(size: tuple[int, int]) -> Image.Image:
    """A wall, a window's light and a wooden table: the lifestyle set."""
    width, height = size
    canvas = Image.new("RGBA", size, (226, 214, 196, 255))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((width * 0.55, 0, width * 0.9, height * 0.55), fill=(238, 230, 216, 255))
    table = height * 0.72
    draw.rectangle((0, table, width, height), fill=(150, 104, 66, 255))
    draw.rectangle((0, table, width, table + height * 0.02), fill=(170, 122, 80, 255))
    for k in range(1, 6):
        y = table + (height - table) * k / 6
        draw.line((0, y, width, y), fill=(128, 86, 52, 255), width=max(1, height // 400))
    return canvas


def _shadow(canvas: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """A soft contact shadow under the product (blurred small, then enlarged: cheap)."""
    factor = 8
    small = Image.new("L", (max(1, canvas.width // factor), max(1, canvas.height // factor)), 0)
    ImageDraw.Draw(small).ellipse([c / factor for c in box], fill=110)
    small = small.filter(ImageFilter.GaussianBlur(max(1, small.height // 60)))
    layer = Image.new("RGBA", canvas.size, (30, 30, 30, 0))
    layer.putalpha(small.resize(canvas.size, Image.Resampling.BILINEAR))
    return Image.alpha_composite(canvas, layer)


def _caption(canvas: Image.Image, text: str) -> None:
    size = max(9, canvas.height // 60)
    ImageDraw.Draw(canvas).text(
        (size, canvas.height - size * 2),
        text,
        fill=(150, 150, 150, 255),
        font=_font(size),
    )


def _font(size: int):
    return ImageFont.load_default(size=size)


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int, int]:
    """Darker (factor < 1) or lighter (factor > 1, towards white) of a colour, opaque."""
    if factor <= 1:
        return (*(round(c * factor) for c in colour), 255)
    return (*(round(c + (255 - c) * (factor - 1)) for c in colour), 255)


def _mapper(box):
    x0, y0, w, h = box

    def at(*coords):
        return [(x0 + coords[i] * w, y0 + coords[i + 1] * h) for i in range(0, len(coords), 2)]

    return at


def _subject_drawing(draw: ImageDraw.ImageDraw, box, shot: Shot) -> None:
    if shot.subject == "camera":
        {"back": _camera_back, "side": _camera_side}.get(shot.role, _camera_front)(
            draw, box, shot.colour, shot.style
        )
    elif shot.subject == "top":
        _top(draw, box, shot)
    elif shot.subject == "trousers":
        _trousers(draw, box, shot)
    else:
        _shoe(draw, box, shot)


def _rounded(draw, xy, radius, **options) -> None:
    """A rounded rectangle whose corners fit it, however small the picture is drawn."""
    x0, y0, x1, y1 = _sorted_box(xy[:2], xy[2:])
    radius = max(0, min(radius, (x1 - x0) / 2 - 1, (y1 - y0) / 2 - 1))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    draw.rounded_rectangle((x0, y0, x1, y1), radius=radius, **options)


def _line_width(box) -> int:
    return max(1, round(box[2] / 220))


CAMERA_LINES = {  # how the models of each line look: body aspect, lens radius (share of the
    # body's height), a viewfinder hump, grip width, lens barrel length (share of the height)
    "mini": {"aspect": 1.65, "lens": 0.3, "hump": False, "grip": 0.1, "barrel": 0.25},
    "pro": {"aspect": 1.45, "lens": 0.36, "hump": True, "grip": 0.16, "barrel": 0.5},
    "max": {"aspect": 1.3, "lens": 0.42, "hump": True, "grip": 0.22, "barrel": 0.75},
    "go": {"aspect": 1.1, "lens": 0.24, "hump": False, "grip": 0.0, "barrel": 0.12},
}
LENSES = {"mini": "1:2.8  28mm", "pro": "1:1.8  35mm", "max": "1:1.4  50mm", "go": "1:2.0  16mm"}


def _camera_body(draw, box, colour, line):
    spec = CAMERA_LINES[line]
    at, edge, w = _mapper(box), _shade(colour, 0.55), box[2]
    if spec["hump"]:
        draw.polygon(at(0.36, 0.2, 0.41, 0.02, 0.63, 0.02, 0.68, 0.2), fill=_shade(colour, 0.9))
    _rounded(
        draw,
        [*at(0, 0.18)[0], *at(1, 1)[0]],
        radius=w * 0.05,
        fill=_shade(colour, 1),
        outline=edge,
        width=_line_width(box),
    )
    draw.rectangle([*at(0.005, 0.4)[0], *at(0.995, 0.86)[0]], fill=_shade(colour, 0.62))
    draw.ellipse([*at(0.78, 0.08)[0], *at(0.87, 0.2)[0]], fill=_shade(colour, 0.7))
    return at


def _lens(draw, centre, radius, highlight=True):
    cx, cy = centre
    for share, fill in (
        (1.0, (28, 28, 30, 255)),
        (0.86, (62, 62, 68, 255)),
        (0.72, (18, 18, 22, 255)),
        (0.54, (34, 46, 82, 255)),
        (0.32, (58, 82, 138, 255)),
    ):
        r = radius * share
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    if highlight:
        r, hx, hy = radius * 0.14, cx - radius * 0.3, cy - radius * 0.3
        draw.ellipse((hx - r, hy - r, hx + r, hy + r), fill=(205, 214, 236, 255))


def _camera_front(draw, box, colour, line):
    spec = CAMERA_LINES[line]
    at = _camera_body(draw, box, colour, line)
    w, h = box[2], box[3]
    if spec["grip"]:
        _rounded(
            draw,
            [*at(0, 0.18)[0], *at(spec["grip"], 1)[0]],
            radius=w * 0.05,
            fill=_shade(colour, 0.45),
        )
    draw.rectangle([*at(0.76, 0.25)[0], *at(0.9, 0.34)[0]], fill=(226, 226, 218, 255))
    _lens(draw, at(0.68 if line == "go" else 0.54, 0.6)[0], h * spec["lens"])
    draw.text(
        at(spec["grip"] + 0.04, 0.24)[0],
        "SNAPSHOT",
        fill=_shade(colour, 1.6),
        font=_font(max(8, round(h * 0.07))),
    )


def _camera_back(draw, box, colour, line):
    at = _camera_body(draw, box, colour, line)
    if CAMERA_LINES[line]["hump"]:
        _rounded(draw, [*at(0.44, 0.0)[0], *at(0.6, 0.2)[0]], radius=4, fill=(24, 24, 26, 255))
    right = 0.86 if line == "go" else 0.62
    _rounded(
        draw, [*at(0.08, 0.3)[0], *at(right, 0.9)[0]], radius=box[2] * 0.015, fill=(20, 22, 28, 255)
    )
    draw.polygon(at(0.1, 0.32, 0.3, 0.32, 0.16, 0.88, 0.1, 0.88), fill=(44, 48, 60, 255))
    if line == "go":
        return
    for k, y in enumerate((0.36, 0.52, 0.68, 0.84)):
        cx, cy = at(0.82 if k != 1 else 0.78, y)[0]
        r = box[3] * (0.05 if k != 1 else 0.09)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_shade(colour, 0.4))


def _camera_side(draw, box, colour, line):
    spec = CAMERA_LINES[line]
    at, lw = _mapper(box), _line_width(box)
    depth = 0.35 / (0.35 + spec["barrel"])  # the body's share of the width; the lens the rest
    _rounded(
        draw,
        [*at(0.0, 0.18)[0], *at(depth, 1)[0]],
        radius=box[2] * 0.04,
        fill=_shade(colour, 1),
        outline=_shade(colour, 0.55),
        width=lw,
    )
    if spec["hump"]:
        draw.rectangle(
            [*at(depth * 0.2, 0.02)[0], *at(depth * 0.8, 0.18)[0]], fill=_shade(colour, 0.9)
        )
    half = spec["lens"] * 0.9
    top, bottom = 0.6 - half, 0.6 + half
    draw.rectangle([*at(depth, top)[0], *at(0.97, bottom)[0]], fill=(30, 30, 33, 255))
    for k in range(1, 4):
        x = depth + (0.97 - depth) * k / 4
        draw.line([*at(x, top)[0], *at(x, bottom)[0]], fill=(70, 70, 76, 255), width=lw * 2)
    draw.ellipse([*at(0.94, top)[0], *at(1.0, bottom)[0]], fill=(50, 70, 120, 255))
    cx, cy = at(depth * 0.3, 0.26)[0]
    r = box[3] * 0.04
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(150, 150, 150, 255))


SLEEVES_LONG = (0.38, 0.04, 0.2, 0.09, 0.08, 0.25, 0.0, 0.86, 0.12, 0.88, 0.2, 0.42, 0.22, 1.0)
SLEEVES_SHORT = (0.38, 0.04, 0.2, 0.09, 0.02, 0.34, 0.14, 0.43, 0.22, 0.33, 0.22, 1.0)


def _top(draw, box, shot: Shot):
    at, colour, lw = _mapper(box), shot.colour, _line_width(box)
    half = SLEEVES_SHORT if shot.style in ("polo", "crew_tee") else SLEEVES_LONG
    mirrored = [1 - v if i % 2 == 0 else v for i, v in enumerate(half)]
    points = list(half) + [c for k in range(len(mirrored) - 2, -1, -2) for c in mirrored[k : k + 2]]
    edge = _shade(colour, 0.6) if sum(colour) > 200 else _shade(colour, 1.5)
    if shot.style == "hoodie":
        draw.ellipse([*at(0.32, -0.06)[0], *at(0.68, 0.16)[0]], fill=_shade(colour, 0.8))
    draw.polygon(at(*points), fill=_shade(colour, 1), outline=edge, width=lw)
    if shot.role == "back":
        draw.line([*at(0.22, 0.16)[0], *at(0.78, 0.16)[0]], fill=edge, width=lw)
        return
    if shot.style in ("oxford_shirt", "linen_shirt", "polo", "denim_jacket"):
        draw.polygon(at(0.38, 0.04, 0.5, 0.16, 0.42, 0.2, 0.34, 0.08), fill=_shade(colour, 0.85))
        draw.polygon(at(0.62, 0.04, 0.5, 0.16, 0.58, 0.2, 0.66, 0.08), fill=_shade(colour, 0.85))
    else:
        draw.ellipse([*at(0.4, 0.0)[0], *at(0.6, 0.1)[0]], fill=_shade(colour, 0.7))
    if shot.style == "rain_jacket":
        draw.line([*at(0.5, 0.1)[0], *at(0.5, 1.0)[0]], fill=_shade(colour, 0.5), width=lw * 2)
    elif shot.style != "crew_tee":
        count = 3 if shot.style in ("polo", "hoodie") else 7
        r = box[2] * 0.012
        for k in range(count):
            cx, cy = at(0.5, 0.2 + k * 0.11)[0]
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_shade(colour, 0.5))
    if shot.style in ("hoodie", "denim_jacket"):
        top, bottom = (0.62, 0.86) if shot.style == "hoodie" else (0.28, 0.4)
        _rounded(
            draw,
            [*at(0.3, top)[0], *at(0.7 if shot.style == "hoodie" else 0.44, bottom)[0]],
            radius=lw * 4,
            outline=edge,
            width=lw,
        )


def _trousers(draw, box, shot: Shot):
    at, colour, lw = _mapper(box), shot.colour, _line_width(box)
    edge = _shade(colour, 0.6) if sum(colour) > 200 else _shade(colour, 1.5)
    draw.polygon(
        at(0.12, 0.0, 0.88, 0.0, 0.96, 1.0, 0.56, 1.0, 0.5, 0.3, 0.44, 1.0, 0.04, 1.0),
        fill=_shade(colour, 1),
        outline=edge,
        width=lw,
    )
    draw.rectangle([*at(0.12, 0.0)[0], *at(0.88, 0.06)[0]], fill=_shade(colour, 0.8))
    if shot.role != "back":
        draw.line([*at(0.5, 0.06)[0], *at(0.5, 0.24)[0]], fill=edge, width=lw)


def _shoe(draw, box, shot: Shot):
    at, colour, lw = _mapper(box), shot.colour, _line_width(box)
    if shot.role == "front":  # the other side, seen from the toe: the profile mirrored
        x0, y0, w, h = box
        at = _mapper((x0 + w, y0, -w, h))
    sole = (236, 232, 224, 255) if shot.subject != "boot" else (46, 40, 36, 255)
    edge = _shade(colour, 0.6) if sum(colour) > 200 else _shade(colour, 1.6)
    if shot.subject == "boot":
        upper = (0.02, 0.84, 0.04, 0.0, 0.36, 0.0, 0.4, 0.5, 0.7, 0.6, 0.92, 0.68, 1.0, 0.84)
    elif shot.subject == "sandal":
        upper = None
    else:
        upper = (0.0, 0.84, 0.02, 0.3, 0.2, 0.22, 0.34, 0.38, 0.6, 0.5, 0.86, 0.58, 1.0, 0.84)
    if upper:
        draw.polygon(at(*upper), fill=_shade(colour, 1), outline=edge, width=lw)
    else:
        for x in (0.25, 0.55, 0.8):
            draw.arc(
                _sorted_box(at(x - 0.12, 0.5)[0], at(x + 0.12, 1.1)[0]),
                start=180,
                end=360,
                fill=_shade(colour, 1),
                width=lw * 8,
            )
    _rounded(draw, _sorted_box(at(0.0, 0.82)[0], at(1.0, 1.0)[0]), radius=box[3] * 0.06, fill=sole)
    if shot.subject == "sneaker":
        for k in range(5):
            a = at(0.36 + k * 0.05, 0.42 + k * 0.02)[0]
            b = at(0.4 + k * 0.05, 0.38 + k * 0.02)[0]
            draw.line([*a, *b], fill=(245, 245, 245, 255), width=lw * 2)


def _sorted_box(a, b):
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])]


def _detail(canvas: Image.Image, shot: Shot) -> None:
    """A close-up: the lens of a camera, the weave and a button of a garment, a shoe's tread."""
    draw = ImageDraw.Draw(canvas)
    width, height = canvas.size
    cx, cy = width / 2, height / 2
    if shot.subject == "camera":
        rng = random.Random(shot.filename)
        draw.rectangle((0, 0, width, height), fill=_shade(shot.colour, 1))
        radius = min(width, height) * (0.3 + CAMERA_LINES[shot.style]["lens"] * 0.5)
        cx, cy = cx * rng.uniform(0.8, 1.2), cy * rng.uniform(0.85, 1.15)
        _lens(draw, (cx, cy), radius)
        draw.text(
            (cx - radius * 0.4, cy - radius * 0.84),
            LENSES[shot.style],
            fill=(220, 220, 220, 255),
            font=_font(max(8, round(radius * 0.08))),
        )
        return
    if shot.subject in ("top", "trousers"):
        _weave(draw, canvas.size, shot.colour, shot.style)
        r = min(width, height) * 0.16
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(230, 226, 214, 255))
        for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
            hx, hy, hr = cx + dx * r * 0.3, cy + dy * r * 0.3, r * 0.1
            draw.ellipse((hx - hr, hy - hr, hx + hr, hy + hr), fill=(120, 116, 104, 255))
        return
    draw.rectangle((0, 0, width, height), fill=(60, 56, 52, 255))
    step = max(8, min(width, height) // 9)
    for y in range(step // 2, height, step):
        for x in range(step // 2 + (y // step % 2) * step // 2, width, step):
            _rounded(
                draw,
                (x, y, x + step * 0.6, y + step * 0.5),
                radius=step // 8,
                fill=(84, 78, 72, 255),
            )


WEAVES = {  # lines across the shorter side, per style; True: crossed (a plain weave)
    "oxford_shirt": (80, True),
    "linen_shirt": (45, True),
    "polo": (110, False),
    "crew_tee": (130, False),
    "hoodie": (70, False),
    "rain_jacket": (150, True),
    "chino": (60, False),
    "denim_jacket": (50, False),
}


def _weave(draw, size, colour, style) -> None:
    """The fabric of a style: diagonal twill lines, or crossed ones, a shade off the colour."""
    width, height = size
    lines, crossed = WEAVES.get(style, (60, False))
    draw.rectangle((0, 0, width, height), fill=_shade(colour, 1))
    step = max(4, min(width, height) // lines)
    line = _shade(colour, 0.82) if sum(colour) > 200 else _shade(colour, 1.18)
    for k in range(-height, width, step):
        draw.line((k, 0, k + height, height), fill=line, width=max(1, step // 3))
        if crossed:
            draw.line((k, height, k + height, 0), fill=line, width=max(1, step // 4))


def _plant(draw, size, rng: random.Random) -> None:
    width, height = size
    at = _mapper((width * rng.uniform(0.62, 0.76), height * 0.3, width * 0.2, height * 0.45))
    for leaf in (
        (0.5, 0.8, 0.1, 0.1, 0.35, 0.5),
        (0.5, 0.8, 0.9, 0.05, 0.62, 0.5),
        (0.5, 0.8, 0.5, -0.05, 0.48, 0.4),
        (0.5, 0.8, 0.0, 0.4, 0.3, 0.65),
        (0.5, 0.8, 1.0, 0.35, 0.72, 0.62),
    ):
        draw.polygon(at(*leaf), fill=(70, 120, 64, 255))
    draw.polygon(at(0.25, 0.75, 0.75, 0.75, 0.68, 1.0, 0.32, 1.0), fill=(190, 110, 80, 255))


# --------------------------------------------------------------------------- video and PDF


def _video(scale: float) -> bytes | None:
    """Two seconds of ffmpeg's test card as H.264 MP4 (or MPEG-4 without libx264); None when
    ffmpeg is missing or fails."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    width, height = (640, 360) if scale >= 0.5 else (160, 90)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "demo.mp4")
        try:
            subprocess.run(
                [
                    ffmpeg,
                    "-nostdin",
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-f",
                    "lavfi",
                    "-i",
                    f"testsrc=duration=2:size={width}x{height}:rate=25",
                    "-pix_fmt",
                    "yuv420p",
                    "-movflags",
                    "+faststart",
                    "-y",
                    path,
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            logger.warning("ffmpeg could not make the demo video: %s", exc)
            return None
        with open(path, "rb") as made:
            return made.read()


def _manual(shot: Shot, scale: float) -> bytes:
    """A two-page A4 user manual (100 dpi): a cover with the camera, a page of instructions."""
    width, height = (max(200, round(827 * scale)), max(283, round(1169 * scale)))
    cover = Image.new("RGBA", (width, height), (255, 255, 255, 255))
    draw = ImageDraw.Draw(cover)
    title = _font(max(10, width // 18))
    draw.text((width * 0.1, height * 0.08), shot.product_name or shot.sku, fill="black", font=title)
    draw.text((width * 0.1, height * 0.14), "User manual", fill=(90, 90, 90), font=title)
    w = width * 0.7
    aspect = CAMERA_LINES[shot.style]["aspect"]
    _camera_front(draw, (width * 0.15, height * 0.35, w, w / aspect), shot.colour, shot.style)
    instructions = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(instructions)
    body = _font(max(8, width // 40))
    steps = [
        "1. Charge the battery fully before first use (about 3 hours).",
        "2. Insert a memory card until it clicks.",
        "3. Turn the mode dial to AUTO and press the shutter halfway to focus.",
        "4. Press fully to take the picture.",
        "Warranty: two years from the date of purchase.",
    ]
    for k, step in enumerate(steps):
        draw.text((width * 0.08, height * (0.08 + k * 0.05)), step, fill="black", font=body)
    out = io.BytesIO()
    cover.convert("RGB").save(
        out,
        "PDF",
        save_all=True,
        append_images=[instructions],
        resolution=100 * width / 827,  # A4 whatever the scale
        title=f"{shot.product_name or shot.sku} user manual",
        author="Tessera demo",
    )
    return out.getvalue()
