"""Linking's admin, one module per concern."""

from linking.admin import exports, feed, imports, links, naming, webhooks  # noqa: F401
