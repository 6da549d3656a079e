"""PostgreSQL-only indexes: full-text search over search_text and SKU prefix search.

The expression must match what pim.api.filters builds (SearchVector("search_text",
config="simple")), or the planner cannot use the index. SQLite gets none of this.
"""

from django.db import migrations

INDEXES = {
    "pim_product_search": "ON pim_product USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
    "pim_productmodel_search": "ON pim_productmodel USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
    "pim_product_sku_prefix": "ON pim_product (sku_key varchar_pattern_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("pim", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
