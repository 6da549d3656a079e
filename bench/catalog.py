"""The benchmark catalog (issue #9): one generator, sized by --scale, for the search, save and
baseline benchmarks.

Default (scale 1): 50,000 variant products under 10,000 product models (5 colours each, ~30
effective values: texts in 3 locales, numbers, metrics, prices, flags, dates, selects), on 3
channels × 3 locales; `assets` (20,000) real JPEG/PNG files of 0.3–1.5 MB under
content-addressed keys as dam.services.original_key makes them, each model linked to a hero
image and each product to a front image; published snapshots and channel documents for the
first `documents` products.

The files: Pillow encodes 300 photo-like pictures once (~60 ms each; 20,000 encodes would take
~20 minutes); each asset is one of them with a comment of its own spliced into the encoded
bytes (a JPEG COM segment, a PNG tEXt chunk with its CRC), so every file is a valid image that
Pillow and libmagic read as before, with a sha256 and a storage key of its own.

Which path writes what (and why):
- products: pim.services.products.product_upsert_many, 1,000 per call (the bulk path the API
  and imports use: COPY on PostgreSQL, completeness, unique values, audit);
- product models, assets + versions, links, published snapshots: bulk_create — seeding only
  (one model/asset/link through the services is what the other benchmarks and the tests
  measure; 10,000 single saves are not what this one does). Snapshots carry the payload
  pim.workflow.product_snapshot builds, so documents are what an approval would publish;
- channel documents: linking.services.documents.channel_documents_refresh (the service's
  own batch path) for the first `documents` products (default 2,000: the refresh builds a
  document per channel × locale of every channel in the database — 21+ per product with the
  other benchmarks' channels — at ~90 ms a product here); the rest have no document.
"""

import hashlib
import io
import random
import time
import zlib
from contextlib import contextmanager
from datetime import UTC, datetime

from bench import pim_benchmarks

PRODUCTS = 50_000
VARIANTS_PER_MODEL = 5
ASSETS = 20_000
# Distinct pictures Pillow encodes (~60 ms each); asset n is picture n % PICTURES with its own
# comment spliced in. More than peers.CATALOG_FILES, so the rendition peers see no repeats; a
# multiple of 4, so the 1-in-4 PNG share holds per asset.
PICTURES = 300
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DOCUMENTS = 2_000
LOCALES = ["en_US", "fr_FR", "de_DE"]
CHANNELS = ["catalog_web", "catalog_app", "catalog_print"]
FAMILY, VARIANT = "catalog_apparel", "catalog_by_color"
PREFIX = "CATALOG-"
COLORS = pim_benchmarks.COLORS
# A small vocabulary so that q= words hit realistic numbers of products (a word every
# product has, words a few percent have, words a handful have).
WORDS = [
    "cotton",
    "wool",
    "linen",
    "denim",
    "leather",
    "silk",
    "canvas",
    "fleece",
    "jersey",
    "tweed",
    "velvet",
    "suede",
    "nylon",
    "shirt",
    "jacket",
    "trousers",
    "skirt",
    "dress",
    "coat",
    "scarf",
    "boots",
    "sneakers",
    "sandals",
    "belt",
    "hat",
    "gloves",
    "classic",
    "slim",
    "relaxed",
    "organic",
    "recycled",
    "waterproof",
    "breathable",
    "lightweight",
    "winter",
    "summer",
]
MODEL_TEXTS = [f"text_{n}" for n in range(8)]
VARIANT_ATTRIBUTES = (
    ["color_0"]
    + [f"number_{n}" for n in range(5)]
    + [f"metric_{n}" for n in range(3)]
    + [f"price_{n}" for n in range(2)]
    + [f"flag_{n}" for n in range(4)]
    + [f"date_{n}" for n in range(3)]
)


def sizes(scale: float, assets: int | None = None, documents: int | None = None) -> dict:
    """Counts at a scale: scale 20 is the 1,000,000-product catalog."""
    products = max(1000, int(PRODUCTS * scale))
    products -= products % VARIANTS_PER_MODEL
    return {
        "products": products,
        "models": products // VARIANTS_PER_MODEL,
        "assets": assets if assets is not None else max(50, int(ASSETS * min(scale, 1.0))),
        "documents": min(
            products, documents if documents is not None else int(DOCUMENTS * min(scale, 1.0))
        ),
    }


