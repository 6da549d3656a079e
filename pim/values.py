"""Values as stored: {attribute: {"channel|locale": data}}, with "" for no channel or locale."""

from collections.abc import Iterable
from functools import cache


def value_key(channel: str | None, locale: str | None) -> str:
    return f"{channel or ''}|{locale or ''}"


@cache
def split_key(key: str) -> tuple[str | None, str | None]:
    channel, _, locale = key.partition("|")
    return channel or None, locale or None


def value_path(attribute: str, channel: str | None, locale: str | None) -> str:
    """Where an error points: values.weight[channel=ecommerce, locale=en_US]."""
    scope = ", ".join(
        f"{name}={code}" for name, code in (("channel", channel), ("locale", locale)) if code
    )
    return f"values.{attribute}[{scope}]" if scope else f"values.{attribute}"


def merge_values(current: dict, changes: dict) -> dict:
    """Merge stored values with changes of the same shape; None erases that attribute × scope."""
    merged = {code: dict(scopes) for code, scopes in current.items()}
    for code, scopes in changes.items():
        target = merged.setdefault(code, {})
        for key, data in scopes.items():
            if data is None:
                target.pop(key, None)
            else:
                target[key] = data
        if not target:
            del merged[code]
    return merged


def inherit(*levels: dict) -> dict:
    """The values a variant shows: each level's own values over its ancestors' (root first)."""
    effective: dict = {}
    for values in levels:
        for code, scopes in values.items():
            effective.setdefault(code, {}).update(scopes)
    return effective


def only(values: dict, attributes: Iterable[str] | None) -> dict:
    return values if attributes is None else {c: values[c] for c in attributes if c in values}
