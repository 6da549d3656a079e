"""Value rules. Each attribute is compiled once into a function that checks and normalises one
datum, so validating thousands of values costs a dictionary look-up and a few comparisons each.

Every entry point (API, bulk upsert, admin, imports) reaches these through pim.services.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import nh3
import pint

from pim.models import Attribute, AttributeType

DEFAULT_MAX_LENGTH = {
    AttributeType.IDENTIFIER: 255,
    AttributeType.TEXT: 255,
    AttributeType.TEXTAREA: 65535,
    AttributeType.RICH_TEXT: 65535,
}
UNIQUE_TYPES = {
    AttributeType.IDENTIFIER,
    AttributeType.TEXT,
    AttributeType.NUMBER,
    AttributeType.DATE,
}
DATE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


class Invalid(Exception):
    """One datum breaks one rule; `code` is machine-readable, the message says what to fix."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@cache
def units() -> pint.UnitRegistry:
    return pint.UnitRegistry()


@cache
def unit_dimension(unit: str) -> str | None:
    """The pint dimensionality of a unit name ("[mass]"), or None when pint does not know it."""
    try:
        return str(units().Unit(unit).dimensionality)
    except (pint.errors.UndefinedUnitError, AttributeError, TypeError, ValueError):
        return None


@cache
def to_base(unit: str) -> Callable[[Decimal], float]:
    """amount -> the same quantity in SI base units. Conversions are linear (degC -> K has an
    offset), so two pint conversions per unit, cached, replace one per value."""
    quantity = units().Quantity
    offset = float(quantity(0.0, unit).to_base_units().magnitude)
    scale = float(quantity(1.0, unit).to_base_units().magnitude) - offset
    return lambda amount: float(amount) * scale + offset


def parse_decimal(data: Any) -> Decimal:
    if isinstance(data, bool) or not isinstance(data, int | float | str):
        raise Invalid("not_a_number", "Expected a number.")
    try:
        number = Decimal(str(data).strip())
    except InvalidOperation:
        raise Invalid("not_a_number", f"{data!r} is not a number.") from None
    if not number.is_finite():
        raise Invalid("not_a_number", "Expected a finite number.")
    return number


@dataclass(frozen=True)
class NumberRules:
    decimals_allowed: bool
    negative_allowed: bool
    min_value: Decimal | None
    max_value: Decimal | None

    def clean(self, data: Any) -> Decimal:
        number = parse_decimal(data)
        if not self.decimals_allowed and number != number.to_integral_value():
            raise Invalid(
                "decimals_not_allowed",
                f"{number} has decimals; this attribute takes whole numbers.",
            )
        if not self.negative_allowed and number < 0:
            raise Invalid(
                "negative_not_allowed",
                f"{number} is negative; this attribute takes no negative numbers.",
            )
        if self.min_value is not None and number < self.min_value:
            raise Invalid(
                "min_value", f"{number} is below the minimum {self.min_value.normalize()}."
            )
        if self.max_value is not None and number > self.max_value:
            raise Invalid(
                "max_value", f"{number} is above the maximum {self.max_value.normalize()}."
            )
        return number


def canonical(number: Decimal) -> str:
    return format(number.normalize(), "f") if number else "0"


@dataclass
class ValueContext:
    """The reference data value rules need, loaded once for a whole validation pass."""

    terms: dict[str, dict[str, bool]] = field(
        default_factory=dict
    )  # vocabulary -> term -> deprecated
    active_currencies: frozenset[str] = frozenset()


def compile_rule(attribute: Attribute, context: ValueContext) -> Callable[[Any, Any], Any]:
    """A function (data, previous data) -> normalised data, raising Invalid."""
    kind = attribute.type
    if kind in DEFAULT_MAX_LENGTH:
        return _text_rule(attribute)
    numbers = NumberRules(
        attribute.decimals_allowed,
        attribute.negative_allowed,
        attribute.min_value,
        attribute.max_value,
    )
    if kind == AttributeType.NUMBER:
        if attribute.decimals_allowed:
            return lambda data, previous: canonical(numbers.clean(data))
        return lambda data, previous: int(numbers.clean(data))
    if kind == AttributeType.METRIC:
        return _metric_rule(attribute, numbers)
    if kind == AttributeType.PRICE:
        return _price_rule(numbers, context.active_currencies)
    if kind == AttributeType.BOOLEAN:
        return _boolean
    if kind == AttributeType.DATE:
        return _date_rule(attribute.date_min, attribute.date_max)
    if kind in (AttributeType.SELECT, AttributeType.MULTISELECT):
        vocabulary = attribute.vocabulary.code if attribute.vocabulary_id else ""
        terms = context.terms.get(vocabulary, {})
        if kind == AttributeType.SELECT:
            return lambda data, previous: _term(data, previous, terms)
        return lambda data, previous: _terms(data, previous, terms)
    raise ValueError(f"no rule for attribute type {kind!r}")


