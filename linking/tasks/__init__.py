"""Celery entry points for linking, one module per concern (autodiscovery imports this package)."""

from linking.tasks import (  # noqa: F401
    documents,
    exports,
    imports,
    links,
    media_import,
    naming,
    webhooks,
)
