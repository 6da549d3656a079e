from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _roles_sync_after_migrate(sender, **kwargs):
    """After the last app's post_migrate (every permission exists by then), make the role groups
    hold exactly governance/roles.py: the Administrator gets the permissions of models added
    since the roles migration, and an edit of ROLES needs no new data migration."""
    if sender is not list(apps.get_app_configs())[-1]:
        return
    from governance.roles import roles_sync

    roles_sync()


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="governance_roles_sync")
