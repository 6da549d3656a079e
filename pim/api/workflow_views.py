"""Workflow endpoints for products (by SKU) and product models (by code)."""

from governance.api.workflow_views import TransitionViewSet
from pim.models import Product, ProductModel
from pim.policies import product_model_policy, product_policy
from pim.services.products import sku_key


class ProductTransitionViewSet(TransitionViewSet):
    model = Product
    policy = product_policy
    ref_name = "sku"

    def find_many(self, refs: list[str]) -> dict:
        # SKUs compare trimmed and case-folded: "ab-1" names the product "AB-1".
        keys = {sku_key(ref): ref for ref in refs}
        rows = self.visible().filter(sku_key__in=list(keys))
        return {keys[row.sku_key]: row for row in rows}


class ProductModelTransitionViewSet(TransitionViewSet):
    model = ProductModel
    policy = product_model_policy
    ref_name = "code"
