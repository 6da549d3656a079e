"""pim's answers to governance's signals: merged terms and categories are rewritten in the
catalog inside governance's transaction (a refusal here undoes the merge)."""

from governance.signals import categories_merged, terms_merged
from pim.services.merges import catalog_categories_merge, catalog_terms_merge


def on_terms_merged(sender, *, vocabulary, sources, target, **kwargs):
    catalog_terms_merge(vocabulary=vocabulary.code, sources=sources, target=target)


def on_categories_merged(sender, *, sources, target, **kwargs):
    catalog_categories_merge(sources=sources, target=target)


def connect():
    terms_merged.connect(on_terms_merged, dispatch_uid="pim-terms-merged")
    categories_merged.connect(on_categories_merged, dispatch_uid="pim-categories-merged")
