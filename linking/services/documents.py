"""Channel documents: the resolved, ready-to-serve JSON of each publishable product per channel
and locale, rebuilt in the background when something it shows changes.

A refresh builds, for each product × channel × locale, the document if the product is
publishable there (an approved snapshot — never the draft —, enabled, in the channel's
category tree, complete enough) or deletes the row. A row is written only when its text
changed, and each channel whose documents of a product appeared, changed or went emits
`channel.product.published|updated|unpublished` once. The missing renditions of the channels'
profiles are made first, so readiness reaches 100% without anyone requesting an URL.
"""

import hashlib
import threading
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dam.models import Asset, AssetKind, AssetVersion, UsageRight
from dam.rendering import rendition_ensure
from governance.models import Channel, PublishedSnapshot
from governance.on_commit import send_on_commit, task_publish
from governance.services import event_emit
from linking.models import ChannelDocument, FallbackMedia, MediaReadiness, ProductAssetLink
from linking.services.document_build import Built, DocumentBuilder, snapshot_load
from linking.services.readiness import MediaContext, readiness_store
from pim.models import Product

BATCH = 200  # products per refresh task
# A right that started within this long before a sweep may add an asset to documents.
SWEEP_LOOKBACK = timedelta(hours=3)
EVENT_PREFIX = "channel.product"

_pending = threading.local()
# Products a refresh in this context is rebuilding anyway: renditions it makes itself do not
# queue them again.
_refreshing: ContextVar[frozenset[int]] = ContextVar("refreshing", default=frozenset())


# -------------------------------------------------------------------------- triggers


def documents_refresh_on_commit(product_ids: Iterable[int]) -> None:
    """Queue, once the current transaction commits, the refresh of these products' documents
    (gathered per transaction, in batches of BATCH)."""
    ids = set(product_ids) - _refreshing.get()
    if not ids:
        return
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending |= ids
    # One flush per registration; a flush drains every id gathered so far (ids of a rolled
    # back transaction ride along with the next one: a refresh is idempotent).
    send_on_commit(_flush)


def _flush() -> None:
    from linking.tasks.documents import channel_documents_refresh

    ids = sorted(getattr(_pending, "ids", None) or ())
    _pending.ids = None
    for start in range(0, len(ids), BATCH):
        task_publish(channel_documents_refresh, [ids[start : start + BATCH]])


def products_of_models(model_ids: Iterable[int]) -> set[int]:
    """Variants under these product models (directly, or through a sub-model)."""
    model_ids = list(model_ids)
    if not model_ids:
        return set()
    return set(
        Product.objects.filter(
            Q(parent_id__in=model_ids) | Q(parent__parent_id__in=model_ids)
        ).values_list("pk", flat=True)
    )


def products_of_assets(asset_ids: Iterable[int]) -> set[int]:
    """Products that show these assets: linked to them or to their models, and — for an asset
    that is a channel's placeholder — the products published on that channel."""
    asset_ids = list(asset_ids)
    if not asset_ids:
        return set()
    products, models = set(), set()
    links = ProductAssetLink.objects.filter(asset_id__in=asset_ids)
    for product_id, model_id in links.values_list("product_id", "product_model_id"):
        if product_id is not None:
            products.add(product_id)
        else:
            models.add(model_id)
    channels = FallbackMedia.objects.filter(asset_id__in=asset_ids).values("channel_id")
    if channels.exists():
        products |= set(
            ChannelDocument.objects.filter(channel_id__in=channels).values_list(
                "product_id", flat=True
            )
        )
    return products | products_of_models(models)


def products_media_changed(
    *, product_ids: Iterable[int] = (), model_ids: Iterable[int] = ()
) -> None:
    """Queue, on commit, the rebuild of readiness and channel documents of these products (and of
    every variant under these product models): their links changed."""
    documents_refresh_on_commit(set(product_ids) | products_of_models(model_ids))


