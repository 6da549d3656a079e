"""Export benchmarks (issue #8): 100,000 published products of a channel written to CSV, and the
whole catalog in the import layout.

- channel_export: the export job's work (linking.services.exports.export_write) over stored
  channel documents shaped like the builder's (~2.5 KB, bench/feed_benchmark.py's), flattened
  to one CSV row per product: 9 attributes (select, multi-select, metric, price, boolean,
  date, texts) and 2 media roles × 3 rendition profiles. Seeded with bulk_create (building
  100,000 documents through approvals is not what is measured).
- catalog_export: the same work for a catalog export (products and product models as CSV in
  the import layout) over products saved through pim's bulk upsert with ~30 values each, in a
  catalog that also has 200 scopable, localizable attributes they do not use (as a full run has).

Runs after bench/__main__.py set Django up on the benchmark's PostgreSQL database.
"""

import resource
import time

PRODUCTS = 100_000
CATALOG_PRODUCTS = 20_000
WIDE_ATTRIBUTES = 200  # scopable and localizable, held by no exported product
CHANNEL, LOCALE = "bench_export", "en_US"
TARGET = 5_000  # products/s
ROLES = ("hero", "side")
PROFILES = (("web_400", 400), ("web_800", 800), ("web_1600", 1600))
ATTRIBUTES = {
    "name": {"type": "text", "is_localizable": True},
    "description": {"type": "textarea", "is_localizable": True},
    "color": {"type": "select", "vocabulary": "bench_export_colors"},
    "materials": {"type": "multiselect", "vocabulary": "bench_export_materials"},
    "weight": {"type": "metric", "allowed_units": ["gram", "kilogram"], "decimals_allowed": True},
    "price": {"type": "price", "decimals_allowed": True, "is_scopable": True},
    "ean": {"type": "text"},
    "organic": {"type": "boolean"},
    "release": {"type": "date"},
}


def structure() -> None:
    """The channel, its profiles and media requirements, and the documents' attributes."""
    from bench.catalog import tasks_queued

    with tasks_queued():  # not a rebuild of the feed benchmark's 50,000 documents
        _structure()


def _structure() -> None:
    from bench import pim_benchmarks
    from dam import rendering
    from governance import services as governance
    from governance.models import Channel, Currency, Locale, Vocabulary
    from linking.models import MediaRequirement
    from pim.models import Attribute, Family
    from pim.services import catalog

    if Channel.objects.filter(code=CHANNEL).exists():
        return
    pim_benchmarks.reference_data()  # the locales, currencies and channels every bench shares
    if not Locale.objects.filter(code=LOCALE).exists():
        governance.code_entry_create(model=Locale, code=LOCALE)
    if not Currency.objects.filter(code="EUR").exists():
        governance.code_entry_create(model=Currency, code="EUR")
    channel = governance.channel_create(code=CHANNEL, locales=[LOCALE], currencies=["EUR"])
    for vocabulary, terms in {
        "bench_export_colors": [f"color_{n}" for n in range(20)],
        "bench_export_materials": ["cotton", "wool"],
    }.items():
        if not Vocabulary.objects.filter(code=vocabulary).exists():
            row = governance.vocabulary_create(code=vocabulary)
            for order, term in enumerate(terms):
                governance.term_create(vocabulary=row, code=term, sort_order=order)
    catalog.attribute_group_save(code="bench_export", changes={})
    for code, spec in ATTRIBUTES.items():
        if not Attribute.objects.filter(code=code).exists():
            catalog.attribute_save(code=code, changes={"group": "bench_export", **spec})
    family = Family.objects.filter(code="bench_apparel").first()  # the feed benchmark's, if run
    held = set(family.attributes.values_list("code", flat=True)) if family else set()
    family = catalog.family_save(
        code="bench_apparel", family=family, changes={"attributes": sorted(held | set(ATTRIBUTES))}
    )
    for code, width in PROFILES:
        rendering.rendition_profile_save(
            code=code,
            changes={"width": width, "height": width, "format": "webp", "channel": CHANNEL},
        )
    for role in ROLES:
        MediaRequirement.objects.create(family=family, channel=channel, role=role, minimum=1)


def seed(total: int) -> float:
    """Products and their stored documents on the channel (once per database); seconds taken."""

    from bench.feed_benchmark import documents_store
    from governance.models import Channel, Locale
    from linking.models import ChannelDocument
    from pim.models import Family, Product

    structure()
    channel = Channel.objects.get(code=CHANNEL)
    if ChannelDocument.objects.filter(channel=channel).count() == total:
        return 0.0
    started = time.perf_counter()
    locale = Locale.objects.get(code=LOCALE)
    family = Family.objects.get(code="bench_apparel")
    skus = [f"EXPORT-{n:06}" for n in range(total)]
    for start in range(0, total, 5000):
        Product.objects.bulk_create(
            (
                Product(sku=sku, sku_key=sku.lower(), family=family)
                for sku in skus[start : start + 5000]
            ),
            batch_size=5000,
            ignore_conflicts=True,
        )
    documents_store(channel, locale, skus)
    return time.perf_counter() - started