def sku(n: int) -> str:
    return f"{PREFIX}{n:07}"


def description(n: int) -> list[str]:
    """Eight words of the model's texts: deterministic per model, varied across models."""
    pick = random.Random(n)
    return pick.sample(WORDS, 8)


# ------------------------------------------------------------------------------ structure


@contextmanager
def tasks_queued():
    """Tasks sent meanwhile go to an in-memory broker that no worker reads, instead of running
    eagerly in this process (the benchmarks have no broker). For seeding configuration: a new
    channel, rendition profile or media requirement queues the rebuild of every product that
    has documents or readiness — another benchmark's 50,000 — which is a worker's job, not
    what any benchmark measures."""
    from config.celery import app

    app.conf.update(task_always_eager=False, broker_url="memory://")
    try:
        yield
    finally:
        app.conf.update(task_always_eager=True)


def structure() -> None:
    with tasks_queued():
        _structure()


def _structure() -> None:
    """Channels, locales, family with requirements, family variant (once per database)."""
    from governance import services as governance
    from governance.models import Channel, Locale
    from linking.services.links import media_roles_ensure
    from pim.models import Family
    from pim.services import catalog

    pim_benchmarks.reference_data()  # colours, currencies, the PIM benchmark's channels
    if Family.objects.filter(code=FAMILY).exists():
        return
    if not Family.objects.filter(code="apparel").exists():
        pim_benchmarks.apparel_family()  # the 30 attributes
    for code in LOCALES:
        if not Locale.objects.filter(code=code).exists():
            governance.code_entry_create(model=Locale, code=code)
    for code in CHANNELS:
        if not Channel.objects.filter(code=code).exists():
            governance.channel_create(code=code, locales=LOCALES, currencies=["EUR", "USD"])
    attributes = attribute_codes()
    required = ["text_0", "text_1", "number_0", "price_0", "metric_0", "color_0", "flag_0"]
    catalog.family_save(
        code=FAMILY,
        changes={"attributes": attributes, "requirements": {c: required for c in CHANNELS}},
    )
    catalog.family_variant_save(
        code=VARIANT,
        changes={
            "family": FAMILY,
            "levels": [{"axes": ["color_0"], "attributes": VARIANT_ATTRIBUTES[1:]}],
        },
    )
    media_roles_ensure()


def attribute_codes() -> list[str]:
    return MODEL_TEXTS + VARIANT_ATTRIBUTES + ["color_1", "color_2", "colors_0", "colors_1"]


# ------------------------------------------------------------------------------ values


def model_values(m: int) -> dict:
    """A root model's stored values ({code: {"channel|locale": data}}): texts in 3 locales."""
    words = description(m)
    values = {
        code: {
            f"|{locale}": f"{words[i]} {words[(i + 1) % 8]} {locale[:2]} model {m} {code}"
            for locale in LOCALES
        }
        for i, code in enumerate(MODEL_TEXTS)
    }
    values["color_1"] = {"|": COLORS[m % 20]}
    values["color_2"] = {"|": COLORS[(m + 7) % 20]}
    values["colors_0"] = {"|": sorted({COLORS[m % 20], COLORS[(m + 3) % 20]})}
    values["colors_1"] = {"|": sorted({COLORS[(m + 1) % 20], COLORS[(m + 5) % 20]})}
    return values


def variant_item(n: int) -> dict:
    """A variant product as product_upsert_many takes it (~20 values of its own)."""
    v = lambda data, channel=None: {"channel": channel, "locale": None, "data": data}  # noqa: E731
    values = {"color_0": [v(COLORS[n % VARIANTS_PER_MODEL])]}
    values.update({f"number_{i}": [v(n % 1000 + i)] for i in range(5)})
    values.update({f"metric_{i}": [v({"amount": f"{n % 50}.5", "unit": "gram"})] for i in range(3)})
    prices = [{"amount": f"{10 + n % 90}.90", "currency": "EUR"}, {"amount": 21, "currency": "USD"}]
    values.update({f"price_{i}": [v(prices, channel) for channel in CHANNELS] for i in range(2)})
    values.update({f"flag_{i}": [v(n % 2 == 0)] for i in range(4)})
    values.update({f"date_{i}": [v(f"2025-0{1 + i}-1{n % 10}")] for i in range(3)})
    return {
        "sku": sku(n),
        "family": FAMILY,
        "parent": f"catalog_model_{n // VARIANTS_PER_MODEL:06}",
        "values": values,
    }


