"""Full-text search on PostgreSQL over a table's stored `search_vector` column, matches first.

A table searched so has a generated column `search_vector tsvector GENERATED ALWAYS AS
(to_tsvector('simple', COALESCE(search_text, ''))) STORED` with a GIN index (pim migration 0005,
dam migration 0008). The column is not a model field (SQLite has none of it), so a query names it
with StoredSearchVector. `full_text_matches` filters on the matched ids: PostgreSQL collects them
from the indexes first, then the outer query (its page, its order) walks only those. Left to
itself, for ORDER BY id LIMIT the planner walks the id index whenever it overestimates the
matches (a phrase, words that seldom meet, a rare word it has no statistics for) and computes
to_tsvector on every row it passes: a cost of the table's size, not of the matches.
"""

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import BooleanField, Expression, F, Func, Model, Q, Subquery


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


def full_text_matches(model: type[Model], q: str, *, also: Q | None = None) -> AnyOf:
    """A filter: the rows of `model` whose search_vector matches `q` (web search syntax, the
    'simple' configuration), or that match `also` (e.g. a code prefix on an index of its own)."""
    query = SearchQuery(q, config="simple", search_type="websearch")
    condition = Q(search=query) | also if also is not None else Q(search=query)
    # No ORDER BY in the subquery (the model's default ordering would sort every match for
    # nothing): the outer query orders the page.
    matches = model._default_manager.alias(search=StoredSearchVector()).filter(condition)
    return AnyOf(F("pk"), Subquery(matches.order_by().values("pk")))
