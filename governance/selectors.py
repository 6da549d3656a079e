"""Reads of the shared language, with their related rows fetched up front."""

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Length, Substr

from governance.models import (
    Category,
    ChangeRequest,
    Channel,
    Currency,
    Locale,
    Term,
    Vocabulary,
)


def locale_list(*, active_only: bool = False) -> QuerySet[Locale]:
    locales = Locale.objects.all()
    return locales.filter(is_active=True) if active_only else locales


def currency_list() -> QuerySet[Currency]:
    return Currency.objects.all()


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.select_related("category_tree").prefetch_related("locales", "currencies")


def vocabulary_list() -> QuerySet[Vocabulary]:
    """Vocabularies with their terms (in sort order) fetched in one more query."""
    return Vocabulary.objects.prefetch_related(Prefetch("terms", queryset=_terms_in_order()))


def _terms_in_order() -> QuerySet[Term]:
    # Term's default ordering starts with `vocabulary`, i.e. a join to order by its code.
    return Term.objects.order_by("sort_order", "code")


def term_list(*, vocabulary: Vocabulary) -> QuerySet[Term]:
    return _terms_in_order().filter(vocabulary=vocabulary)


def term_map(*, vocabulary_codes: list[str]) -> dict[str, dict[str, Term]]:
    """{vocabulary code: {term code: Term}} in sort order, in one query; every code asked for
    has an entry, empty for a vocabulary that has no terms or does not exist."""
    terms: dict[str, dict[str, Term]] = {code: {} for code in vocabulary_codes}
    rows = Term.objects.filter(vocabulary__code__in=list(terms)).select_related("vocabulary")
    for term in rows.order_by("vocabulary__code", "sort_order", "code"):
        terms[term.vocabulary.code][term.code] = term
    return terms


def _code_at(path_length) -> Subquery:
    """The code of the category whose path is the first `path_length` characters of the
    outer row's path (the unique path index finds it)."""
    path = Substr(OuterRef("path"), 1, path_length)
    return Subquery(Category.objects.filter(path=path).order_by().values("code")[:1])


def category_list(*, tree: str | None = None, parent: str | None = None) -> QuerySet[Category]:
    """Categories in tree order, each with `parent_code` (None for a root) and `tree_code` (the
    root's code); `tree` keeps one tree (a root's code), `parent` one category's children."""
    categories = Category.objects.annotate(
        parent_code=_code_at(Length(OuterRef("path")) - Category.steplen),
        tree_code=_code_at(Category.steplen),
    )
    if tree is not None:
        root = Category.objects.filter(code=tree, depth=1).values_list("path", flat=True).first()
        categories = categories.filter(path__startswith=root) if root else categories.none()
    if parent is not None:
        node = Category.objects.filter(code=parent).values_list("path", "depth").first()
        categories = (
            categories.filter(path__startswith=node[0], depth=node[1] + 1)
            if node
            else categories.none()
        )
    return categories


def category_tree_list() -> QuerySet[Category]:
    """The roots: one per category tree."""
    return category_list().filter(depth=1)


def category_subtree_paths(*, codes: list[str]) -> list[str]:
    """Paths of the named categories; a row is in the subtree of one iff its path startswith it.
    Unknown codes are left out. Paths change when a tree is edited: use them at once."""
    return list(Category.objects.filter(code__in=codes).values_list("path", flat=True))


def change_request_list() -> QuerySet[ChangeRequest]:
    """Change requests with their vocabulary or tree and the people who filed and decided them."""
    return ChangeRequest.objects.select_related(
        "vocabulary", "category_tree", "requested_by", "decided_by"
    )
