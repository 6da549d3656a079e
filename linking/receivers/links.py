"""Signal receivers: links. Product changes refresh the product tags of the assets linked to
them; a merge of media roles rewrites the roles links, requirements and placeholders use."""

from django.db.models import Q

from governance.signals import terms_merged
from linking.models import ProductAssetLink
from linking.services.links import ROLES_VOCABULARY
from linking.services.role_merges import media_roles_merge
from pim.signals import products_changed


def assets_reached(*, product_ids, product_model_ids) -> list[int]:
    """Assets whose product tags may change when these products or models change: those linked
    to them, and — for a model, whose codes, categories and values its descendants inherit —
    those linked to its sub-models and variants. One query."""
    condition = Q(product_id__in=list(product_ids))
    models = list(product_model_ids)
    if models:
        condition |= (
            Q(product_model_id__in=models)
            | Q(product_model__parent_id__in=models)
            | Q(product__parent_id__in=models)
            | Q(product__parent__parent_id__in=models)
        )
    return sorted(
        set(ProductAssetLink.objects.filter(condition).values_list("asset_id", flat=True))
    )


def on_products_changed(sender, product_ids=(), product_model_ids=(), **kwargs):
    from linking.tasks.links import asset_product_tags_sync

    # Read now, inside the sender's transaction: a deleted product's links are still there.
    asset_ids = assets_reached(product_ids=product_ids, product_model_ids=product_model_ids)
    if asset_ids:
        asset_product_tags_sync.delay_on_commit(asset_ids)


def on_terms_merged(sender, vocabulary, sources, target, **kwargs):
    if vocabulary.code == ROLES_VOCABULARY:
        media_roles_merge(sources=list(sources), target=target)


products_changed.connect(on_products_changed, dispatch_uid="linking-links-products-changed")
terms_merged.connect(on_terms_merged, dispatch_uid="linking-links-terms-merged")
