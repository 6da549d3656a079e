"""The catalog's rules, loaded once per request or batch: attributes compiled into value rules,
families with their requirements, variant levels, channels and locales.

`Catalog.clean_values` turns API-shaped values into stored ones and lists every broken rule with
its exact place; `Catalog.completeness` scores effective values against a family's requirements.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import nh3

from pim.models import Attribute
from pim.validators import Invalid, ValueContext, compile_rule
from pim.values import value_key, value_path


@dataclass
class FamilyRules:
    code: str
    attributes: frozenset[str]
    label_attribute: str | None
    requirements: dict[str, tuple[str, ...]]  # channel -> required attribute codes


@dataclass
class VariantRules:
    code: str
    family: str
    axes: dict[int, tuple[str, ...]]  # level -> axis attribute codes
    attributes: dict[int, frozenset[str]]  # level -> attributes owned there (axes included)

    @property
    def depth(self) -> int:
        return max(self.axes, default=0)

    def owned_at(self, level: int, family_attributes: frozenset[str]) -> frozenset[str]:
        """Attributes edited at a level: 0 is the root model, `depth` the variant product."""
        if level == 0:
            return family_attributes - frozenset().union(*self.attributes.values())
        return self.attributes[level]


@dataclass
class Catalog:
    attributes: dict[str, Attribute]
    families: dict[str, FamilyRules]
    variants: dict[str, VariantRules]
    channel_locales: dict[str, tuple[str, ...]]
    active_locales: frozenset[str]
    context: ValueContext
    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # "family"|"channel"|"locale"
    rules: dict[str, Any] = field(default_factory=dict)
    requirement_keys: dict[str, list] = field(default_factory=dict)
    scope_keys: dict[tuple, str] = field(default_factory=dict)  # (attribute, channel, locale)

    def rule(self, code: str):
        if code not in self.rules:
            self.rules[code] = compile_rule(self.attributes[code], self.context)
        return self.rules[code]

    def _scope_error(self, attribute: Attribute, channel, locale) -> tuple[str, str] | None:
        if attribute.is_scopable and not channel:
            return "channel_required", "This attribute is scopable: give a channel."
        if not attribute.is_scopable and channel:
            return "not_scopable", "This attribute is not scopable: give no channel."
        if attribute.is_localizable and not locale:
            return "locale_required", "This attribute is localizable: give a locale."
        if not attribute.is_localizable and locale:
            return "not_localizable", "This attribute is not localizable: give no locale."
        if channel and channel not in self.channel_locales:
            return "unknown_channel", f"There is no channel {channel!r}."
        if locale and locale not in self.active_locales:
            return "inactive_locale", f"Locale {locale!r} is unknown or not active."
        if channel and locale and locale not in self.channel_locales[channel]:
            return "locale_not_in_channel", f"Channel {channel} does not publish {locale}."
        return None

    def _scope_key(self, attribute: Attribute, channel, locale, index: int, errors: list):
        """The value key of a valid scope (remembered), or None with the problem in errors."""
        code = attribute.code
        if not isinstance(channel, str | None) or not isinstance(locale, str | None):
            errors.append(
                (f"values.{code}[{index}]", "invalid", "channel and locale are codes or null.")
            )
            return None
        problem = self._scope_error(attribute, channel, locale)
        if problem:
            errors.append((value_path(code, channel, locale), *problem))
            return None
        key = self.scope_keys[(code, channel, locale)] = value_key(channel, locale)
        return key

    def clean_values(
        self,
        values: Any,
        *,
        allowed: frozenset[str],
        previous: dict,
        owners: dict[str, str] | None = None,
    ) -> tuple[dict, list[tuple[str, str, str]]]:
        """API values {attr: [{channel, locale, data}]} -> (stored changes, [(path, code, message)]).

        `allowed` are the attributes this entry may hold; `owners` names, for the others of its
        family, where they are edited instead (a parent product model). data null erases.
        """
        changes: dict[str, dict] = {}
        errors: list[tuple[str, str, str]] = []
        if not isinstance(values, dict):
            return changes, [
                ("values", "invalid", 'Expected {"attribute": [{"channel", "locale", "data"}]}.')
            ]
        for code, entries in values.items():
            attribute = self.attributes.get(code)
            if attribute is None:
                errors.append(
                    (f"values.{code}", "unknown_attribute", f"There is no attribute {code!r}.")
                )
                continue
            if code not in allowed:
                if owners and code in owners:
                    message = f"{code} is edited on {owners[code]}, not here."
                    errors.append((f"values.{code}", "attribute_owned_by_parent", message))
                else:
                    message = f"{code} is not an attribute of this family."
                    errors.append((f"values.{code}", "attribute_not_in_family", message))
                continue
            if not isinstance(entries, list):
                errors.append(
                    (f"values.{code}", "invalid", "Expected a list of {channel, locale, data}.")
                )
                continue
            rule, stored_scopes, scoped = self.rule(code), previous.get(code, {}), {}
            scope_keys = self.scope_keys
            for index, entry in enumerate(entries):
                if (
                    not isinstance(entry, dict)
                    or "data" not in entry
                    or not entry.keys() <= ENTRY_KEYS
                ):
                    errors.append(
                        (f"values.{code}[{index}]", "invalid", "Expected {channel, locale, data}.")
                    )
                    continue
                channel, locale = entry.get("channel"), entry.get("locale")
                try:  # a scope checked once per catalog: imports send the same ones all along
                    key = scope_keys[(code, channel, locale)]
                except (KeyError, TypeError):
                    key = self._scope_key(attribute, channel, locale, index, errors)
                    if key is None:
                        continue
                if entry["data"] is None:
                    scoped[key] = None
                    continue
                try:
                    scoped[key] = rule(entry["data"], stored_scopes.get(key))
                except Invalid as exc:
                    errors.append((value_path(code, channel, locale), exc.code, exc.message))
            if scoped:
                changes[code] = scoped
        return changes, errors

    def completeness(self, family: str, values: dict) -> list[tuple[str, str, int, int, list[str]]]:
        """(channel, locale, percent, required count, missing codes) for each channel × locale."""
        result = []
        for channel, locale, required in self._requirement_keys(family):
            missing = [code for code, key in required if key not in values.get(code, ())]
            count = len(required)
            percent = 100 if not count else (count - len(missing)) * 100 // count
            result.append((channel, locale, percent, count, missing))
        return result

    def _requirement_keys(self, family: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """Per channel × locale, the (attribute, value key) pairs a complete product fills."""
        if family not in self.requirement_keys:
            keys = []
            for channel, required in self.families[family].requirements.items():
                for locale in self.channel_locales.get(channel, ()):
                    pairs = []
                    for code in required:
                        attribute = self.attributes[code]
                        pairs.append(
                            (
                                code,
                                value_key(
                                    channel if attribute.is_scopable else None,
                                    locale if attribute.is_localizable else None,
                                ),
                            )
                        )
                    keys.append((channel, locale, pairs))
            self.requirement_keys[family] = keys
        return self.requirement_keys[family]

    def search_text(self, identifier: str, values: dict) -> str:
        """What `q` searches: the identifier and the words of every text value, every locale.

        Each word once (case-folded), tags stripped from rich text: full-text matching is a bag
        of words, and a product's 2,400 localized texts repeat most of theirs, so the GIN index
        maintained on every save stays small. A quoted phrase may match across values.
        """
        words = dict.fromkeys(identifier.casefold().split())
        for code, scopes in values.items():
            attribute = self.attributes.get(code)
            if attribute is None or attribute.type not in SEARCHED_TYPES:
                continue
            for data in scopes.values():
                text = nh3.clean(data, tags=set()) if attribute.type == "rich_text" else str(data)
                words.update(dict.fromkeys(text.casefold().split()))
        return " ".join(words)


ENTRY_KEYS = frozenset({"channel", "locale", "data"})
SEARCHED_TYPES = {"identifier", "text", "textarea", "rich_text"}


def group_requirements(rows) -> dict[str, dict[str, list[str]]]:
    """(family, channel, attribute) rows -> {family: {channel: [attributes]}}."""
    grouped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for family, channel, attribute in rows:
        grouped[family][channel].append(attribute)
    return grouped
