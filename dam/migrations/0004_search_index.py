"""PostgreSQL-only: full-text search over assets (the expression dam.selectors builds)."""

from django.db import migrations

INDEX = "dam_asset_search"
DEFINITION = "ON dam_asset USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} {DEFINITION}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("dam", "0003_upload_presets")]
    operations = [migrations.RunPython(create, drop)]
