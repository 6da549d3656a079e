"""Signal receivers: documents. Whatever changes what a channel shows of a product queues the
refresh of its readiness and channel documents on commit; configuration changes queue a
rebuild of every product they may affect. Also registers the media readiness approval gate."""

import threading

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from dam.models import Asset, RenditionProfile
from dam.signals import assets_changed
from governance import workflow
from governance.models import Channel, Event
from governance.on_commit import send_on_commit, task_publish
from governance.services import event_emit
from governance.signals import event_recorded, transitioned
from linking.models import ChannelDocument, ChannelMediaPolicy, FallbackMedia, MediaRequirement
from linking.services.documents import (
    EVENT_PREFIX,
    documents_refresh_on_commit,
    products_of_assets,
)
from linking.services.readiness import media_gate
from pim.models import Product

workflow.gate_register(Product, media_gate)

# Transitions that change what channels see: the snapshot is written or removed.
PUBLISHING_ACTIONS = {"approve", "retire"}


@receiver(transitioned, dispatch_uid="linking-documents-transitioned")
def on_transitioned(sender, obj, action, **kwargs):
    if action not in PUBLISHING_ACTIONS:
        return
    if sender is Product:
        documents_refresh_on_commit([obj.pk])
    elif sender is Asset:
        documents_refresh_on_commit(products_of_assets([obj.pk]))


@receiver(assets_changed, dispatch_uid="linking-documents-assets-changed")
def on_assets_changed(sender, asset_ids=(), **kwargs):
    documents_refresh_on_commit(products_of_assets(asset_ids))


@receiver(event_recorded, dispatch_uid="linking-documents-right-expired")
def on_right_expired(sender, event: Event, **kwargs):
    """The daily rights report's `dam.usage_right.expired` withdraws the asset at once (the
    hourly sweep would too)."""
    if event.name != "dam.usage_right.expired":
        return
    ids = Asset.objects.filter(uuid=event.payload.get("asset")).values_list("pk", flat=True)
    documents_refresh_on_commit(products_of_assets(ids))


@receiver(pre_delete, sender=Product, dispatch_uid="linking-documents-product-deleted")
def on_product_deleted(sender, instance, **kwargs):
    """A deleted product's documents go with it (cascade): tell the channels first."""
    rows = ChannelDocument.objects.filter(product=instance).select_related("channel", "locale")
    by_channel: dict[str, list[str]] = {}
    for row in rows:
        by_channel.setdefault(row.channel.code, []).append(row.locale.code)
    for channel, locales in by_channel.items():
        event_emit(
            name=f"{EVENT_PREFIX}.unpublished",
            key=f"{EVENT_PREFIX}.unpublished:{instance.pk}:deleted:{channel}",
            payload={"sku": instance.sku, "channel": channel, "locales": sorted(locales)},
            object_type="product",
            object_ref=instance.sku,
            channel=channel,
        )


# -------------------------------------------------------------------------- configuration

_pending = threading.local()


def rebuild_on_commit(family_id: int | None = None) -> None:
    """Queue, on commit, one rebuild per family touched (None: every family) per transaction."""
    pending = getattr(_pending, "families", None)
    if pending is None:
        pending = _pending.families = set()
    pending.add(family_id)
    send_on_commit(_flush_rebuilds)


def _flush_rebuilds() -> None:
    from linking.tasks.documents import channel_documents_rebuild

    families = getattr(_pending, "families", None) or set()
    _pending.families = None
    for family_id in [None] if None in families else sorted(families):
        task_publish(channel_documents_rebuild, [family_id])


def on_requirement_changed(sender, instance, **kwargs):
    rebuild_on_commit(instance.family_id)


def on_configuration_changed(sender, **kwargs):
    rebuild_on_commit()


def on_channel_relation_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        rebuild_on_commit()


for signal in (post_save, post_delete):
    signal.connect(
        on_requirement_changed,
        sender=MediaRequirement,
        dispatch_uid=f"linking-requirement-{signal is post_save}",
    )
    for model in (FallbackMedia, ChannelMediaPolicy, RenditionProfile, Channel):
        signal.connect(
            on_configuration_changed,
            sender=model,
            dispatch_uid=f"linking-configuration-{model.__name__}-{signal is post_save}",
        )
for through in (Channel.locales.through, Channel.currencies.through):
    m2m_changed.connect(
        on_channel_relation_changed,
        sender=through,
        dispatch_uid=f"linking-channel-{through.__name__}",
    )
