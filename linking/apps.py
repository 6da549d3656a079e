from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _media_roles_after_migrate(sender, **kwargs):
    """The governed media roles exist after every migrate — and after every flush (which
    sends post_migrate too), so a test database emptied between tests still has them."""
    from linking.services.links import media_roles_ensure

    media_roles_ensure()


class LinkingConfig(AppConfig):
    name = "linking"
    verbose_name = "Linking and syndication"

    def ready(self):
        from linking import quality, receivers  # noqa: F401 - registers the checks, connects

        post_migrate.connect(
            _media_roles_after_migrate, sender=self, dispatch_uid="linking_media_roles"
        )