def run_export(parameters: dict) -> tuple[dict, float, int, object]:
    """(report, seconds, peak RSS of the process in bytes, (job, bytes written)) of one export
    job's work, run in this process."""
    from django.core.files.storage import default_storage

    from governance.models import Job
    from linking.services import exports

    job = Job.objects.create(kind=exports.JOB_KIND, parameters=parameters)
    started = time.perf_counter()
    report = exports.export_write(job=job)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    size = sum(default_storage.size(file["name"]) for file in report["files"])
    for file in report["files"]:
        default_storage.delete(file["name"])
    job.refresh_from_db()
    return report, elapsed, peak, (job, size)


def channel_export(scale: float) -> dict:
    total = max(2000, int(PRODUCTS * scale))
    seeded = seed(total)
    parameters = {"kind": "channel", "format": "csv", "channel": CHANNEL, "locales": [LOCALE]}
    run_export({**parameters})  # warm: imports, the catalog memo, the database's caches
    report, elapsed, peak, (job, size) = run_export(parameters)
    exported = report["counts"]["products"]
    rate = exported / elapsed
    return {
        "name": "channel export (CSV)",
        "measured": f"{rate:,.0f} products/s",
        "target": f"{TARGET:,} products/s",
        "met": rate >= TARGET and exported == total and job.processed == total,
        "products": exported,
        "columns": report["counts"]["columns"],
        "file_bytes": size,
        "peak_rss_mb": round(peak / 1e6, 1),
        "seed_seconds": round(seeded, 1),
        "notes": (
            f"{exported:,} products × {report['counts']['columns']} columns "
            f"({size / 1e6:.0f} MB of CSV) in {elapsed:.1f} s, stored documents flattened and "
            f"written to default storage; peak RSS of the process {peak / 1e6:.0f} MB"
        ),
    }


def wide_structure() -> None:
    """The PIM benchmark's "big" family: 200 attributes × 3 channels × 4 locales that the exported
    products do not use. A full run has it; without it a catalog export alone would not show
    what a catalog of many unused attribute scopes costs (2,400 possible columns)."""
    from bench import pim_benchmarks
    from pim.models import Family
    from pim.services import catalog

    if Family.objects.filter(code="big").exists():
        return
    codes = [f"big_{n}" for n in range(WIDE_ATTRIBUTES)]
    for code in codes:
        pim_benchmarks.attribute(code, type="text", is_localizable=True, is_scopable=True)
    catalog.family_save(code="big", changes={"attributes": codes})


def catalog_seed(total: int) -> float:
    from bench import pim_benchmarks
    from pim.models import Family, Product
    from pim.services.products import product_upsert_many

    pim_benchmarks.reference_data()
    if not Family.objects.filter(code="apparel").exists():  # the PIM benchmark's, if it ran
        pim_benchmarks.apparel_family()
    wide_structure()
    have = Product.objects.filter(sku__startswith="CAT-").count()
    if have >= total:
        return 0.0
    started = time.perf_counter()
    for start in range(have, total, 1000):
        items = [
            {"sku": f"CAT-{n:06}", "family": "apparel", "values": pim_benchmarks.apparel_values(n)}
            for n in range(start, min(start + 1000, total))
        ]
        outcomes = product_upsert_many(items=items)
        assert all(outcome.ok for outcome in outcomes), outcomes[0].errors
    return time.perf_counter() - started


def catalog_export(scale: float) -> dict:
    from pim.models import Product, ProductModel

    total = max(1000, int(CATALOG_PRODUCTS * scale))
    seeded = catalog_seed(total)
    rows = Product.objects.count() + ProductModel.objects.count()
    report, elapsed, peak, (job, size) = run_export({"kind": "catalog", "format": "csv"})
    rate = rows / elapsed
    columns = report["columns"]["products"]
    return {
        "name": "catalog export (CSV)",
        "measured": f"{rate:,.0f} rows/s",
        "target": f"{TARGET:,} rows/s",
        "met": rate >= TARGET and job.processed == rows,
        "rows": rows,
        "columns": columns,
        "file_bytes": size,
        "peak_rss_mb": round(peak / 1e6, 1),
        "seed_seconds": round(seeded, 1),
        "notes": (
            f"{rows:,} products and models ({total:,} with ~30 values) in the import layout, "
            f"{columns} product columns, "
            f"{size / 1e6:.0f} MB of CSV in {elapsed:.1f} s; peak RSS of the process {peak / 1e6:.0f} MB"
        ),
    }


BENCHMARKS = [channel_export, catalog_export]
