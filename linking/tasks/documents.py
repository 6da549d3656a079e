"""Celery entry points: documents (thin, idempotent, calling services)."""