def products_to_rebuild(*, family_id: int | None = None) -> list[int]:
    """Products a configuration change may affect (a channel, its policy, fallbacks, profiles;
    a family's media requirements): those approved, published or with stored readiness."""
    content_type = ContentType.objects.get_for_model(Product)
    approved = PublishedSnapshot.objects.filter(content_type=content_type).values("object_id")
    condition = (
        Q(pk__in=approved)
        | Q(pk__in=ChannelDocument.objects.values("product_id"))
        | Q(pk__in=MediaReadiness.objects.values("product_id"))
    )
    products = Product.objects.filter(condition)
    if family_id is not None:
        products = products.filter(family_id=family_id)
    return list(products.order_by("pk").values_list("pk", flat=True))


# -------------------------------------------------------------------------- renditions


def renditions_prepare(*, product_ids: list[int], now) -> int:
    """Make the renditions the channels need of the approved images these products show
    (and of the channels' placeholders), synchronously: run it in a worker, outside any
    transaction. Returns how many were made (or retried)."""
    context = MediaContext(now=now)
    chains = Product.objects.filter(pk__in=product_ids).values_list(
        "parent_id", "parent__parent_id"
    )
    models = {model for chain in chains for model in chain if model is not None}
    links = ProductAssetLink.objects.filter(
        Q(product_id__in=product_ids) | Q(product_model_id__in=models)
    ).values_list("asset_id", "channel_id")
    wanted: dict[int, set[int | None]] = {}
    for asset_id, channel_id in [
        *links,
        *FallbackMedia.objects.values_list("asset_id", "channel_id"),
    ]:
        wanted.setdefault(asset_id, set()).add(channel_id)
    if not wanted:
        return 0
    all_channels = list(Channel.objects.values_list("pk", flat=True))
    assets = Asset.objects.in_bulk(list(wanted))
    context.load(list(assets.values()))
    made = 0
    for asset_id, channels in wanted.items():
        asset = assets[asset_id]
        snapshot = context.snapshot(asset)
        if not snapshot or not snapshot.get("version") or snapshot.get("kind") != AssetKind.IMAGE:
            continue
        version_id = snapshot["version"]["id"]
        profiles = {
            profile.pk: profile
            for channel in (all_channels if None in channels else channels)
            for profile in context.profiles(channel)
        }
        missing = [p for p in profiles.values() if context.rendition(asset, version_id, p) is None]
        version = AssetVersion.objects.filter(pk=version_id).first() if missing else None
        if version is None:
            continue
        version.asset = asset
        for profile in missing:
            rendition_ensure(version=version, profile=profile)
            made += 1
    return made


# -------------------------------------------------------------------------- the refresh


@contextmanager
def _rebuilding(product_ids):
    token = _refreshing.set(_refreshing.get() | frozenset(product_ids))
    try:
        yield
    finally:
        _refreshing.reset(token)


def channel_documents_refresh(*, product_ids: Iterable[int], now=None) -> dict:
    """Rebuild the media readiness and channel documents of these products as of `now`:
    renditions first, then per product (locked) each channel × locale's document written when
    changed, deleted when no longer publishable; emits channel.product.* events. Idempotent."""
    now = now or timezone.now()
    ids = sorted(set(product_ids))
    counts: Counter = Counter(
        dict.fromkeys(("renditions_made", "created", "updated", "deleted"), 0)
    )
    with _rebuilding(ids):
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            counts["renditions_made"] += renditions_prepare(product_ids=chunk, now=now)
            builder = DocumentBuilder(now=now)
            for product_id in chunk:
                counts.update(_refresh_product(builder, product_id))
    return dict(counts)


