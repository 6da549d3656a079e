from django.apps import AppConfig


class DamConfig(AppConfig):
    name = "dam"
    verbose_name = "Digital assets"
