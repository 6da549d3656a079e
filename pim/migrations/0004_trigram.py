"""PostgreSQL's pg_trgm, for the near-duplicate product names quality check (pim/quality.py).

Django's TrigramExtension is a no-op on SQLite going forwards but queries pg_extension going
backwards, so this is a vendor-guarded RunPython like 0002. The extension is left in place on
the way back: other code may use it. pg_trgm is a trusted extension (PostgreSQL 13+), so the
database owner may create it without superuser rights.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [("pim", "0003_product_workflow")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
