"""PostgreSQL-only: products' full-text vector as a stored generated column with a GIN index.

Searching on the expression index of 0002 recomputed to_tsvector for every row the planner
rechecked or filtered (a phrase or an OR with the SKU prefix: a second per request at 50,000
products). A generated column is kept by PostgreSQL itself, so every writer stays correct,
including the COPY of pim bulk upsert. The column is not a model field: pim.api.filters names it
(StoredSearchVector), SQLite has none of this, and list pages do not carry the vector. Product models
keep 0002's expression index.
"""

from django.db import migrations

COLUMN = (
    "ALTER TABLE pim_product ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, COALESCE(search_text, ''))) STORED"
)
INDEX = (
    "CREATE INDEX IF NOT EXISTS pim_product_search_vector ON pim_product USING gin (search_vector)"
)
OLD_INDEX = (
    "CREATE INDEX IF NOT EXISTS pim_product_search "
    "ON pim_product USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COLUMN)
        schema_editor.execute(INDEX)
        schema_editor.execute("DROP INDEX IF EXISTS pim_product_search")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_INDEX)
        schema_editor.execute("DROP INDEX IF EXISTS pim_product_search_vector")
        schema_editor.execute("ALTER TABLE pim_product DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("pim", "0004_trigram")]
    operations = [migrations.RunPython(create, drop)]
