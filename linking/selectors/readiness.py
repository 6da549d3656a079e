"""Reads of media readiness: a product's readiness per channel × locale, as the API shows it."""

from governance.models import Channel
from linking.selectors.links import product_media
from linking.services.readiness import MediaContext, combined_completeness
from pim.models import Completeness, Product


def product_readiness(
    *, product: Product, channel: str | None = None, locale: str | None = None, now
) -> list[dict]:
    """Per channel × locale (narrowed to the codes given), computed as of `now`: the media
    readiness, the working copy's attribute completeness, and the completeness the channel
    goes by (the two combined when its media policy counts readiness, else the attributes')."""
    channels = Channel.objects.prefetch_related("locales").order_by("code")
    if channel is not None:
        channels = channels.filter(code=channel)
    completeness = {
        (row.channel_id, row.locale_id): row for row in Completeness.objects.filter(product=product)
    }
    context = MediaContext(now=now)
    rows = []
    for channel_row in channels:
        policy = context.policy(channel_row.pk)
        counted = bool(policy and policy.counts_towards_completeness)
        for locale_row in sorted(channel_row.locales.all(), key=lambda row: row.code):
            if locale is not None and locale_row.code != locale:
                continue
            items = product_media(product, channel=channel_row.code, locale=locale_row.code)
            context.load([item.asset for item in items])
            readiness, _ = context.assess(product, channel_row, locale_row.code, items)
            attributes = completeness.get((channel_row.pk, locale_row.pk))
            ratio = attributes.ratio if attributes else 100
            combined = combined_completeness(
                ratio=ratio,
                attributes_required=attributes.required_count if attributes else 0,
                readiness=readiness,
            )
            rows.append(
                {
                    "channel": channel_row.code,
                    "locale": locale_row.code,
                    "score": readiness.score,
                    "required": readiness.required,
                    "ready": readiness.ready,
                    "missing": readiness.missing,
                    "attribute_completeness": ratio,
                    "completeness": combined if counted else ratio,
                    "counts_towards_completeness": counted,
                    "gates_approval": bool(policy and policy.gates_approval),
                }
            )
    return rows
