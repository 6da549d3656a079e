"""Celery entry points: webhooks (thin, idempotent, calling services)."""
