"""Celery entry points: naming (thin, idempotent, calling services)."""
