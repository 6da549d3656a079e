"""The demo's linking: a naming rule (so the demo files link themselves as they are ingested),
product tags for brand and colour, what each family needs on each channel, a placeholder
picture for the web shop, and the approved products' media approved, so the channel feeds
show resolved values with ready media — and readiness shows what is still missing."""

import io

from django.contrib.auth import get_user_model
from django.db import transaction
from PIL import Image, ImageDraw

from dam.models import Asset, LicenceType
from dam.services import asset_update, assets_ingest, usage_right_save
from governance import workflow
from governance.audit import acting_as, actor_for
from governance.models import Channel, WorkflowState
from linking.models import FallbackMedia, MediaRequirement, NamingRule, TaggedAttribute
from linking.services.media_config import fallback_media_save, media_requirement_save
from linking.services.naming import naming_rule_save
from linking.services.tags import tagged_attribute_add
from pim.models import Attribute, Product

NAMING_RULE = {
    "code": "sku_role_position",
    "pattern": "{sku}_{role}_{position}.{ext}",
    "description": "Studio files: CAM-001_front_1.jpg",
}
TAGGED_ATTRIBUTES = ("brand", "color")
# family → channel → roles it needs (one ready asset each)
REQUIREMENTS = {
    "cameras": {"ecommerce": ["front", "side"], "mobile": ["front"], "print": ["front"]},
    "footwear": {"ecommerce": ["front", "side"], "mobile": ["front"], "print": ["front"]},
    "apparel": {"ecommerce": ["front"], "mobile": ["front"], "print": ["front"]},
}
PLACEHOLDER = "tessera_placeholder_front.png"


def seed_linking_rules() -> None:
    """Before the media: the naming rule, product tags, media requirements."""
    if not NamingRule.objects.filter(code=NAMING_RULE["code"]).exists():
        naming_rule_save(changes=NAMING_RULE)
    for attribute in Attribute.objects.filter(code__in=TAGGED_ATTRIBUTES):
        if not TaggedAttribute.objects.filter(attribute=attribute).exists():
            tagged_attribute_add(attribute=attribute)
    channels = set(Channel.objects.values_list("code", flat=True))
    for family, per_channel in REQUIREMENTS.items():
        for channel, needed in per_channel.items():
            for role in needed:
                exists = MediaRequirement.objects.filter(
                    family__code=family, channel__code=channel, role=role
                ).exists()
                if channel in channels and not exists:
                    media_requirement_save(
                        changes={"family": family, "channel": channel, "role": role}
                    )


@transaction.atomic
def seed_linking_media() -> int:
    """After the media: a placeholder for the web shop, and the media of approved products
    submitted by the librarian and approved by the administrator (four eyes). Returns how many
    assets it made (the placeholder, once)."""
    User = get_user_model()
    librarian = User.objects.get(username="librarian")
    admin = User.objects.get(username="admin")
    made = not Asset.objects.filter(versions__original_filename=PLACEHOLDER).exists()
    placeholder = _placeholder()
    drafts = Asset.objects.filter(workflow_state=WorkflowState.DRAFT, rights__isnull=False)
    chosen = set(
        drafts.filter(product_links__product__workflow_state=WorkflowState.APPROVED).values_list(
            "pk", flat=True
        )
    )
    if placeholder is not None:
        chosen.add(placeholder.pk)
    for asset in drafts.filter(pk__in=chosen).distinct().order_by("pk"):
        if workflow.refusals(obj=asset, action="submit", actor=actor_for(user=librarian)):
            continue
        with acting_as(user=librarian):
            workflow.transition(obj=asset, action="submit")
        with acting_as(user=admin):
            workflow.transition(obj=asset, action="approve", comment="Demo: cleared for use.")
    if placeholder and not FallbackMedia.objects.filter(channel__code="ecommerce").exists():
        fallback_media_save(
            changes={"channel": "ecommerce", "role": "front", "asset": str(placeholder.uuid)}
        )
    return int(made)


def _placeholder() -> Asset | None:
    """A neutral "picture coming soon" image, with alt text and an owned right."""
    existing = Asset.objects.filter(versions__original_filename=PLACEHOLDER).first()
    if existing is not None:
        return existing
    image = Image.new("RGB", (800, 800), (236, 236, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((250, 300, 550, 520), outline=(170, 170, 165), width=12)
    draw.ellipse((350, 350, 450, 450), outline=(170, 170, 165), width=12)
    draw.text((300, 580), "Picture coming soon", fill=(120, 120, 115))
    data = io.BytesIO()
    image.save(data, "PNG")
    data.seek(0)
    [result] = assets_ingest(uploads=[(PLACEHOLDER, data)])
    asset = result.asset
    alt = {"en_US": "Picture coming soon", "fr_FR": "Photo à venir", "de_DE": "Bild folgt"}
    asset_update(asset=asset, changes={"alt_text": alt, "title": {"en_US": "Placeholder"}})
    usage_right_save(
        asset=asset, changes={"licence": LicenceType.OWNED, "credit_line": "Tessera demo studio"}
    )
    return asset


def products_with_media() -> int:
    """How many products have linked media (for the seed's summary)."""
    return Product.objects.filter(asset_links__isnull=False).distinct().count()
