"""History of an asset and restoring one of its revisions. The asset viewset's `get_object`
finds the asset, so collection scopes apply: outside them, 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions

from dam import services
from dam.api.views import AssetViewSet
from dam.policies import asset_policy, granted_collection_ids
from governance.api.audit_views import (
    AuditCursorPagination,
    AuditRecordSerializer,
    RestoreSerializer,
    history_response,
    require_permission,
)
from governance.api.parsers import JSONParser
from governance.api.views import json_object


class AssetHistoryViewSet(AssetViewSet):
    # Permissions are checked per action below: POST restore-revision needs change, not add.
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = AuditCursorPagination
    parser_classes = [JSONParser]

    @extend_schema(operation_id="assets_history", responses=AuditRecordSerializer(many=True))
    def history(self, request, uuid):
        """The asset's audit records, newest first (versions added or restored included)."""
        require_permission(request, asset_policy.permission("view"))
        return history_response(self, self.get_object())

    @extend_schema(operation_id="assets_restore_revision", request=RestoreSerializer)
    def restore_revision(self, request, uuid):
        """Return the asset's descriptive metadata, and its file, to the state an audit record
        of it holds; answers the asset."""
        require_permission(request, asset_policy.permission("change"))
        asset = self.get_object()
        if not asset_policy.allows(request.user, "change", asset):
            raise exceptions.PermissionDenied()
        record = json_object(request.data).get("record")
        scope = granted_collection_ids(request.user)
        return self._present(
            services.asset_restore(asset=asset, record_id=record, collection_scope=scope)
        )
