"""Linking's admin, one module per concern."""

from linking.admin import feed, links, naming, webhooks  # noqa: F401
