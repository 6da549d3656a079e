"""Channel documents: the resolved, ready-to-serve JSON of each publishable product per channel
and locale, rebuilt in the background when something it shows changes."""

from collections.abc import Iterable


def products_media_changed(
    *, product_ids: Iterable[int] = (), model_ids: Iterable[int] = ()
) -> None:
    """Queue, on commit, the rebuild of readiness and channel documents of these products (and of
    every variant under these product models): their links changed."""