def _text_rule(attribute: Attribute):
    max_length = attribute.max_length or DEFAULT_MAX_LENGTH[attribute.type]
    pattern = re.compile(attribute.regex) if attribute.regex else None
    single_line = attribute.type in (AttributeType.IDENTIFIER, AttributeType.TEXT)
    rich = attribute.type == AttributeType.RICH_TEXT

    def rule(data, previous):
        if not isinstance(data, str):
            raise Invalid("not_a_string", "Expected a string.")
        if rich:  # scripts, event handlers and unknown tags are dropped
            data = nh3.clean(data)
        elif single_line:
            data = data.strip()
        if single_line and ("\n" in data or "\r" in data):
            raise Invalid("single_line", "This attribute takes a single line of text.")
        if data == "":
            raise Invalid("blank", "Empty text; send null to erase a value.")
        if len(data) > max_length:
            raise Invalid(
                "max_length", f"{len(data)} characters; at most {max_length} are allowed."
            )
        if pattern and not pattern.fullmatch(data):
            raise Invalid("regex", f"{data!r} does not match the pattern {pattern.pattern}.")
        return data

    return rule


def _metric_rule(attribute: Attribute, numbers: NumberRules):
    allowed = list(attribute.allowed_units or [])
    dimension = attribute.metric_family

    def rule(data, previous):
        if not isinstance(data, dict) or set(data) != {"amount", "unit"}:
            raise Invalid("invalid_metric", 'Expected {"amount": …, "unit": …}.')
        unit = data["unit"]
        if not isinstance(unit, str) or (allowed and unit not in allowed):
            raise Invalid(
                "unit_not_allowed",
                f"Unit {unit!r} is not allowed; use one of {', '.join(allowed)}.",
            )
        if unit_dimension(unit) is None or (dimension and unit_dimension(unit) != dimension):
            raise Invalid(
                "unit_not_allowed", f"{unit!r} is not a unit of {dimension or 'measure'}."
            )
        amount = numbers.clean(data["amount"])
        return {"amount": canonical(amount), "unit": unit, "base": to_base(unit)(amount)}

    return rule


def _price_rule(numbers: NumberRules, currencies: frozenset[str]):
    def rule(data, previous):
        if not isinstance(data, list) or not all(
            isinstance(p, dict) and set(p) == {"amount", "currency"} for p in data
        ):
            raise Invalid("invalid_price", 'Expected a list of {"amount": …, "currency": …}.')
        seen = {}
        for price in data:
            currency = price["currency"]
            if currency not in currencies:
                raise Invalid("unknown_currency", f"{currency!r} is not an active currency.")
            if currency in seen:
                raise Invalid("duplicate_currency", f"{currency} is given twice.")
            seen[currency] = canonical(numbers.clean(price["amount"]))
        return [{"amount": seen[c], "currency": c} for c in sorted(seen)]

    return rule


def _boolean(data, previous):
    if not isinstance(data, bool):
        raise Invalid("not_a_boolean", "Expected true or false.")
    return data


def _date_rule(earliest: date | None, latest: date | None):
    def rule(data, previous):
        if not isinstance(data, str) or not DATE_FORMAT.match(data):
            raise Invalid("invalid_date", "Expected a date as YYYY-MM-DD.")
        try:
            day = date.fromisoformat(data)
        except ValueError:
            raise Invalid("invalid_date", f"{data} is not a calendar date.") from None
        if earliest and day < earliest:
            raise Invalid("date_min", f"{data} is before {earliest.isoformat()}.")
        if latest and day > latest:
            raise Invalid("date_max", f"{data} is after {latest.isoformat()}.")
        return data

    return rule


def _check_term(code, previous_codes, terms):
    if not isinstance(code, str):
        raise Invalid("invalid_term", "Expected a term code.")
    if code not in terms:
        raise Invalid("unknown_term", f"{code!r} is not a term of this attribute's vocabulary.")
    if terms[code] and code not in previous_codes:
        raise Invalid("deprecated_term", f"{code!r} is deprecated and cannot be chosen any more.")


def _term(data, previous, terms):
    _check_term(data, (previous,), terms)
    return data


def _terms(data, previous, terms):
    if not isinstance(data, list):
        raise Invalid("invalid_terms", "Expected a list of term codes.")
    previous_codes = previous if isinstance(previous, list) else ()
    for code in data:
        _check_term(code, previous_codes, terms)
    if len(set(data)) != len(data):
        raise Invalid("duplicate_term", "A term is chosen twice.")
    return data
