from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "linking"
    verbose_name = "Linking and syndication"

    def ready(self):
        from linking import receivers  # noqa: F401 - connects the receivers
