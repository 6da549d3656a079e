"""dam's answers to governance's signals, run inside governance's transaction."""

from dam.tag_merges import asset_tags_merge
from governance.models import Term
from governance.signals import terms_merged


def on_terms_merged(sender, *, vocabulary, sources, target, **kwargs):
    # Tags name no vocabulary: a code that is also a term of another vocabulary is ambiguous,
    # so tags of that name are left alone rather than renamed for the wrong meaning.
    elsewhere = set(
        Term.objects.filter(code__in=sources)
        .exclude(vocabulary=vocabulary)
        .values_list("code", flat=True)
    )
    unambiguous = [code for code in sources if code not in elsewhere]
    if unambiguous:
        asset_tags_merge(sources=unambiguous, target=target)


def connect():
    terms_merged.connect(on_terms_merged, dispatch_uid="dam-terms-merged")