@transaction.atomic
def _refresh_product(builder: DocumentBuilder, product_id: int) -> Counter:
    # The product's row lock serialises refreshes of one product: what is compared and written
    # is read under it, so a slower refresh never writes over a newer one.
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("family")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        return Counter()
    builder.next_product()
    row = (
        PublishedSnapshot.objects.filter(
            content_type=ContentType.objects.get_for_model(Product), object_id=product.pk
        )
        .values_list("payload", "revision", "approved_at")
        .first()
    )
    snapshot = snapshot_load(product, *row) if row else None
    built: dict[tuple[int, int], Built] = {}
    readiness = {}
    for setup in builder.channels:
        for locale_id, locale in setup.locales:
            result, verdicts = builder.readiness(product, setup, locale)
            readiness[(setup.channel, locale)] = result
            if snapshot is not None and builder.publishable(snapshot, setup, locale, result):
                built[(setup.channel.pk, locale_id)] = builder.document(
                    product, snapshot, setup, locale, result, verdicts
                )
    readiness_store(product=product, results=readiness)
    return _write(builder, product, built, snapshot.revision if snapshot else None)


def _write(builder: DocumentBuilder, product: Product, built: dict, revision) -> Counter:
    """Create, change or delete the product's rows so they hold `built`; events per channel."""
    counts: Counter = Counter()
    old = {
        (row.channel_id, row.locale_id): row
        for row in ChannelDocument.objects.filter(product=product).defer("document")
    }
    written_at = timezone.now()
    creates = []
    for key, document in built.items():
        row = old.get(key)
        if row is None:
            creates.append(
                ChannelDocument(
                    channel_id=key[0],
                    locale_id=key[1],
                    product=product,
                    sku=product.sku,
                    document=document.text,
                    etag=document.etag,
                    media_expires_at=document.media_expires_at,
                    updated_at=written_at,
                )
            )
        elif row.etag != document.etag or row.sku != product.sku:
            ChannelDocument.objects.filter(pk=row.pk).update(
                document=document.text,
                etag=document.etag,
                sku=product.sku,
                media_expires_at=document.media_expires_at,
                updated_at=written_at,
            )
            counts["updated"] += 1
    deletes = [row.pk for key, row in old.items() if key not in built]
    ChannelDocument.objects.bulk_create(creates)
    ChannelDocument.objects.filter(pk__in=deletes).delete()
    counts["created"] += len(creates)
    counts["deleted"] += len(deletes)
    locale_codes = {pk: code for setup in builder.channels for pk, code in setup.locales}
    for setup in builder.channels:
        channel = setup.channel

        def state(rows, channel_id=channel.pk):
            return {
                locale_codes.get(locale_id, str(locale_id)): value.etag
                for (row_channel, locale_id), value in rows.items()
                if row_channel == channel_id
            }

        before, after = state(old), state(built)
        if before == after:
            continue
        kind = "published" if not before else "unpublished" if not after else "updated"
        # Under the product's lock a refresh that changes nothing emits nothing; the key names
        # this change (before, after, when), so the outbox holds it once.
        digest = hashlib.blake2b(
            f"{channel.code}|{sorted(before.items())}|{sorted(after.items())}|"
            f"{written_at.isoformat()}".encode(),
            digest_size=16,
        ).hexdigest()
        event_emit(
            name=f"{EVENT_PREFIX}.{kind}",
            key=f"{EVENT_PREFIX}.{kind}:{product.pk}:{digest}",
            payload={
                "sku": product.sku,
                "channel": channel.code,
                "locales": sorted(after or before),
                "revision": revision,
            },
            object_type="product",
            object_ref=product.sku,
            channel=channel.code,
        )
        counts[f"events_{kind}"] += 1
    return counts


def channel_documents_sweep(*, now=None) -> dict:
    """Rebuild the documents whose media rights have ended (the assets leave the manifest) and
    those of products showing assets whose right began lately; emits the update events."""
    now = now or timezone.now()
    expired = set(
        ChannelDocument.objects.filter(media_expires_at__lte=now).values_list(
            "product_id", flat=True
        )
    )
    starting = UsageRight.objects.filter(
        valid_from__gt=now - SWEEP_LOOKBACK, valid_from__lte=now
    ).values_list("asset_id", flat=True)
    return channel_documents_refresh(product_ids=expired | products_of_assets(starting), now=now)
