"""PostgreSQL-only: assets' full-text vector as a stored generated column with a GIN index.

Searching on the expression index of 0004 recomputed to_tsvector for every row the planner
rechecked or filtered (a phrase), and for a rare word it may walk the id index instead. A
generated column is kept by PostgreSQL itself, so every writer stays correct (services, tag
merges, bulk seeding). The column is not a model field: dam.selectors names it
(governance.search.StoredSearchVector), SQLite has none of this, and list pages do not carry the
vector. It replaces 0004's expression index.
"""

from django.db import migrations

COLUMN = (
    "ALTER TABLE dam_asset ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, COALESCE(search_text, ''))) STORED"
)
INDEX = "CREATE INDEX IF NOT EXISTS dam_asset_search_vector ON dam_asset USING gin (search_vector)"
OLD_INDEX = (
    "CREATE INDEX IF NOT EXISTS dam_asset_search "
    "ON dam_asset USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COLUMN)
        schema_editor.execute(INDEX)
        schema_editor.execute("DROP INDEX IF EXISTS dam_asset_search")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_INDEX)
        schema_editor.execute("DROP INDEX IF EXISTS dam_asset_search_vector")
        schema_editor.execute("ALTER TABLE dam_asset DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("dam", "0007_collection_permissions_asset_workflow")]
    operations = [migrations.RunPython(create, drop)]
