"""Full-text search on PostgreSQL over a table's stored `search_vector` column, matches first.

A table searched so has a generated column `search_vector tsvector GENERATED ALWAYS AS
(to_tsvector('simple', COALESCE(search_text, ''))) STORED` with a GIN index (pim migration 0005,
dam migration 0008). The column is not a model field (SQLite has none of it), so a query names it
with StoredSearchVector. `full_text_filter` mostly filters on the matched ids: PostgreSQL collects
them from the indexes first, then the outer query (its page, its order) walks only those. Left to
itself, for ORDER BY id LIMIT the planner walks the id index whenever it overestimates the
matches (a phrase, words that seldom meet, a rare word it has no statistics for): a cost of the
table's size, not of the matches. Collecting is in turn slow for a word a large share of the
table holds, so a one-query probe of the first rows sends those to the walk, which then finds a
page within a few hundred rows.
"""

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import BooleanField, Expression, F, Func, Q, QuerySet, Subquery


class StoredSearchVector(Expression):
    """The `search_vector` column of the query's base table, under whatever alias the query
    gives that table."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        column = connection.ops.quote_name("search_vector")
        return f"{compiler.quote_name_unless_alias(alias)}.{column}", []


class AnyOf(Func):
    """`id = ANY(ARRAY(subquery))`: PostgreSQL runs the subquery once, before the outer query
    (an InitPlan), and then walks the outer query's index over just those values."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


# The probe: how many of the table's first PROBE_ROWS rows (by id) match. From WALK_AT of them
# (1 %), a walk of the id index fills a page within a few thousand rows, while collecting the
# matches first would gather a hundredth of the table or more (a word in a fifth of a million
# products: ~400 ms to collect, ~20 ms to walk).
PROBE_ROWS = 1000
WALK_AT = 10


def full_text_filter(queryset: QuerySet, q: str, *, also: Q | None = None) -> QuerySet:
    """The rows of `queryset` whose search_vector matches `q` (web search syntax, the 'simple'
    configuration) or that match `also` (e.g. a code prefix on an index of its own): matches
    first when they are few, an id-order walk when a probe finds them common (one query)."""
    query = SearchQuery(q, config="simple", search_type="websearch")
    condition = Q(search=query) | also if also is not None else Q(search=query)
    manager = queryset.model._default_manager
    sample = manager.order_by("pk").values("pk")[:PROBE_ROWS]
    probed = manager.filter(pk__in=sample).alias(search=StoredSearchVector()).filter(condition)
    if probed.order_by().count() >= WALK_AT:
        return queryset.alias(search=StoredSearchVector()).filter(condition)
    # No ORDER BY in the subquery (the model's default ordering would sort every match for
    # nothing): the outer query orders the page.
    matches = manager.alias(search=StoredSearchVector()).filter(condition)
    return queryset.filter(AnyOf(F("pk"), Subquery(matches.order_by().values("pk"))))