# ------------------------------------------------------------------------------ writers


def models_seed(count: int) -> None:
    """Root product models, bulk_create (seeding): values and search text as the service
    stores them."""
    from pim import selectors
    from pim.models import FamilyVariant, ProductModel

    catalog = selectors.catalog_load()
    variant = FamilyVariant.objects.get(code=VARIANT)
    have = set(ProductModel.objects.filter(family_variant=variant).values_list("code", flat=True))
    batch = []
    for m in range(count):
        code = f"catalog_model_{m:06}"
        if code in have:
            continue
        values = model_values(m)
        batch.append(
            ProductModel(
                code=code,
                family_variant=variant,
                values=values,
                search_text=catalog.search_text(code, values),
            )
        )
        if len(batch) == 5000:
            ProductModel.objects.bulk_create(batch)
            batch = []
    ProductModel.objects.bulk_create(batch)


def products_seed(count: int) -> None:
    """Variant products through product_upsert_many, 1,000 per call."""
    from pim import selectors
    from pim.models import Product
    from pim.services.products import product_upsert_many

    have = Product.objects.filter(sku__startswith=PREFIX).count()
    catalog = selectors.catalog_load()
    for start in range(have, count, 1000):
        items = [variant_item(n) for n in range(start, min(start + 1000, count))]
        outcomes = product_upsert_many(items=items, catalog=catalog)
        failed = [outcome for outcome in outcomes if not outcome.ok]
        assert not failed, (failed[0].sku, failed[0].errors)


