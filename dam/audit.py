"""What the asset library records in the audit trail: the state of assets, versions and rights.

An asset's state is what a restore returns it to: its descriptive metadata (texts per locale,
credit, focal point, collection, manual tags) and which version is current."""

from dam.models import Asset, AssetVersion, TagSource, UsageRight
from governance.audit import model_state

ASSET_FIELDS = (
    "title",
    "description",
    "alt_text",
    "caption",
    "credit",
    "focal_point_x",
    "focal_point_y",
    "collection",
)
VERSION_FIELDS = (
    "number",
    "original_filename",
    "sha256",
    "size",
    "mime",
    "comment",
    "restored_from",
)
RIGHT_FIELDS = (
    "licence",
    "territories",
    "channels",
    "valid_from",
    "valid_until",
    "consent_document",
    "credit_line",
    "notes",
)


def asset_state(asset: Asset) -> dict:
    state = model_state(asset, ASSET_FIELDS)
    state["tags"] = sorted(
        asset.tags.filter(source=TagSource.MANUAL).values_list("name", flat=True)
    )
    state["current_version"] = asset.current_version.number if asset.current_version_id else None
    return state


def version_state(version: AssetVersion) -> dict:
    return model_state(version, VERSION_FIELDS)


def right_state(right: UsageRight) -> dict:
    return {"asset": str(right.asset.uuid), **model_state(right, RIGHT_FIELDS)}
