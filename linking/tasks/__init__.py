"""Celery entry points for linking, one module per concern (autodiscovery imports this package)."""

from linking.tasks import documents, links, naming, webhooks  # noqa: F401
