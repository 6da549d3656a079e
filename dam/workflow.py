"""Assets under governance's approval workflow: their gates (a current version, the field
rules of the upload presets that apply) and what channels see once approved (that version)."""

from dam.models import Asset
from dam.presets import approval_problems
from governance import workflow


def register() -> None:
    from dam.policies import asset_policy

    workflow.register(
        workflow.WorkflowSpec(
            model=Asset,
            object_type="asset",
            gates=asset_gates,
            snapshot=asset_snapshot,
            object_ref=lambda asset: str(asset.uuid),
            allows=asset_policy.allows,
        )
    )


def asset_gates(asset: Asset) -> list[dict]:
    """A current version, and every field rule of the asset's upload presets (alt text per
    locale, a usage right)."""
    asset = Asset.objects.select_related("collection").get(pk=asset.pk)
    problems = [
        {"field": "preset", "code": "preset_rule", "message": message}
        for message in approval_problems(asset)
    ]
    if asset.current_version_id is None:
        problems.insert(
            0,
            {
                "field": "current_version",
                "code": "no_version",
                "message": "The asset has no current version.",
            },
        )
    return problems


def asset_snapshot(asset: Asset) -> dict:
    """The approved version (its bytes by key and hash) and the texts shown with it."""
    asset = Asset.objects.select_related("current_version", "collection").get(pk=asset.pk)
    version = asset.current_version
    metadata = version.metadata if version else {}
    return {
        "uuid": str(asset.uuid),
        "code": asset.code,
        "kind": asset.kind,
        "collection": asset.collection.code if asset.collection_id else None,
        "title": asset.title,
        "description": asset.description,
        "alt_text": asset.alt_text,
        "caption": asset.caption,
        "credit": asset.credit,
        "focal_point": None
        if asset.focal_point_x is None or asset.focal_point_y is None
        else {"x": asset.focal_point_x, "y": asset.focal_point_y},
        "version": None
        if version is None
        else {
            "id": version.pk,
            "number": version.number,
            "sha256": version.sha256,
            "mime": version.mime,
            "file": version.file,
            "size": version.size,
            "width": metadata.get("width"),
            "height": metadata.get("height"),
        },
    }
