from django.apps import AppConfig


class PimConfig(AppConfig):
    name = "pim"
    verbose_name = "Product information"

    def ready(self):
        from pim import signals

        signals.connect()