def image_bytes(n: int, base) -> tuple[bytes, str, str]:
    """Picture n, photo-like: a crop of a noisy base, a drawn mark; 3 in 4 JPEG (≈1–2 MP,
    q85), 1 in 4 PNG (≈0.4 MP packshot). (bytes, mime, extension)."""
    from PIL import ImageDraw

    pick = random.Random(n)
    if n % 4 == 3:
        width, height = pick.choice(((800, 800), (640, 640), (720, 540)))
    else:
        width, height = pick.choice(((1600, 1200), (1200, 1600), (1800, 1200), (1400, 1400)))
    left, top = pick.randrange(base.width - width), pick.randrange(base.height - height)
    image = base.crop((left, top, left + width, top + height))
    draw = ImageDraw.Draw(image)
    colour = tuple(pick.randrange(256) for _ in range(3))
    box = [pick.randrange(width // 2), pick.randrange(height // 2)]
    draw.ellipse([*box, box[0] + width // 3, box[1] + height // 3], fill=colour)
    draw.text((10, 10), f"picture {n}", fill=(255, 255, 255))
    out = io.BytesIO()
    if n % 4 == 3:
        image.save(out, "PNG", compress_level=1)
        return out.getvalue(), "image/png", "png"
    image.save(out, "JPEG", quality=85)
    return out.getvalue(), "image/jpeg", "jpg"


def with_comment(data: bytes, mime: str, text: str) -> bytes:
    """The same encoded image with `text` stored in it as a comment (a JPEG COM segment after
    the JFIF header, a PNG tEXt chunk after IHDR): other bytes, the same pixels, no encoding."""
    payload = text.encode("latin-1")
    if mime == "image/jpeg" and data[:2] == b"\xff\xd8":
        at = 2
        if data[2:4] == b"\xff\xe0":  # JFIF wants its APP0 segment right after SOI
            at = 4 + int.from_bytes(data[4:6], "big")
        segment = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
        return data[:at] + segment + data[at:]
    if mime == "image/png" and data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR":
        at = 8 + 4 + 4 + 13 + 4  # signature, IHDR's length, type, 13 bytes of data and CRC
        chunk = b"tEXt" + b"Comment\x00" + payload
        return (
            data[:at]
            + (len(chunk) - 4).to_bytes(4, "big")
            + chunk
            + zlib.crc32(chunk).to_bytes(4, "big")
            + data[at:]
        )
    raise ValueError(f"not a JPEG or PNG Pillow wrote: {mime}, {data[:16]!r}")


def noisy_base():
    """A 2400 × 2000 picture of gradients, fractal edges and sensor-like noise (made once)."""
    from PIL import Image

    size = (2400, 2000)
    across = Image.linear_gradient("L").resize(size)
    around = Image.radial_gradient("L").resize(size)
    fractal = Image.effect_mandelbrot(size, (-2.2, -1.2, 1.0, 1.2), 60)
    noise = Image.merge("RGB", [Image.effect_noise(size, s) for s in (28, 22, 26)])
    return Image.blend(Image.merge("RGB", [across, around, fractal]), noise, 0.35)


# Asset n shows subject n % 10 in colour n % 7 in setting n % 11: a subject is in a tenth of the
# assets, a colour with a subject in a seventieth, a setting with a subject in a 110th.
ASSET_SUBJECTS = [
    ("shirt", "chemise", "hemd"),
    ("dress", "robe", "kleid"),
    ("jacket", "veste", "jacke"),
    ("sneaker", "basket", "turnschuh"),
    ("handbag", "sac", "handtasche"),
    ("scarf", "foulard", "schal"),
    ("trousers", "pantalon", "hose"),
    ("boot", "botte", "stiefel"),
    ("hat", "chapeau", "hut"),
    ("belt", "ceinture", "guertel"),
]
ASSET_COLOURS = ["red", "navy", "olive", "white", "black", "beige", "grey"]
ASSET_SETTINGS = [
    "studio",
    "street",
    "beach",
    "flatlay",
    "runway",
    "detail",
    "packshot",
    "lifestyle",
    "garden",
    "closeup",
    "mirror",
]


def asset_texts(n: int) -> tuple[dict, dict]:
    """Asset n's title and alt text, words of the small vocabulary above."""
    english, french, german = ASSET_SUBJECTS[n % len(ASSET_SUBJECTS)]
    colour, setting = ASSET_COLOURS[n % len(ASSET_COLOURS)], ASSET_SETTINGS[n % len(ASSET_SETTINGS)]
    title = {"en_US": f"{colour.capitalize()} {english}, {setting} shot {n}"}
    alt_text = {
        "en_US": f"A {colour} {english} on a {setting} background",
        "fr_FR": f"{french.capitalize()} ({colour})",
        "de_DE": f"{german.capitalize()} ({colour})",
    }
    return title, alt_text


def assets_seed(count: int) -> int:
    """Approved image assets with one version each, files in default storage under their
    content-addressed key; bulk_create (seeding). Each file is a picture of the pool with the
    asset's own comment in it: a valid image with a sha256 of its own. The bytes written."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from dam.models import Asset, AssetKind, AssetVersion, MetadataStatus

    have = Asset.objects.filter(code__startswith="catalog_asset_").count()
    if have >= count:
        return 0
    base = noisy_base()
    pictures: dict[int, tuple[bytes, str, str]] = {}  # encoded once, ≈160 MB for 300
    written = 0
    for start in range(have, count, 500):
        assets, versions = [], []
        for n in range(start, min(start + 500, count)):
            if n % PICTURES not in pictures:
                pictures[n % PICTURES] = image_bytes(n % PICTURES, base)
            picture, mime, extension = pictures[n % PICTURES]
            data = with_comment(picture, mime, f"Tessera benchmark catalog asset {n}")
            digest = hashlib.sha256(data).hexdigest()
            key = f"originals/{digest[:2]}/{digest[2:4]}/{digest}.{extension}"
            if not default_storage.exists(key):
                default_storage.save(key, ContentFile(data, name=key))
            written += len(data)
            code = f"catalog_asset_{n:06}"
            title, alt_text = asset_texts(n)
            # What dam.services.search_text makes of them: code, texts, original file name.
            words = [code, *title.values(), *alt_text.values(), f"{code}.{extension}"]
            assets.append(
                Asset(
                    code=code,
                    kind=AssetKind.IMAGE,
                    workflow_state="approved",
                    title=title,
                    alt_text=alt_text,
                    search_text=" ".join(words),
                )
            )
            versions.append(
                AssetVersion(
                    number=1,
                    file=key,
                    original_filename=f"{code}.{extension}",
                    sha256=digest,
                    size=len(data),
                    mime=mime,
                    metadata_status=MetadataStatus.DONE,
                )
            )
        Asset.objects.bulk_create(assets)
        for asset, version in zip(assets, versions, strict=True):
            version.asset = asset
        AssetVersion.objects.bulk_create(versions)
        for asset, version in zip(assets, versions, strict=True):
            asset.current_version = version
        Asset.objects.bulk_update(assets, ["current_version"])
    return written


def links_seed(models: int, products: int, assets: int) -> None:
    """A hero per model, a front per product (bulk_create, seeding)."""
    from dam.models import Asset
    from linking.models import ProductAssetLink
    from pim.models import Product, ProductModel

    if ProductAssetLink.objects.filter(asset__code__startswith="catalog_asset_").exists():
        return
    asset_ids = list(
        Asset.objects.filter(code__startswith="catalog_asset_")
        .order_by("code")
        .values_list("pk", flat=True)[:assets]
    )
    model_ids = ProductModel.objects.filter(code__startswith="catalog_model_").order_by("code")
    links = [
        ProductAssetLink(product_model_id=pk, asset_id=asset_ids[m % len(asset_ids)], role="hero")
        for m, pk in enumerate(model_ids.values_list("pk", flat=True))
    ]
    ProductAssetLink.objects.bulk_create(links, batch_size=5000)
    product_ids = Product.objects.filter(sku__startswith=PREFIX).order_by("sku_key")
    links = []
    for n, pk in enumerate(product_ids.values_list("pk", flat=True).iterator(chunk_size=5000)):
        links.append(
            ProductAssetLink(
                product_id=pk, asset_id=asset_ids[(n * 7 + 1) % len(asset_ids)], role="front"
            )
        )
        if len(links) == 5000:
            ProductAssetLink.objects.bulk_create(links)
            links = []
    ProductAssetLink.objects.bulk_create(links)


def publish(count: int) -> float:
    """Snapshots (the payload an approval writes; bulk_create) and the channel documents of the
    first `count` products (the linking refresh service). Seconds of the refresh."""
    from django.contrib.contenttypes.models import ContentType

    from governance.models import PublishedSnapshot
    from linking.services.documents import channel_documents_refresh
    from pim.models import Product
    from pim.workflow import product_snapshot

    products = list(
        Product.objects.filter(sku__startswith=PREFIX).order_by("sku_key")[:count].only("pk", "sku")
    )
    content_type = ContentType.objects.get_for_model(Product)
    done = set(
        PublishedSnapshot.objects.filter(
            content_type=content_type, object_id__in=[p.pk for p in products]
        ).values_list("object_id", flat=True)
    )
    now = datetime.now(UTC)
    snapshots = [
        PublishedSnapshot(
            content_type=content_type,
            object_id=product.pk,
            object_repr=product.sku,
            revision=1,
            payload=product_snapshot(product),
            approved_at=now,
        )
        for product in products
        if product.pk not in done
    ]
    PublishedSnapshot.objects.bulk_create(snapshots, batch_size=2000)
    Product.objects.filter(pk__in=[p.pk for p in products]).update(workflow_state="approved")
    started = time.perf_counter()
    channel_documents_refresh(product_ids=[p.pk for p in products if p.pk not in done])
    return time.perf_counter() - started


def generate(scale: float, assets: int | None = None, documents: int | None = None) -> dict:
    """Build (or complete) the catalog at this scale; what was made and how long each step
    took, in seconds."""
    wanted = sizes(scale, assets, documents)
    steps = {}

    def step(name, work, *args):
        started = time.perf_counter()
        answer = work(*args)
        steps[name] = round(time.perf_counter() - started, 1)
        return answer

    step("structure", structure)
    step("models", models_seed, wanted["models"])
    step("products", products_seed, wanted["products"])
    written = step("assets", assets_seed, wanted["assets"])
    step("links", links_seed, wanted["models"], wanted["products"], wanted["assets"])
    refresh = step("publish", publish, wanted["documents"])
    pim_benchmarks.steady_state()
    return {**wanted, "steps": steps, "asset_bytes": written, "refresh_seconds": round(refresh, 1)}
