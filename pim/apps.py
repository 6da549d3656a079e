from django.apps import AppConfig


class PimConfig(AppConfig):
    name = "pim"
    verbose_name = "Product information"

    def ready(self):
        from pim import receivers, signals, workflow

        receivers.connect()
        signals.connect()
        workflow.register()
        from pim import quality  # noqa: F401  (registers the pim quality checks)
