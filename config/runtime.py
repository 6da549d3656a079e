"""Process tuning for long-running servers (wsgi, asgi) and the benchmarks that mimic them."""

import gc

# A request that serializes a thousand products allocates hundreds of thousands of objects;
# with CPython's default threshold (700) the collector runs hundreds of times per request and
# a page takes half again as long. Collect the youngest generation every 50,000 allocations.
GC_THRESHOLD = (50_000, 20, 20)


def tune_gc() -> None:
    """Freeze what the app loaded (never garbage) and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
