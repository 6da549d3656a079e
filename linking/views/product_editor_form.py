"""The product editor's value fields: one input per attribute for the chosen channel × locale
(scopable and localizable attributes take that scope, the others are global), read from a
product's stored values and turned back into API-shaped changes for `product_upsert_many`.

Plain dataclasses rendered by the template, not Django forms: each attribute type needs its
own markup (amount + unit, one amount per currency, term pickers), and what is wrong with an
input is said once, by the service, whose error paths (`values.weight[channel=ecommerce]`)
map back to the fields here.
"""

import html
from dataclasses import dataclass, field
from typing import Any

import nh3

from pim.catalog import Catalog
from pim.forms import parse_value_path
from pim.models import Attribute, AttributeType
from pim.values import value_key

SEARCH_ABOVE = 40  # terms; a longer select list becomes a search box


@dataclass
class ValueField:
    """One attribute's input in the chosen scope: its raw (as typed) value and its errors."""

    attribute: Attribute
    label: str
    channel: str | None
    locale: str | None
    raw: Any
    choices: list[tuple[str, str]] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)
    inherited_from: str | None = None
    required: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.attribute.code

    @property
    def type(self) -> str:
        return self.attribute.type

    @property
    def name(self) -> str:
        return f"v-{self.code}"

    @property
    def anchor(self) -> str:
        return f"field-{self.code}"

    @property
    def scope_note(self) -> str:
        return " · ".join(filter(None, (self.channel, self.locale)))

    @property
    def searchable(self) -> bool:
        """A select with many terms gets a search box (a datalist) instead of a long list."""
        return self.type == AttributeType.SELECT and len(self.choices) > SEARCH_ABOVE

    @property
    def display(self) -> str:
        """The value as text, for people who read it without editing it."""
        raw, labels = self.raw, dict(self.choices)
        if self.type == AttributeType.BOOLEAN:
            return {True: "Yes", False: "No"}.get(raw, "—")
        if self.type == AttributeType.MULTISELECT:
            return ", ".join(labels.get(c, c) for c in raw) or "—"
        if self.type == AttributeType.METRIC:
            return f"{raw['amount']} {raw['unit']}" if raw["amount"] else "—"
        if self.type == AttributeType.PRICE:
            return ", ".join(f"{a} {c}" for c, a in raw.items() if a) or "—"
        if self.type == AttributeType.RICH_TEXT:
            # nh3 returns HTML (entities escaped); the template escapes again, so unescape.
            return html.unescape(nh3.clean(raw, tags=set())) or "—"
        return labels.get(raw, raw) or "—"

    @property
    def missing(self) -> bool:
        return self.required and self.raw in (None, "", [], {}, False) and self.type != "boolean"


@dataclass
class Section:
    code: str
    label: str
    fields: list[ValueField]


def label_in(labels: dict | None, locale: str, code: str) -> str:
    return (labels or {}).get(locale) or code


def place_of(attribute: Attribute, channel: str, locale: str) -> tuple[str | None, str | None]:
    return (
        channel if attribute.is_scopable else None,
        locale if attribute.is_localizable else None,
    )


def raw_of(attribute: Attribute, datum: Any, currencies: list[str]) -> Any:
    """A stored datum as the inputs show it (text, or the parts of a compound value)."""
    kind = attribute.type
    if kind == AttributeType.BOOLEAN:
        return datum if isinstance(datum, bool) else None
    if kind == AttributeType.MULTISELECT:
        return list(datum) if isinstance(datum, list) else []
    if kind == AttributeType.METRIC:
        if isinstance(datum, dict):
            return {"amount": str(datum.get("amount", "")), "unit": datum.get("unit") or ""}
        return {"amount": "", "unit": attribute.default_unit or ""}
    if kind == AttributeType.PRICE:
        amounts = {p.get("currency"): str(p.get("amount")) for p in datum or []}
        return {c: amounts.get(c, "") for c in currencies}
    return "" if datum is None else str(datum)


def raw_from_post(attribute: Attribute, post, currencies: list[str]) -> Any:
    """The inputs of one attribute as posted, in the shape `raw_of` gives."""
    name, kind = f"v-{attribute.code}", attribute.type
    if kind == AttributeType.BOOLEAN:
        return post.get(name) == "true"
    if kind == AttributeType.MULTISELECT:
        return [c for c in post.getlist(name) if c]
    if kind == AttributeType.METRIC:
        return {
            "amount": post.get(f"{name}-amount", "").strip(),
            "unit": post.get(f"{name}-unit", ""),
        }
    if kind == AttributeType.PRICE:
        return {c: post.get(f"{name}-{c}", "").strip() for c in currencies}
    text = post.get(name, "")
    if kind in ("textarea", "rich_text"):
        return text.replace("\r\n", "\n")  # browsers send CR LF; values store LF
    return text.strip()


