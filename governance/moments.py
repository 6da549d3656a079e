"""Moments given as text (query parameters): parsed once, the same way, everywhere."""

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime


def parse_aware(value: str) -> datetime | None:
    """An ISO 8601 date-time with a time zone, as UTC; None when it is not one.

    As UTC because PostgreSQL refuses offsets beyond ±15:59 that Python accepts (±23:59): a
    `…-20:48` must be a 4xx, not a database error."""
    try:
        moment = parse_datetime(value)
        if moment is None or moment.tzinfo is None:
            return None
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # well-formed but no such moment, or out of range
        return None
