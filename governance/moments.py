"""Moments given as text (query parameters, request bodies): parsed once, the same way,
everywhere."""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
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


def as_utc(value: Any) -> Any:
    """A date-time with an offset (a datetime, or ISO 8601 text) moved to UTC, for the same
    reason as parse_aware; anything else as it is, for the field's own validation to judge.
    Raises ValidationError for a moment UTC cannot hold (year 1 east of Greenwich)."""
    moment = value
    if isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            return value
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        return value
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError("This moment is out of range.", code="out_of_range") from None