def changed(attribute: Attribute, before: Any, after: Any) -> bool:
    if attribute.type == AttributeType.BOOLEAN:
        return bool(before) != after  # an unticked box leaves an unset value unset
    if attribute.type == AttributeType.MULTISELECT:
        return set(before) != set(after)
    if attribute.type == AttributeType.METRIC and not after["amount"]:
        return bool(before["amount"])
    return before != after


def data_of(attribute: Attribute, raw: Any, stored: Any) -> Any:
    """Raw inputs as API data; None erases. Prices keep the amounts of currencies not shown
    (the stored list is replaced whole)."""
    kind = attribute.type
    if kind == AttributeType.BOOLEAN:
        return raw
    if kind == AttributeType.MULTISELECT:
        return raw or None
    if kind == AttributeType.METRIC:
        return {"amount": raw["amount"], "unit": raw["unit"]} if raw["amount"] else None
    if kind == AttributeType.PRICE:
        prices = {p["currency"]: p["amount"] for p in stored or [] if isinstance(p, dict)}
        for currency, amount in raw.items():
            if amount:
                prices[currency] = amount
            else:
                prices.pop(currency, None)
        return [{"amount": a, "currency": c} for c, a in sorted(prices.items())] or None
    return raw if raw.strip() else None


def build_sections(
    catalog: Catalog,
    *,
    family: str,
    groups: list,
    own: dict,
    effective: dict,
    owners: dict[str, str],
    channel: str,
    locale: str,
    currencies: list[str],
    terms: dict,
    post=None,
) -> list[Section]:
    """The family's attributes by group (in group order), each with its input for the chosen
    scope: the posted value when re-showing a refused save, else the stored one."""
    family_rules = catalog.families[family]
    required = set(family_rules.requirements.get(channel, ()))
    by_group: dict[int, list[ValueField]] = {}
    for code, attribute in catalog.attributes.items():  # (sort order, code) order
        if code not in family_rules.attributes:
            continue
        place = place_of(attribute, channel, locale)
        datum = effective.get(code, {}).get(value_key(*place))
        raw = raw_of(attribute, datum, currencies)
        if post is not None and code not in owners:
            raw = raw_from_post(attribute, post, currencies)
        choices: list[tuple[str, str]] = []
        if attribute.vocabulary_id:
            vocabulary = terms.get(attribute.vocabulary.code, {})
            held = set(raw if isinstance(raw, list) else [raw])
            choices = [
                (c, label_in(t.labels, locale, c))
                for c, t in vocabulary.items()
                if not t.is_deprecated or c in held
            ]
        elif attribute.type == AttributeType.METRIC:
            units = list(attribute.allowed_units or [])
            if raw["unit"] and raw["unit"] not in units:
                units.append(raw["unit"])
            choices = [(u, u) for u in units]
        by_group.setdefault(attribute.group_id, []).append(
            ValueField(
                attribute=attribute,
                label=label_in(attribute.labels, locale, code),
                channel=place[0],
                locale=place[1],
                raw=raw,
                choices=choices,
                currencies=currencies,
                inherited_from=owners.get(code),
                required=code in required,
            )
        )
    return [
        Section(g.code, label_in(g.labels, locale, g.code), by_group[g.pk])
        for g in groups
        if g.pk in by_group
    ]


def value_changes(sections: list[Section], own: dict, channel: str, locale: str) -> dict:
    """API-shaped values of the editable fields whose input differs from what is stored."""
    values: dict[str, list[dict]] = {}
    for section in sections:
        for value_field in section.fields:
            if value_field.inherited_from:
                continue
            attribute = value_field.attribute
            stored = own.get(attribute.code, {}).get(
                value_key(*place_of(attribute, channel, locale))
            )
            before = raw_of(attribute, stored, value_field.currencies)
            if not changed(attribute, before, value_field.raw):
                continue
            values[attribute.code] = [
                {
                    "channel": value_field.channel,
                    "locale": value_field.locale,
                    "data": data_of(attribute, value_field.raw, stored),
                }
            ]
    return values


def place_errors(sections: list[Section], errors: list[dict]) -> list[str]:
    """Put each service error on the field it names; answer the ones no shown field takes."""
    fields = {f.code: f for s in sections for f in s.fields}
    general = []
    for error in errors:
        place = parse_value_path(error["field"] or "")
        target = fields.get(place.attribute) if place else None
        if target and (place.channel, place.locale) == (target.channel, target.locale):
            target.errors.append(error["message"])
        else:
            prefix = f"{error['field']}: " if error["field"] else ""
            general.append(prefix + error["message"])
    return general
