"""Row cells -> an API item ({"sku", "family", …, "values": {attr: [{channel, locale, data}]}}).

Compiled once per header: each column gets a small function from cell text to API data, so a
row costs a loop over its non-empty cells. An empty cell means "no change" (never "erase").
"""

import re
from collections.abc import Callable
from datetime import datetime
from functools import cache

import pint

from governance.models import Term
from governance.tabular import cell_unquote
from pim.catalog import Catalog
from pim.imports.columns import SELECTS, CellError, ColumnTarget
from pim.models import AssociationType, AttributeType
from pim.validators import units
from pim.values import value_path

TRUE = {"1", "true", "yes", "y"}
FALSE = {"0", "false", "no", "n"}
QUANTITY = re.compile(r"^(.*):(\d+)\Z")


class CellProblem(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@cache
def unit_name(text: str, allowed: tuple[str, ...]) -> str:
    """A unit as the catalog names it: "KILOGRAM", "kg" and "kilogram" are all "kilogram"."""
    folded = {u.casefold(): u for u in allowed}
    if text.casefold() in folded:
        return folded[text.casefold()]
    for candidate in (text, text.lower()):
        try:
            name = str(units().Unit(candidate))
        except (pint.errors.UndefinedUnitError, AttributeError, TypeError, ValueError):
            continue
        return folded.get(name.casefold(), name)
    return text


def split_list(text: str, separator: str = ",") -> list[str]:
    parts = text.split(separator)
    stripped = [part.strip() for part in parts]
    return stripped if all(stripped) else [part for part in stripped if part]


class Slot:
    """The columns that make one value (attribute × channel × locale): one column, or a metric's
    amount and unit, or a price's currencies."""

    def __init__(self, attribute, channel, locale):
        self.attribute, self.channel, self.locale = attribute, channel, locale
        self.columns: list[tuple[int, ColumnTarget, Callable]] = []
        self.unit_column: tuple[int, ColumnTarget] | None = None


class RowConverter:
    """Turns one row's cells into (item, media urls by role, cell errors)."""

    def __init__(
        self,
        targets: list[ColumnTarget],
        catalog: Catalog,
        *,
        kind: str = "products",
        term_labels: dict | None = None,
        create_terms: bool = False,
    ):
        self.kind, self.catalog, self.targets = kind, catalog, targets
        self.create_terms = create_terms
        # Labels met with no term and create_terms on: (vocabulary, code) -> {locale: label}.
        self.new_labels: dict[tuple[str, str], dict[str, str]] = {}
        # (vocabulary, locale) -> {casefolded label: code}
        self.term_labels = (
            term_labels if term_labels is not None else _term_labels(targets, catalog)
        )
        self.fields: list[tuple[int, ColumnTarget, Callable]] = []
        self.associations: list[tuple[int, ColumnTarget, Callable]] = []
        self.media: list[tuple[int, ColumnTarget]] = []
        self.slots: dict[tuple, Slot] = {}
        for index, target in enumerate(targets):
            self._compile(index, target)
        # Where a service error's field points: fixed per header (values.weight[channel=…] ->
        # the column that wrote it). Associations add the row's link order (see run.py).
        self.field_columns: dict[str, str] = {}
        for _index, target, _ in self.fields:
            self.field_columns.setdefault(target.target, target.column)
        for slot in self.slots.values():
            column = (slot.columns[0][1] if slot.columns else slot.unit_column[1]).column
            self.field_columns[value_path(slot.attribute, slot.channel, slot.locale)] = column
            self.field_columns.setdefault(f"values.{slot.attribute}", column)
        self.slot_list = list(self.slots.values())
        # "sku:3" carries a quantity only for quantified types: elsewhere it is a SKU.
        self.quantified = (
            set(
                AssociationType.objects.filter(
                    is_quantified=True, code__in={t.association for _, t, _ in self.associations}
                ).values_list("code", flat=True)
            )
            if self.associations
            else set()
        )
        # The hot path: a value of one column (most of them) is converted inline; metrics with
        # a unit column and prices of several currency columns go through _slot_data.
        self.simple = []
        self.combined = []
        for slot in self.slot_list:
            if len(slot.columns) == 1 and slot.unit_column is None:
                index, target, handler = slot.columns[0]
                handler = None if handler is _identity else handler
                self.simple.append(
                    (index, target.column, slot.attribute, slot.channel, slot.locale, handler)
                )
            else:
                self.combined.append(slot)
        self.width = len(targets)
        self.column_index = {t.column: i for i, t in reversed(list(enumerate(targets)))}

    # Compilation ---------------------------------------------------------------------------

    def _compile(self, index: int, target: ColumnTarget) -> None:
        kind = target.target
        if kind in ("ignore",):
            return
        if kind == "media_url":
            self.media.append((index, target))
            return
        if kind == "association":
            self.associations.append((index, target, self._list_handler(target)))
            return
        if kind in ("value", "unit"):
            key = (target.attribute, target.channel, target.locale)
            slot = self.slots.get(key) or self.slots.setdefault(key, Slot(*key))
            if kind == "unit":
                slot.unit_column = (index, target)
            else:
                slot.columns.append((index, target, self._value_handler(target)))
            return
        handler = {
            "categories": self._list_handler(target),
            "enabled": _boolean,
            "groups": _no_groups,
        }.get(kind, self._text_handler(target))
        self.fields.append((index, target, handler))

    def _text_handler(self, target: ColumnTarget) -> Callable[[str], str]:
        steps = _common_steps(target)
        if not steps:
            return _identity

        def handle(text):
            for step in steps:
                text = step(text)
            return text

        return handle

    def _list_handler(self, target: ColumnTarget) -> Callable[[str], list[str]]:
        separator = next((t["separator"] for t in target.transforms if t["name"] == "split"), ",")
        text_handler = self._text_handler(target)
        return lambda text: split_list(text_handler(text), separator)

    def _value_handler(self, target: ColumnTarget) -> Callable[[str], object]:
        attribute = self.catalog.attributes[target.attribute]
        kind = attribute.type
        text_handler = self._text_handler(target)
        transforms = {t["name"]: t for t in target.transforms}
        if kind == AttributeType.BOOLEAN:
            return (
                _boolean if text_handler is _identity else lambda text: _boolean(text_handler(text))
            )
        if kind == AttributeType.DATE and "date" in transforms:
            pattern = transforms["date"]["format"]
            return lambda text: _date(text_handler(text), pattern)
        if kind in SELECTS:
            separator = transforms["split"]["separator"] if "split" in transforms else ","
            lookup = None
            if "term_label" in transforms:
                vocabulary = attribute.vocabulary.code if attribute.vocabulary_id else ""
                locale = transforms["term_label"]["locale"]
                labels = self.term_labels.get((vocabulary, locale), {})
                lookup = self._label_lookup(vocabulary, labels, locale)
            if kind == AttributeType.SELECT:
                if lookup:
                    return lambda text: lookup(text_handler(text).strip())
                return (
                    str.strip
                    if text_handler is _identity
                    else lambda text: text_handler(text).strip()
                )
            if lookup:
                return lambda text: [lookup(t) for t in split_list(text_handler(text), separator)]
            return lambda text: split_list(text_handler(text), separator)
        if kind == AttributeType.METRIC:
            fixed = transforms["unit"]["unit"] if "unit" in transforms else None
            allowed = tuple(attribute.allowed_units or ())
            default = fixed or attribute.default_unit or None

            def metric(text, unit=None):
                text = text_handler(text).strip()
                amount, _, suffix = text.partition(" ")
                unit = suffix.strip() or unit or default
                if not unit:
                    raise CellProblem(
                        "unit_required",
                        f"Give a unit: a {target.attribute}-unit column or '{amount} KILOGRAM'.",
                    )
                return {"amount": amount, "unit": unit_name(unit, allowed)}

            return metric
        if kind == AttributeType.PRICE:
            currency = target.currency

            def price(text):
                text = text_handler(text).strip()
                if currency:
                    return [{"amount": text, "currency": currency}]
                prices = []
                for part in split_list(text):
                    amount, _, code = part.partition(" ")
                    if not code.strip():
                        raise CellProblem(
                            "currency_required", f"{part!r}: give a currency, as in '19.90 EUR'."
                        )
                    prices.append({"amount": amount, "currency": code.strip().upper()})
                return prices

            return price
        return text_handler

    def _label_lookup(self, vocabulary: str, labels: dict[str, str], locale: str):
        def lookup(label: str) -> str:
            code = labels.get(label.casefold())
            if code is not None:
                return code
            if not self.create_terms:
                raise CellProblem(
                    "unknown_term_label", f"No term is labelled {label!r} in {locale}."
                )
            code = term_code(label)
            self.new_labels.setdefault((vocabulary, code), {})[locale] = label
            return code

        return lookup

    # Conversion ----------------------------------------------------------------------------

    def convert(self, row: int, cells: list[str]) -> tuple[dict, dict, list[CellError]]:
        item: dict = {}
        errors: list[CellError] = []
        width = len(cells)
        if width > len(self.targets):
            errors.append(
                CellError(
                    row,
                    "",
                    "",
                    "too_many_cells",
                    f"Row {row} has {width} cells; the header has {len(self.targets)}.",
                )
            )
        for index, target, handler in self.fields:
            text = cells[index] if index < width else ""
            if not text or text.isspace():
                continue
            try:
                item[target.target] = handler(cell_unquote(text))
            except CellProblem as exc:
                errors.append(CellError(row, target.column, text, exc.code, exc.message))
        if width < self.width:
            cells = cells + [""] * (self.width - width)
            width = self.width
        values: dict = {}
        for index, column, attribute, channel, locale, handler in self.simple:
            text = cells[index]
            if not text or text.isspace():
                continue
            if text[0] == "'":
                text = cell_unquote(text)
            if handler is None:
                data = text
            else:
                try:
                    data = handler(text)
                except CellProblem as exc:
                    errors.append(CellError(row, column, cells[index], exc.code, exc.message))
                    continue
            entry = {"channel": channel, "locale": locale, "data": data}
            if attribute in values:
                values[attribute].append(entry)
            else:
                values[attribute] = [entry]
        for slot in self.combined:
            data = self._slot_data(slot, cells, width, row, errors)
            if data is not None:
                entry = {"channel": slot.channel, "locale": slot.locale, "data": data}
                values.setdefault(slot.attribute, []).append(entry)
        if values:
            item["values"] = values
        if self.associations:
            links = self._links(cells, width, row, errors)
            if links:
                item["associations"] = links
        media = {}
        for index, target in self.media:
            text = cells[index].strip() if index < width else ""
            if text:
                media.setdefault(target.role, []).extend(split_list(text))
        return item, media, errors

    def _slot_data(self, slot: Slot, cells, width, row, errors):
        unit = None
        if slot.unit_column is not None:
            index = slot.unit_column[0]
            unit = cells[index].strip() if index < width else ""
        data = None
        for index, target, handler in slot.columns:
            text = cells[index] if index < width else ""
            if not text or text.isspace():
                continue
            try:
                value = handler(cell_unquote(text), unit) if unit else handler(cell_unquote(text))
            except CellProblem as exc:
                errors.append(CellError(row, target.column, text, exc.code, exc.message))
                continue
            if type(value) is list and data is not None and type(data) is list:
                data = data + value  # a price's currency columns make one list
            else:
                data = value
        if data is None and unit and slot.unit_column is not None and not slot.columns:
            column = slot.unit_column[1].column
            errors.append(
                CellError(row, column, unit, "amount_required", "A unit without an amount.")
            )
        return data

    def _links(self, cells, width, row, errors) -> dict:
        """{type: {"products": [links] | None, "product_models": [links] | None}}: None for
        an empty cell (no change to that side)."""
        links: dict = {}
        for index, target, handler in self.associations:
            text = cells[index] if index < width else ""
            if not text or text.isspace():
                continue
            side = target.role
            quantified = target.association in self.quantified
            found = []
            for part in handler(cell_unquote(text)):
                quantity = None
                match = QUANTITY.match(part) if quantified else None
                if match:
                    part, quantity = match.group(1).strip(), int(match.group(2))
                link = {"product" if side == "products" else "product_model": part}
                if quantity is not None:
                    link["quantity"] = quantity
                found.append(link)
            links.setdefault(target.association, {})[side] = found
        return links


def _common_steps(target: ColumnTarget) -> list[Callable[[str], str]]:
    steps = []
    for transform in target.transforms:
        if transform["name"] == "trim":
            steps.append(str.strip)
    return steps


def _identity(text):
    return text


BOOLEANS = {
    **dict.fromkeys(TRUE, True),
    **dict.fromkeys(FALSE, False),
    "TRUE": True,
    "FALSE": False,
    "True": True,
    "False": False,
}


def _boolean(text: str) -> bool:
    if text in BOOLEANS:
        return BOOLEANS[text]
    folded = text.strip().casefold()
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    raise CellProblem("not_a_boolean", f"{text!r}: write 1/0, true/false or yes/no.")


def _no_groups(text: str):
    raise CellProblem(
        "groups_unsupported", "Tessera has no product groups: map this column to ignore."
    )


def _date(text: str, pattern: str) -> str:
    try:
        return datetime.strptime(text.strip(), pattern).date().isoformat()  # noqa: DTZ007 (a day, no time)
    except ValueError:
        raise CellProblem(
            "invalid_date", f"{text!r} does not match the format {pattern}."
        ) from None


def term_code(label: str) -> str:
    """A term code made from a label: "Navy Blue" -> "navy_blue"."""
    code = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")[:100]
    return code if code[:1].isalpha() else f"t_{code}"[:100]


def _term_labels(targets: list[ColumnTarget], catalog: Catalog) -> dict:
    """(vocabulary, locale) -> {casefolded label: code}, for the columns that look terms up by
    label; one query."""
    wanted = set()
    for target in targets:
        for transform in target.transforms:
            if transform["name"] == "term_label" and target.attribute in catalog.attributes:
                attribute = catalog.attributes[target.attribute]
                if attribute.vocabulary_id:
                    wanted.add((attribute.vocabulary.code, transform["locale"]))
    found: dict = {key: {} for key in wanted}
    if not wanted:
        return found
    for vocabulary, code, labels in Term.objects.filter(
        vocabulary__code__in={v for v, _ in wanted}
    ).values_list("vocabulary__code", "code", "labels"):
        for locale, label in (labels or {}).items():
            if (vocabulary, locale) in found and isinstance(label, str):
                found[(vocabulary, locale)].setdefault(label.casefold(), code)
    return found
