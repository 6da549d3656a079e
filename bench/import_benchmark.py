"""Product import benchmark (issue #8): a 100,000-row CSV of 30 values per row, dry run then
commit, each in a child process so its peak RSS is its own; the same at a tenth of the size shows
memory does not grow with the file."""

import csv
import multiprocessing
import os
import resource
import tempfile
import time

from django.db import connections

from bench.pim_benchmarks import COLORS, apparel_family, reference_data, steady_state
from governance.tabular import TableReader, table_format

ROWS = 100_000
MEMORY_LIMIT_MB = 300


def header() -> list[str]:
    columns = ["sku", "family", "enabled"]
    columns += [f"text_{i}-en_US" for i in range(8)] + ["text_0-fr_FR"]
    columns += [f"number_{i}" for i in range(5)]
    columns += [f"metric_{i}" for i in range(3)] + [f"metric_{i}-unit" for i in range(3)]
    columns += [f"price_{i}-ecommerce-{c}" for i in range(2) for c in ("EUR", "USD")]
    columns += [f"flag_{i}" for i in range(4)]
    columns += [f"date_{i}" for i in range(3)]
    columns += [f"color_{i}" for i in range(3)] + [f"colors_{i}" for i in range(2)]
    return columns


def row(prefix: str, n: int) -> list:
    cells = [f"{prefix}-{n:06}", "apparel", "1"]
    cells += [f"Product {n} text {i}" for i in range(8)] + [f"Produit {n}"]
    cells += [n % 1000 + i for i in range(5)]
    cells += [f"{n % 50}.5"] * 3 + ["gram"] * 3
    cells += ["19.90", "21"] * 2
    cells += ["1" if n % 2 == 0 else "0"] * 4
    cells += [f"2025-0{1 + i}-1{n % 10}" for i in range(3)]
    cells += [COLORS[(n + i) % 20] for i in range(3)]
    cells += [",".join(COLORS[n % 20 : n % 20 + 2]) for _ in range(2)]
    return cells


def write_csv(path: str, prefix: str, total: int) -> None:
    """Streamed to disk: the file is never held in memory."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header())
        for n in range(total):
            writer.writerow(row(prefix, n))


def read_rows(file):
    """(header, numbered rows) through governance.tabular's TableReader, as the import job."""
    reader = TableReader(file, table_format(file))
    return reader.header, reader.rows()


def phase(path: str, dry_run: bool, pipe) -> None:
    """One import in a child process: (seconds, counts, peak RSS in MB) back through the pipe."""
    from pim.imports import products_import

    started = time.perf_counter()
    with open(path, "rb") as file:
        columns, rows = read_rows(file)
        counts = products_import(rows, columns, dry_run=dry_run)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pipe.send((elapsed, counts.__dict__, peak))
    pipe.close()


def in_child(path: str, dry_run: bool) -> tuple[float, dict, float]:
    connections.close_all()  # the child opens its own connection
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=phase, args=(path, dry_run, sending))
    child.start()
    result = receiving.recv()
    child.join()
    return result


def run_file(prefix: str, total: int) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, f"{prefix}.csv")
        write_csv(path, prefix, total)
        size = os.path.getsize(path) / 2**20
        dry = in_child(path, dry_run=True)
        commit = in_child(path, dry_run=False)
    return {"rows": total, "file_mb": size, "dry": dry, "commit": commit}


def product_import(scale: float) -> dict:
    from pim.models import Family

    reference_data()
    if not Family.objects.filter(code="apparel").exists():  # the PIM benchmark's, if it ran
        apparel_family()
    total = max(int(ROWS * scale), 100)
    # A worker's steady state: its start-up (unit registry, imports, catalog rules) is not
    # measured; the children are forked from this warmed process.
    import pim.imports  # noqa: F401
    from pim import selectors
    from pim.validators import units

    units()
    selectors.catalog_load()
    warm = run_file("WARM", 50)
    small = run_file("SMALL", max(total // 10, 10))
    steady_state()
    full = run_file("FULL", total)
    seconds = full["dry"][0] + full["commit"][0]
    limit = 120 * total / ROWS  # two minutes for 100,000 rows
    dry_rate, commit_rate = total / full["dry"][0], total / full["commit"][0]
    peak = max(full["dry"][2], full["commit"][2])
    small_peak = max(small["dry"][2], small["commit"][2])
    counts = full["commit"][1]
    met = (
        seconds < limit
        and peak < MEMORY_LIMIT_MB
        and counts["created"] == total
        and full["dry"][1]["created"] == total
    )
    return {
        "name": "product import (CSV, PostgreSQL)",
        "measured": f"{seconds:.1f} s",
        "target": f"< {limit:.0f} s",
        "met": met,
        "rows": total,
        "dry_run_seconds": round(full["dry"][0], 1),
        "commit_seconds": round(full["commit"][0], 1),
        "dry_run_rows_per_second": round(dry_rate),
        "commit_rows_per_second": round(commit_rate),
        "peak_rss_mb": round(peak),
        "peak_rss_mb_tenth_file": round(small_peak),
        "baseline_rss_mb": round(warm["dry"][2]),
        "notes": (
            f"{total:,} rows × 31 values ({full['file_mb']:.0f} MB CSV), dry run then commit: "
            f"{full['dry'][0]:.1f} s ({dry_rate:,.0f} rows/s) + {full['commit'][0]:.1f} s "
            f"({commit_rate:,.0f} rows/s) = {total / seconds:,.0f} rows/s; peak RSS {peak:.0f} MB, "
            f"a tenth of the file {small_peak:.0f} MB (< {MEMORY_LIMIT_MB} MB)"
        ),
    }


BENCHMARKS = [product_import]
