"""Celery entry points: links (thin, idempotent, calling services)."""
