"""Peers side by side (issue #9), in the same run on the same files:

- rendition_peers_catalog / rendition_peers_24mp: our rendition step (dam.renditions.render_image,
  file to file, as bench/dam_benchmarks.py times it and dam/rendering.py calls it) against a bare
  Pillow thumbnail() and against libvips' `vipsthumbnail` (Debian libvips-tools), to a 400 px
  box, one process each, over the catalog's JPEG/PNG originals and over the 24 MP JPEG. vips runs
  as one process given every file (its start-up is paid once, not per image);
- feed_vs_drf: the channel feed (stored documents) against bench/drf_baseline.py's ModelSerializer
  making the same payload live, in this process, over the catalog's published products.
"""

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench import catalog, dam_benchmarks
from bench.search_benchmark import generated

RENDITION_RATIO = 1.2  # as bench/dam_benchmarks.py: ≤ 1.2× bare Pillow
FEED_TARGET = 1.0  # the stored feed at least as fast as the live DRF baseline
CATALOG_FILES = 200


def catalog_files(count: int) -> list[Path]:
    """Paths of the first `count` catalog originals (JPEG and PNG), from default storage."""
    from django.core.files.storage import default_storage

    from dam.models import AssetVersion

    keys = (
        AssetVersion.objects.filter(asset__code__startswith="catalog_asset_")
        .order_by("asset__code")
        .values_list("file", flat=True)[:count]
    )
    return [Path(default_storage.path(key)) for key in keys]


def run_ours(files: list[Path], folder: Path) -> None:
    for n, source in enumerate(files):
        dam_benchmarks.render_file(source, folder / f"ours-{n}.jpg")


def run_pillow(files: list[Path], folder: Path) -> None:
    for n, source in enumerate(files):
        dam_benchmarks.pillow_thumbnail(source, folder / f"pillow-{n}.jpg")


def run_vips(files: list[Path], folder: Path) -> None:
    box = f"{dam_benchmarks.SPEC.width}x{dam_benchmarks.SPEC.height}"
    output = str(folder / "vips-%s.jpg[Q=82,strip]")
    for start in range(0, len(files), 100):  # a bounded command line
        subprocess.run(
            ["vipsthumbnail", "-s", box, "-o", output, *map(str, files[start : start + 100])],
            check=True,
            capture_output=True,
            timeout=600,
        )


def compare(files: list[Path], rounds: int) -> dict[str, float]:
    """Median milliseconds per image of each peer over `files` (alternating rounds)."""
    runners = {"ours": run_ours, "pillow": run_pillow}
    if shutil.which("vipsthumbnail"):
        runners["vips"] = run_vips
    timings = {name: [] for name in runners}
    with tempfile.TemporaryDirectory() as folder:
        for runner in runners.values():
            runner(files[:2], Path(folder))  # warm: imports, codecs, the page cache
        for _ in range(rounds):
            for name, runner in runners.items():
                started = time.perf_counter()
                runner(files, Path(folder))
                timings[name].append((time.perf_counter() - started) * 1000 / len(files))
    return {name: statistics.median(values) for name, values in timings.items()}


def rendition_row(name: str, files: list[Path], rounds: int, described: str) -> dict:
    ms = compare(files, rounds)
    ratio = ms["ours"] / ms["pillow"]
    vips = ms.get("vips")
    vips_note = (
        f", vipsthumbnail {vips:.1f} ms (ours = {ms['ours'] / vips:.2f}× vips)"
        if vips
        else ", vipsthumbnail not installed (apt-get install libvips-tools)"
    )
    return {
        "name": name,
        "measured": f"{ratio:.2f}× Pillow",
        "target": f"≤ {RENDITION_RATIO:.2f}× Pillow",
        "met": ratio <= RENDITION_RATIO,
        "ours_ms": round(ms["ours"], 1),
        "pillow_ms": round(ms["pillow"], 1),
        "vips_ms": round(vips, 1) if vips else None,
        "ours_vs_vips": round(ms["ours"] / vips, 2) if vips else None,
        "notes": (
            f"{described}, to a 400 px box, median of {rounds} rounds, per image: ours "
            f"{ms['ours']:.1f} ms (EXIF orientation, ICC → sRGB, metadata stripped, q82 "
            f"progressive), Pillow thumbnail + save {ms['pillow']:.1f} ms{vips_note}"
        ),
    }


