"""Channel feed benchmarks (issue #6): 50,000 published products (stored documents of ~2.5 KB)
served by gunicorn with two workers on loopback, read with a read-only API key.

- feed_throughput: products/s over every page with limit=1000, two clients at once (one per
  worker), each following its own cursor from the first page to the last.
- feed_deep_page: latency of page 1 against page 10,000 with limit=5 (the page-10,000 cursor
  is the one the server would hand out there), and the queries a page costs.

Runs after bench/__main__.py set Django up on the benchmark's PostgreSQL database: the seed
writes Product and ChannelDocument rows with bulk_create (building 50,000 documents through
approvals is not what is measured); the server is a separate process on the same database.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import orjson
import requests

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = 50_000
CHANNEL, LOCALE = "bench_web", "en_US"
WORKERS = 2
THROUGHPUT_TARGET = 10_000  # products/s
DEEP_PAGE_RATIO = 1.2
DEEP_PAGE = 10_000
DEEP_LIMIT = 5


# ------------------------------------------------------------------------------ the data


def document(n: int, sku: str, updated_at) -> str:
    """A document shaped like the builder's (linking/services/document_build.py), ~2.5 KB."""
    uuid = f"00000000-0000-4000-8000-{n:012d}"
    base = "https://cdn.example.com/renditions/ab/"

    def item(role, position):
        renditions = {
            profile: {
                "url": f"{base}{n:08x}{role}{position}/{profile}.webp",
                "width": width,
                "height": width,
                "format": "webp",
                "bytes": width * 37 + n % 997,
            }
            for profile, width in (("web_400", 400), ("web_800", 800), ("web_1600", 1600))
        }
        srcset = ", ".join(f"{r['url']} {r['width']}w" for r in renditions.values())
        return {
            "asset": uuid,
            "position": position,
            "kind": "image",
            "alt": f"Product {n} seen from the {role}",
            "focal_point": {"x": 0.5, "y": 0.4},
            "placeholder": False,
            "ready": True,
            "usable_until": None,
            "renditions": renditions,
            "srcset": srcset,
        }

    values = {
        "name": f"Bench product {n}",
        "description": f"A sturdy product number {n}, made to be syndicated quickly. " * 2,
        "color": {"code": f"color_{n % 20}", "label": f"Colour {n % 20}"},
        "materials": [{"code": "cotton", "label": "Cotton"}, {"code": "wool", "label": "Wool"}],
        "weight": {"amount": f"{n % 900}.5", "unit": "gram"},
        "price": [{"amount": f"{n % 200}.90", "currency": "EUR"}],
        "ean": f"{4000000000000 + n}",
        "organic": n % 2 == 0,
        "release": f"2025-0{1 + n % 9}-1{n % 10}",
    }
    body = {
        "sku": sku,
        "family": "bench_apparel",
        "parent": None,
        "revision": 3,
        "approved_at": updated_at.isoformat(),
        "categories": [{"code": f"cat_{n % 50}", "label": f"Category {n % 50}"}],
        "values": values,
        "associations": {"cross_sell": [{"sku": f"FEED-{(n + 1) % PRODUCTS:06}", "quantity": 1}]},
        "media": {"hero": [item("front", 0)], "side": [item("side", 0)]},
        "media_readiness": {
            "score": 100,
            "required": 2,
            "ready": 2,
            "required_roles": {"hero": 1, "side": 1},
            "missing": [],
        },
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def documents_store(channel, locale, skus: list[str]) -> int:
    """A stored document per product of `skus` on channel × locale (bulk, then analysed as
    autovacuum would shortly after); the bytes stored."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection

    from linking.models import ChannelDocument
    from linking.services.document_build import document_etag
    from pim.models import Product

    ids = dict(Product.objects.filter(sku__in=skus).values_list("sku", "pk"))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    size, batch = 0, []
    for n, sku in enumerate(skus):
        updated_at = start + timedelta(milliseconds=n)
        text = document(n, sku, updated_at)
        size += len(text)
        batch.append(
            ChannelDocument(
                channel=channel,
                locale=locale,
                product_id=ids[sku],
                sku=sku,
                document=text,
                etag=document_etag(text),
                updated_at=updated_at,
            )
        )
        if len(batch) == 2000:
            ChannelDocument.objects.bulk_create(batch)
            batch = []
    ChannelDocument.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does shortly after a bulk load
    return size


def seed(total: int) -> dict:
    """Products and their stored documents on one channel and locale (once per database)."""
    from governance import services as governance
    from governance.models import Channel, Locale
    from linking.models import ChannelDocument
    from pim.models import Family, Product

    if not Locale.objects.filter(code=LOCALE).exists():
        governance.code_entry_create(model=Locale, code=LOCALE)
    channel = Channel.objects.filter(code=CHANNEL).first() or governance.channel_create(
        code=CHANNEL, locales=[LOCALE]
    )
    locale = Locale.objects.get(code=LOCALE)
    if ChannelDocument.objects.filter(channel=channel).count() == total:
        return {"seconds": 0.0, "bytes": 0}
    started = time.perf_counter()
    family, _ = Family.objects.get_or_create(code="bench_apparel")
    skus = [f"FEED-{n:06}" for n in range(total)]
    Product.objects.bulk_create(
        (Product(sku=sku, sku_key=sku.lower(), family=family) for sku in skus),
        batch_size=2000,
        ignore_conflicts=True,
    )
    size = documents_store(channel, locale, skus)
    return {"seconds": time.perf_counter() - started, "bytes": size}


def read_key() -> str:
    from governance.api_keys import api_key_create

    _, raw = api_key_create(name=f"bench-feed-{time.time_ns()}", scope="read")
    return raw


# ------------------------------------------------------------------------------ the server


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn config.wsgi with two sync workers on loopback, on the benchmark database."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="tessera-feed-bench-", suffix=".log")[1])
        environment = dict(os.environ)
        environment.update(
            {
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "TESSERA_THROTTLE_KEY": "100000000/min",
                "PYTHONUNBUFFERED": "1",
            }
        )
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--workers",
                    str(WORKERS),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "120",
                ],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def __enter__(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.unlink(missing_ok=True)


# ------------------------------------------------------------------------------ the clients


def walk(base: str, key: str, limit: int) -> tuple[int, int, float]:
    """Follow the cursor from the first page to the last: (products, pages, seconds)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    url = f"{base}/api/v1/channels/{CHANNEL}/products?locale={LOCALE}&limit={limit}"
    products = pages = 0
    started = time.perf_counter()
    while url:
        response = session.get(url, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
        body = orjson.loads(response.content)
        products += len(body["results"])
        pages += 1
        url = body["next"]
    return products, pages, time.perf_counter() - started


def timings(base: str, key: str, urls: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per request for each URL, alternating so drift hits both alike."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    measured = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            started = time.perf_counter()
            response = session.get(base + url, timeout=60)
            measured[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {response.status_code}: {response.text[:300]}")
    return measured


# ------------------------------------------------------------------------------ benchmarks


def feed_throughput(scale: float) -> dict:
    total = max(2000, int(PRODUCTS * scale))
    seeded = seed(total)
    key = read_key()
    clients = ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn"))
    with Server() as server, clients as pool:
        arguments = [server.base] * WORKERS, [key] * WORKERS, [1000] * WORKERS
        list(pool.map(walk, *arguments))  # warm: the clients, both server workers
        started = time.perf_counter()
        runs = list(pool.map(walk, *arguments))
        elapsed = time.perf_counter() - started
    served = sum(products for products, _, _ in runs)
    pages = sum(count for _, count, _ in runs)
    rate = served / elapsed
    return {
        "name": "channel feed (limit 1,000)",
        "measured": f"{rate:,.0f} products/s",
        "target": f"{THROUGHPUT_TARGET:,} products/s",
        "met": rate >= THROUGHPUT_TARGET and all(p == total for p, _, _ in runs),
        "products": total,
        "served": served,
        "pages": pages,
        "average_document_bytes": round(seeded["bytes"] / total) if seeded["bytes"] else None,
        "seed_seconds": round(seeded["seconds"], 1),
        "notes": (
            f"{WORKERS} clients × {total:,} products each, following the cursor through "
            f"{pages // WORKERS} pages, at once, against gunicorn -w {WORKERS} on loopback "
            f"(read API key, PostgreSQL): {served:,} products in {elapsed:.1f} s"
        ),
    }


def queries_per_page(total: int) -> list[int]:
    """Queries of the first, a middle and the last full page (limit 1000), in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from linking.models import ChannelDocument
    from linking.selectors.feed import FeedRow, encode_cursor

    client = Client(HTTP_AUTHORIZATION=f"Bearer {read_key()}")
    rows = ChannelDocument.objects.filter(channel__code=CHANNEL).order_by("updated_at", "id")
    url = f"/api/v1/channels/{CHANNEL}/products?locale={LOCALE}&limit=1000"
    client.get(url)  # warm: the key's principal, the catalog memo
    counts = []
    for offset in (0, (total // 2000) * 1000, total - 1000):
        cursor = ""
        if offset:
            row = rows.values_list("id", "updated_at", "document", "etag", "media_expires_at")[
                offset - 1
            ]
            cursor = "&cursor=" + encode_cursor(FeedRow(*row))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url + cursor).status_code == 200
        counts.append(len(queries))
    return counts


def feed_deep_page(scale: float) -> dict:
    from linking.models import ChannelDocument
    from linking.selectors.feed import FeedRow, encode_cursor

    total = max(2000, int(PRODUCTS * scale))
    seed(total)
    deep = min(DEEP_PAGE, total // DEEP_LIMIT)
    row = (
        ChannelDocument.objects.filter(channel__code=CHANNEL)
        .order_by("updated_at", "id")
        .values_list("id", "updated_at", "document", "etag", "media_expires_at")[
            (deep - 1) * DEEP_LIMIT - 1
        ]
    )
    feed = f"/api/v1/channels/{CHANNEL}/products?locale={LOCALE}&limit={DEEP_LIMIT}"
    urls = {"page 1": feed, f"page {deep:,}": f"{feed}&cursor={encode_cursor(FeedRow(*row))}"}
    key = read_key()
    rounds = max(50, int(300 * scale))
    with Server() as server:
        timings(server.base, key, urls, 20)  # warm
        measured = timings(server.base, key, urls, rounds)
    first, last = (statistics.median(measured[name]) for name in urls)
    p95 = {name: statistics.quantiles(values, n=20)[18] for name, values in measured.items()}
    ratio = last / first
    counts = queries_per_page(total)
    return {
        "name": f"feed page {deep:,} vs page 1",
        "measured": f"{ratio:.2f}×",
        "target": f"≤ {DEEP_PAGE_RATIO}×",
        "met": ratio <= DEEP_PAGE_RATIO and len(set(counts)) == 1,
        "page_1_ms": round(first, 2),
        "deep_page_ms": round(last, 2),
        "p95_ms": {name: round(value, 2) for name, value in p95.items()},
        "queries_per_page": counts,
        "notes": (
            f"limit {DEEP_LIMIT}, {rounds} requests each, alternating: median page 1 "
            f"{first:.2f} ms, page {deep:,} {last:.2f} ms; queries per 1,000-row page "
            f"(first, middle, last) {counts}"
        ),
    }


BENCHMARKS = [feed_throughput, feed_deep_page]
