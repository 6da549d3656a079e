"""Completeness: precomputed per product × channel × locale whenever a product changes, and
recomputed in the background for a family's products when the family's requirements change."""

from django.db import connection, transaction

from pim import selectors
from pim.catalog import Catalog
from pim.models import Completeness, Product
from pim.values import inherit

BATCH = 500


COLUMNS = ("product_id", "channel_id", "locale_id", "ratio", "required_count", "missing")


def completeness_replace(entries, catalog: Catalog) -> None:
    """Store fresh completeness for (product, family code, effective values) entries."""
    channels, locales = catalog.ids["channel"], catalog.ids["locale"]
    rows = [
        (product.pk, channels[channel], locales[locale], ratio, count, ",".join(missing))
        for product, family, values in entries
        for channel, locale, ratio, count, missing in catalog.completeness(family, values)
    ]
    Completeness.objects.filter(product_id__in=[product.pk for product, _, _ in entries]).delete()
    if connection.vendor == "postgresql":
        # COPY: a thousand products make twelve thousand rows; an INSERT of that many
        # parameters costs more than the rest of the save.
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {Completeness._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        Completeness.objects.bulk_create(
            Completeness(**dict(zip(COLUMNS, row, strict=True))) for row in rows
        )


def completeness_refresh(*, product_ids: list[int]) -> int:
    """Recompute completeness of the given products from what is stored; returns how many."""
    catalog = selectors.catalog_load()
    done = 0
    for start in range(0, len(product_ids), BATCH):
        batch = list(
            Product.objects.select_related("family", "parent__parent").filter(
                pk__in=product_ids[start : start + BATCH]
            )
        )
        with transaction.atomic():
            completeness_replace([(p, p.family.code, effective_values(p)) for p in batch], catalog)
        done += len(batch)
    return done


def effective_values(product: Product) -> dict:
    """A product's own values over those it inherits from its product models."""
    levels = []
    model = product.parent
    while model is not None:
        levels.insert(0, model.values)
        model = model.parent
    return inherit(*levels, product.values) if levels else product.values
