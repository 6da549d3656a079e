"""History and restore of products and product models. The catalog viewsets' `get_object`
finds the object, so their scope rules apply: outside it, 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions

from governance.api.audit_views import (
    AuditCursorPagination,
    AuditRecordSerializer,
    RestoreSerializer,
    history_response,
    require_permission,
)
from governance.api.views import json_object
from pim.api.views import ProductModelViewSet, ProductViewSet
from pim.policies import product_model_policy, product_policy
from pim.services.revisions import product_restore


class ProductHistoryViewSet(ProductViewSet):
    # Permissions are checked per action below: POST restore needs change, not add.
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = AuditCursorPagination

    @extend_schema(operation_id="products_history", responses=AuditRecordSerializer(many=True))
    def history(self, request, sku):
        """The product's audit records, newest first."""
        require_permission(request, product_policy.permission("view"))
        return history_response(self, self.get_object())

    @extend_schema(operation_id="products_restore", request=RestoreSerializer)
    def restore(self, request, sku):
        """Return the product to the state an audit record of it holds; answers the product."""
        require_permission(request, product_policy.permission("change"))
        product = self.get_object()
        if not product_policy.allows(request.user, "change", product):
            raise exceptions.PermissionDenied()
        record = json_object(request.data).get("record")
        scope = product_policy.write_scope(request.user)
        return self._present(
            product_restore(product=product, record_id=record, category_scope=scope)
        )


class ProductModelHistoryViewSet(ProductModelViewSet):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = AuditCursorPagination

    @extend_schema(
        operation_id="product_models_history", responses=AuditRecordSerializer(many=True)
    )
    def history(self, request, code):
        """The product model's audit records, newest first."""
        require_permission(request, product_model_policy.permission("view"))
        return history_response(self, self.get_object())