def rendition_peers_catalog(scale: float) -> dict:
    made = generated(scale)
    files = catalog_files(min(CATALOG_FILES, made["assets"]))
    kinds = sum(1 for f in files if f.suffix == ".png")
    size = sum(f.stat().st_size for f in files) / len(files) / 1e6
    described = (
        f"{len(files)} catalog originals ({len(files) - kinds} JPEG 1.4–2.2 MP, {kinds} PNG "
        f"0.4–0.6 MP; {size:.2f} MB average)"
    )
    return rendition_row("rendition peers (catalog files)", files, 3, described)


def rendition_peers_24mp(scale: float) -> dict:
    source = dam_benchmarks.source_image()
    files = [source] * max(4, round(8 * min(scale, 1.0)))
    described = f"the 24 MP JPEG ({source.stat().st_size / 1e6:.1f} MB) × {len(files)}"
    return rendition_row("rendition peers (24 MP)", files, 3, described)


# ------------------------------------------------------------------------------ the feed


def walk(view, path: str, params: dict, user) -> tuple[int, float]:
    """Every page of a list view (limit 1000), in this process: (products, seconds)."""
    from urllib.parse import parse_qs, urlsplit

    import orjson
    from rest_framework.test import APIRequestFactory, force_authenticate

    factory = APIRequestFactory()
    query = dict(params)
    served, elapsed = 0, 0.0
    while True:
        request = factory.get(path, query)
        force_authenticate(request, user=user)
        started = time.perf_counter()
        response = view(request)
        if hasattr(response, "render"):
            response.render()
        elapsed += time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        body = orjson.loads(response.content)
        served += len(body["results"])
        if not body["next"]:
            return served, elapsed
        query = {k: v[0] for k, v in parse_qs(urlsplit(body["next"]).query).items()}


def feed_vs_drf(scale: float) -> dict:
    from django.contrib.auth import get_user_model

    from bench.drf_baseline import FeedBaselineView
    from linking.api.feed import ChannelFeedView

    made = generated(scale)
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    channel, locale = catalog.CHANNELS[0], catalog.LOCALES[0]
    ours_view = ChannelFeedView.as_view()
    baseline_view = FeedBaselineView.as_view()

    def ours():
        view = lambda request: ours_view(request, channel=channel)  # noqa: E731
        return walk(
            view, f"/api/v1/channels/{channel}/products", {"locale": locale, "limit": 1000}, user
        )

    def baseline():
        params = {"channel": channel, "locale": locale, "limit": 1000}
        return walk(baseline_view, "/bench/drf-feed", params, user)

    ours(), baseline()  # warm
    runs = {"ours": [], "drf": []}
    for _ in range(3):
        runs["ours"].append(ours())
        runs["drf"].append(baseline())
    served = {name: values[0][0] for name, values in runs.items()}
    rate = {
        name: served[name] / statistics.median(seconds for _, seconds in values)
        for name, values in runs.items()
    }
    ratio = rate["ours"] / rate["drf"]
    return {
        "name": "feed vs DRF ModelSerializer",
        "measured": f"{ratio:.1f}× DRF",
        "target": f"≥ {FEED_TARGET:.1f}× DRF",
        "met": ratio >= FEED_TARGET and served["ours"] == served["drf"],
        "feed_products_per_s": round(rate["ours"]),
        "drf_products_per_s": round(rate["drf"]),
        "products": served,
        "notes": (
            f"{channel}/{locale}, limit 1,000, every page, in-process views, median of 3: "
            f"stored documents {rate['ours']:,.0f} products/s vs bench/drf_baseline.py "
            f"(ModelSerializer + nested links/renditions, prefetched, built live) "
            f"{rate['drf']:,.0f} products/s; {served['ours']:,} vs {served['drf']:,} products "
            f"({made['documents']:,} published)"
        ),
    }


BENCHMARKS = [feed_vs_drf, rendition_peers_catalog, rendition_peers_24mp]
