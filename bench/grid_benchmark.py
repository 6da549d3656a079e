"""Workbench product grid benchmark (issue #7): 100,000 products with values, completeness on
every channel × locale and a category each; the server time of the grid page (in this process,
through Django's test client, as bench/pim_benchmarks.py measures the API) for the first page, a
filtered page, a deep keyset page and a few more, and the queries each costs.

Runs after bench/__main__.py set Django up on the benchmark's PostgreSQL database. The seed
writes rows with INSERT … SELECT over generate_series (building 100,000 products through the
services is not what is measured), on top of pim_benchmarks' reference data and family.
"""

import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from bench import pim_benchmarks

PRODUCTS = 100_000
TARGET_MS = 300
ROUNDS = 20
STATIC_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"
MAX_QUERIES = 16  # what tests/linking/test_workbench_products.py allows, + a category look-up


def seed(total: int) -> float:
    """Products (a name in two locales, search text), completeness rows on every channel ×
    locale (a third of the products incomplete) and one of ten categories each."""
    from governance import services as governance
    from governance.models import Category
    from pim.models import Family, Product

    pim_benchmarks.reference_data()
    if not Family.objects.filter(code="apparel").exists():
        pim_benchmarks.apparel_family()
    if Product.objects.filter(sku__startswith="GRID-").count() >= total:
        return 0.0
    started = time.perf_counter()
    if not Category.objects.filter(code="grid_root").exists():
        governance.category_create(code="grid_root")
        for n in range(10):
            governance.category_create(code=f"grid_{n}", parent="grid_root")
    family = Family.objects.get(code="apparel")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO pim_product (created_at, updated_at, workflow_state, values, version,
                search_text, sku, sku_key, family_id, axis_key, is_enabled)
            SELECT now() - make_interval(secs => n), now() - make_interval(secs => n),
                (ARRAY['draft', 'draft', 'in_review', 'approved'])[1 + n %% 4],
                jsonb_build_object('text_0', jsonb_build_object(
                    '|en_US', 'Grid product ' || n, '|fr_FR', 'Produit ' || n)),
                1,
                'GRID-' || lpad(n::text, 6, '0') || ' grid product ' || n || ' color' || (n %% 20),
                'GRID-' || lpad(n::text, 6, '0'), 'grid-' || lpad(n::text, 6, '0'),
                %s, '', n %% 10 <> 0
            FROM generate_series(0, %s) AS n
            ON CONFLICT DO NOTHING
            """,
            [family.pk, total - 1],
        )
        cursor.execute(
            """
            INSERT INTO pim_completeness (product_id, channel_id, locale_id, ratio,
                required_count, missing)
            SELECT p.id, cl.channel_id, cl.locale_id,
                CASE WHEN p.id % 3 = 0 THEN 60 ELSE 100 END, 10,
                CASE WHEN p.id % 3 = 0 THEN 'text_4,text_5,price_0,metric_0' ELSE '' END
            FROM pim_product p CROSS JOIN governance_channel_locales cl
            WHERE p.sku_key LIKE 'grid-%'
            ON CONFLICT DO NOTHING
            """
        )
        cursor.execute(
            """
            INSERT INTO pim_product_categories (product_id, category_id)
            SELECT p.id, c.id FROM pim_product p
            JOIN governance_category c ON c.code = 'grid_' || (p.id % 10)
            WHERE p.sku_key LIKE 'grid-%'
            ON CONFLICT DO NOTHING
            """
        )
    pim_benchmarks.steady_state()
    return time.perf_counter() - started


def deep_cursor(total: int) -> str:
    """The cursor the grid hands out for the page starting at 90 % of the catalog (by SKU)."""
    from linking.selectors.product_grid import encode_cursor
    from pim.models import Product

    key, pk = Product.objects.order_by("sku_key", "pk").values_list("sku_key", "pk")[
        int(total * 0.9)
    ]
    return encode_cursor(key, pk)


def measure(client: Client, url: str) -> tuple[float, int]:
    """Median server time (ms) over ROUNDS requests, and the queries of one."""
    client.get(url)  # warm: the catalog memo, the connection, the plan cache
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries)


def workbench_grid(scale: float) -> dict:
    total = max(2000, int(PRODUCTS * scale))
    seeded = seed(total)
    user, _ = get_user_model().objects.get_or_create(username="grid-bench", is_superuser=True)
    client = Client()
    client.force_login(user)
    scope = "scope=ecommerce%7Cen_US"
    urls = {
        "first page": "/products/",
        "filtered (q, family, incomplete, in review)": (
            f"/products/?q=color6&family=apparel&{scope}&completeness=incomplete&state=in_review"
        ),
        "incomplete, by updated desc": (
            f"/products/?{scope}&completeness=incomplete&sort=updated&dir=desc"
        ),
        "category subtree": "/products/?category=grid_3",
        "deep keyset page (90 %)": f"/products/?after={deep_cursor(total)}",
        "sorted by completeness": f"/products/?{scope}&sort=completeness",
    }
    # The manifest (collectstatic) does not exist here; its look-up is a dict read anyway.
    plain = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_BACKEND}}
    with override_settings(STORAGES=plain):
        measured = {name: measure(client, url) for name, url in urls.items()}
    worst = max(ms for ms, _ in measured.values())
    counts = sorted({queries for _, queries in measured.values()})
    return {
        "name": "workbench grid (50 rows)",
        "measured": f"{worst:,.0f} ms worst",
        "target": f"< {TARGET_MS} ms",
        "met": worst < TARGET_MS and max(counts) <= MAX_QUERIES,
        "products": total,
        "seed_seconds": round(seeded, 1),
        "median_ms": {name: round(ms, 1) for name, (ms, _) in measured.items()},
        "queries": {name: queries for name, (_, queries) in measured.items()},
        "notes": "; ".join(f"{name} {ms:.0f} ms/{q}q" for name, (ms, q) in measured.items()),
    }


BENCHMARKS = [workbench_grid]
