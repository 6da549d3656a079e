"""Celery entry points: thin, idempotent, calling services."""
