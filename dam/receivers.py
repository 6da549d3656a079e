"""dam's answers to governance's signals, run inside governance's transaction."""

from dam.tag_merges import asset_tags_merge
from governance.signals import terms_merged


def on_terms_merged(sender, *, sources, target, **kwargs):
    asset_tags_merge(sources=sources, target=target)


def connect():
    terms_merged.connect(on_terms_merged, dispatch_uid="dam-terms-merged")
