from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "linking"
    verbose_name = "Linking and syndication"

    def ready(self):
        from linking import quality, receivers  # noqa: F401 - registers the checks, connects
