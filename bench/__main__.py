"""Run the benchmarks: python -m bench [--only NAME] [--scale 0.1] [--assets 20000].

--scale 20 makes the catalog (search, paging) 1,000,000 products. Writes a table on stdout,
bench/results/<stamp>.json + latest.json, report.md and report.png."""

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/tessera_bench"


def prepare_database(url: str) -> None:
    """A fresh benchmark database, so numbers never depend on what an earlier run left."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", help="run only these benchmarks")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the data (0.1 = a tenth)")
    parser.add_argument(
        "--assets", type=int, help="catalog assets (default 20,000 at scale 1, as the issue asks)"
    )
    parser.add_argument(
        "--documents", type=int, help="catalog products published as channel documents"
    )
    args = parser.parse_args()
    run_started = time.perf_counter()

    from bench import (
        dam_benchmarks,  # the pipeline alone: no Django, no database
        upload_benchmark,  # its own server process on SQLite: no PostgreSQL
    )

    standalone = dam_benchmarks.BENCHMARKS + upload_benchmark.BENCHMARKS
    standalone_names = {benchmark.__name__ for benchmark in standalone}
    results = []
    if not args.only or any(name not in standalone_names for name in args.only):
        for benchmark in catalog_benchmarks(args):
            run(benchmark, args, results)
    for benchmark in standalone:
        run(benchmark, args, results)

    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    payload = {
        "at": stamp,
        "scale": args.scale,
        "python": sys.version.split()[0],
        "results": results,
    }
    payload["total_seconds"] = round(time.perf_counter() - run_started, 1)
    for path in (RESULTS / f"{stamp}.json", RESULTS / "latest.json"):
        path.write_text(json.dumps(payload, indent=2))
    from bench import report

    markdown = report.write(payload, RESULTS, payload["total_seconds"])
    print(
        f"\nsaved {RESULTS / 'latest.json'} and {markdown} in {payload['total_seconds'] / 60:.1f} min"
    )
    return 0


def catalog_benchmarks(args: argparse.Namespace) -> list:
    """The PIM, channel feed, catalog and peer benchmarks, after a fresh PostgreSQL database and
    Django are set up for them."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    prepare_database(url)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "b" * 50),
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "TESSERA_LOG_LEVEL": "WARNING",
            "TESSERA_THROTTLE_USER": "100000000/min",
            # The catalog's originals: a folder of the benchmark's own, not the app's var/media.
            "TESSERA_MEDIA_ROOT": os.environ.get(
                "BENCH_MEDIA_ROOT", str(RESULTS.parent.parent / "var" / "bench-media")
            ),
        }
    )
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)  # the catalog benchmarks measure the web and database path

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from bench import (
        export_benchmark,
        feed_benchmark,
        grid_benchmark,
        import_benchmark,
        peers,
        pim_benchmarks,
        search_benchmark,
    )
    from config.runtime import tune_gc

    tune_gc()  # as config/wsgi.py does for the server
    search_benchmark.OPTIONS.update(assets=args.assets, documents=args.documents)
    return (
        pim_benchmarks.BENCHMARKS
        + feed_benchmark.BENCHMARKS
        + grid_benchmark.BENCHMARKS
        + export_benchmark.BENCHMARKS
        + import_benchmark.BENCHMARKS
        + search_benchmark.BENCHMARKS
        + peers.BENCHMARKS
    )


def run(benchmark, args: argparse.Namespace, results: list) -> None:
    if args.only and benchmark.__name__ not in args.only:
        return
    started = time.perf_counter()
    try:
        result = benchmark(scale=args.scale)
    except Exception as exc:  # one broken benchmark must not lose the whole run's table
        traceback.print_exc()
        result = {
            "name": benchmark.__name__,
            "measured": "error",
            "target": "",
            "met": False,
            "notes": f"{type(exc).__name__}: {exc}"[:500],
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    results.append(result)
    print_row(result)


def print_row(result: dict) -> None:
    if not getattr(print_row, "header", False):
        print(f"{'benchmark':<34} {'measured':>14} {'target':>14}  {'met':<4} notes")
        print_row.header = True
    met = "yes" if result["met"] else "NO"
    print(
        f"{result['name']:<34} {result['measured']:>14} {result['target']:>14}  {met:<4} {result.get('notes', '')}"
    )


if __name__ == "__main__":
    sys.exit(main())
