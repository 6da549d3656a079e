from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in global_apps.get_app_configs():
        models_module = app_config.models_module
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
    from governance.roles import roles_sync

    roles_sync(apps=apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0004_governance_access_audit_workflow_quality"),
        ("pim", "0003_product_workflow"),
        ("dam", "0007_collection_permissions_asset_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
