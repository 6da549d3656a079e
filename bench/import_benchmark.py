"""Product import benchmark (issue #8): a 100,000-row CSV of 30 values per row, dry run then
commit, each in a child process so its peak RSS is its own; the same at a tenth of the size shows
memory does not grow with the file.

The children are spawned, not forked: a forked child shares (and its ru_maxrss counts) whatever
the parent holds, which in a full run is a large catalog. A spawned child starts a fresh
interpreter, sets Django up as a worker does, warms it (imports, units, catalog rules), and
reports the high-water mark of its own memory (VmHWM), its baseline before the import beside it.
Nothing Django-related is imported at module level: the child imports this module first.
"""

import csv
import multiprocessing
import os
import resource
import tempfile
import time

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
    from bench.pim_benchmarks import COLORS

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
    from governance.tabular import TableReader, table_format

    reader = TableReader(file, table_format(file))
    return reader.header, reader.rows()


def memory_mb(field: str) -> float:
    """This process's VmHWM (peak) or VmRSS (now) in MB; ru_maxrss where /proc is missing."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_setup() -> None:
    """A worker's steady state in the fresh child: Django as bench/__main__.py sets it up (the
    environment is inherited), its gc tuning, and the start-up an import job does not repeat."""
    import django

    django.setup()
    import pim.imports  # noqa: F401
    from config.runtime import tune_gc
    from pim import selectors
    from pim.validators import units

    units()
    selectors.catalog_load()
    tune_gc()


def phase(path: str, dry_run: bool, pipe) -> None:
    """One import in a spawned child: (seconds, counts, peak MB, baseline MB) through the pipe."""
    child_setup()
    from pim.imports import products_import

    baseline = memory_mb("VmRSS")
    started = time.perf_counter()
    with open(path, "rb") as file:
        columns, rows = read_rows(file)
        counts = products_import(rows, columns, dry_run=dry_run)
    elapsed = time.perf_counter() - started
    pipe.send((elapsed, counts.__dict__, memory_mb("VmHWM"), baseline))
    pipe.close()


def in_child(path: str, dry_run: bool) -> tuple[float, dict, float, float]:
    context = multiprocessing.get_context("spawn")  # a fresh process: none of the parent's memory
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=phase, args=(path, dry_run, sending))
    child.start()
    sending.close()  # only the child holds the sending end: a crash ends recv() with EOFError
    try:
        result = receiving.recv()
    finally:
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
    from bench.pim_benchmarks import apparel_family, reference_data, steady_state
    from pim.models import Family

    reference_data()
    if not Family.objects.filter(code="apparel").exists():  # the PIM benchmark's, if it ran
        apparel_family()
    total = max(int(ROWS * scale), 100)
    # Each child warms itself (child_setup) before its clock starts; the warm file is the
    # children's baseline (a tiny import) and warms the database's caches.
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
        "child_rss_before_import_mb": round(max(full["dry"][3], full["commit"][3])),
        "notes": (
            f"{total:,} rows × 31 values ({full['file_mb']:.0f} MB CSV), dry run then commit: "
            f"{full['dry'][0]:.1f} s ({dry_rate:,.0f} rows/s) + {full['commit'][0]:.1f} s "
            f"({commit_rate:,.0f} rows/s) = {total / seconds:,.0f} rows/s; peak RSS of the spawned "
            f"child {peak:.0f} MB ({max(full['dry'][3], full['commit'][3]):.0f} MB before the "
            f"import), a tenth of the file {small_peak:.0f} MB (< {MEMORY_LIMIT_MB} MB)"
        ),
    }


BENCHMARKS = [product_import]
