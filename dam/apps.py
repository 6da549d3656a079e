from django.apps import AppConfig


class DamConfig(AppConfig):
    name = "dam"
    verbose_name = "Digital assets"

    def ready(self):
        from dam import receivers, workflow

        receivers.connect()
        workflow.register()
        from dam import quality  # noqa: F401  (registers the dam quality checks)
