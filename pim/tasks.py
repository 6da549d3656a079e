"""Celery entry points for the catalog: thin, idempotent, calling services."""

from celery import shared_task

from governance.tasks import RETRY_POLICY
from pim.models import Product
from pim.services.completeness import completeness_refresh


@shared_task(**RETRY_POLICY)
def family_completeness_refresh(family_id: int) -> int:
    """Recompute completeness for every product of a family (after its requirements changed)."""
    ids = list(Product.objects.filter(family_id=family_id).values_list("pk", flat=True))
    return completeness_refresh(product_ids=ids)


@shared_task(**RETRY_POLICY)
def product_model_completeness_refresh(product_model_id: int) -> int:
    """Recompute completeness for the variants below a product model whose values changed."""
    ids = list(
        Product.objects.filter(parent_id=product_model_id).values_list("pk", flat=True)
    ) + list(
        Product.objects.filter(parent__parent_id=product_model_id).values_list("pk", flat=True)
    )
    return completeness_refresh(product_ids=ids)
