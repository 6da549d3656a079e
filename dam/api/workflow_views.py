"""Workflow endpoints for assets (by uuid)."""

import uuid

from dam.models import Asset
from dam.policies import asset_policy
from governance.api.workflow_views import TransitionViewSet


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class AssetTransitionViewSet(TransitionViewSet):
    model = Asset
    policy = asset_policy
    ref_name = "uuid"

    def find_many(self, refs: list[str]) -> dict:
        wanted = {str(uuid.UUID(ref)): ref for ref in refs if _is_uuid(ref)}
        rows = self.visible().filter(uuid__in=list(wanted))
        return {wanted[str(row.uuid)]: row for row in rows}
