"""Linking services, one module per concern: links, tags, naming, relink, readiness, documents, events, webhooks."""
