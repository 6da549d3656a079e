"""Spreadsheet headers -> what each column writes (Akeneo-style conventions, or a mapping).

`sku` (products) or `code` (product models), `family`, `family_variant`, `parent`, `categories`,
`enabled`, `<type>-products` / `<type>-product_models` (associations), `media-<role>`, and values
as `attribute[-<locale>][-<channel>][-<CURRENCY>][-unit]`, the suffixes told apart by what the
catalog holds. Resolved once per file: the row converters are compiled from the result.
"""

from dataclasses import dataclass

from pim import selectors
from pim.catalog import Catalog
from pim.models import AssociationType, AttributeType

TARGETS = (
    "sku",
    "code",
    "family",
    "family_variant",
    "parent",
    "categories",
    "enabled",
    "groups",
    "association",
    "value",
    "unit",
    "media_url",
    "ignore",
)
FIELD_TARGETS = {
    "products": {"sku", "family", "parent", "categories", "enabled", "groups"},
    "product_models": {"code", "family_variant", "parent", "categories"},
}
TRANSFORMS = {"trim", "split", "unit", "date", "term_label"}
SELECTS = (AttributeType.SELECT, AttributeType.MULTISELECT)


@dataclass
class CellError:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str  # the source header text; "" when the problem belongs to no column
    value: str
    code: str
    message: str


@dataclass(frozen=True)
class ColumnTarget:
    column: str
    target: str
    attribute: str | None = None
    locale: str | None = None
    channel: str | None = None
    currency: str | None = None
    association: str | None = None
    role: str | None = None
    transforms: tuple = ()


def header_resolve(
    header: list[str],
    *,
    kind: str = "products",
    mapping: dict | None = None,
    catalog: Catalog | None = None,
) -> tuple[list[ColumnTarget], list[CellError]]:
    """One ColumnTarget per header cell, and every header problem as CellError(row=1, …)."""
    catalog = catalog or selectors.catalog_load()
    resolver = _Resolver(kind, catalog)
    overrides = (mapping or {}).get("columns") or {}
    errors: list[CellError] = []
    if kind not in FIELD_TARGETS:
        return [], [CellError(1, "", kind, "invalid", f"Cannot import {kind!r}.")]
    if not isinstance(overrides, dict):
        overrides = {}
        errors.append(CellError(1, "", "", "invalid_mapping", 'Expected {"columns": {…}}.'))
    targets = []
    for column in header:
        spec = overrides.get(column)
        if spec is not None:
            target, problem = resolver.mapped(column, spec)
        else:
            target, problem = resolver.conventional(column)
        if problem is None and target.target == "value":
            problem = resolver.scope_problem(target)
        if problem is None:
            problem = _transform_problem(target, catalog)
        if problem:
            errors.append(CellError(1, column, column, *problem))
            target = ColumnTarget(column, "ignore")
        targets.append(target)
    errors.extend(_duplicates(targets))
    identifier = "sku" if kind == "products" else "code"
    if not any(t.target == identifier for t in targets):
        errors.append(
            CellError(1, identifier, "", "required", f"The file needs a {identifier} column.")
        )
    return targets, errors


class _Resolver:
    def __init__(self, kind: str, catalog: Catalog):
        self.kind, self.catalog = kind, catalog
        self.locales = catalog.active_locales
        self.channels = set(catalog.channel_locales)
        self.currencies = catalog.context.active_currencies
        self.association_types = (
            {
                code.casefold(): code
                for code in AssociationType.objects.values_list("code", flat=True)
            }
            if kind == "products"
            else {}
        )

    def conventional(self, column: str) -> tuple[ColumnTarget, tuple | None]:
        name = column.strip()
        if name in FIELD_TARGETS[self.kind]:
            return ColumnTarget(column, name), None
        if name.startswith("media-") and len(name) > 6:
            return ColumnTarget(column, "media_url", role=name[6:]), None
        for side in ("-products", "-product_models"):
            type_code = name[: -len(side)] if name.endswith(side) else ""
            if type_code and self.kind == "products":
                code = self.association_types.get(type_code.casefold())
                if code is None:
                    return ColumnTarget(column, "ignore"), (
                        "unknown_association_type",
                        f"There is no association type {type_code!r}.",
                    )
                return ColumnTarget(column, "association", association=code, role=side[1:]), None
        code, *suffixes = name.split("-")
        attribute = self.catalog.attributes.get(code)
        if attribute is None:
            return ColumnTarget(column, "ignore"), (
                "unknown_column",
                f"{column!r} is neither a field nor an attribute: map it, or map it to ignore.",
            )
        fields = {"locale": None, "channel": None, "currency": None}
        target = "value"
        for suffix in suffixes:
            slot = self._suffix(attribute, suffix)
            if slot == "unit" and target != "unit":
                target = "unit"
            elif slot in fields and fields[slot] is None:
                fields[slot] = suffix
            else:
                return ColumnTarget(column, "ignore"), (
                    "unknown_suffix",
                    f"{suffix!r} in {column!r} is no locale, channel"
                    f"{', currency' if attribute.type == AttributeType.PRICE else ''}"
                    f"{' or unit' if attribute.type == AttributeType.METRIC else ''} of {code}.",
                )
        return ColumnTarget(column, target, attribute=code, **fields), None

    def _suffix(self, attribute, suffix: str) -> str | None:
        if suffix == "unit" and attribute.type == AttributeType.METRIC:
            return "unit"
        if attribute.is_localizable and suffix in self.locales:
            return "locale"
        if attribute.is_scopable and suffix in self.channels:
            return "channel"
        if attribute.type == AttributeType.PRICE and suffix in self.currencies:
            return "currency"
        return None

    def mapped(self, column: str, spec) -> tuple[ColumnTarget, tuple | None]:
        if not isinstance(spec, dict) or spec.get("target") not in TARGETS:
            return ColumnTarget(column, "ignore"), (
                "invalid_mapping",
                f"Map {column!r} to one of: {', '.join(TARGETS)}.",
            )
        transforms = spec.get("transforms") or ()
        if not isinstance(transforms, list | tuple) or not all(
            isinstance(t, dict) and t.get("name") in TRANSFORMS for t in transforms
        ):
            return ColumnTarget(column, "ignore"), (
                "invalid_transform",
                f"Transforms of {column!r} are among: {', '.join(sorted(TRANSFORMS))}.",
            )
        text = {
            name: spec.get(name) if isinstance(spec.get(name), str) and spec.get(name) else None
            for name in ("attribute", "locale", "channel", "currency", "association", "role")
        }
        target = ColumnTarget(
            column, spec["target"], transforms=tuple(dict(t) for t in transforms), **text
        )
        kind = target.target
        if kind in ("value", "unit"):
            attribute = self.catalog.attributes.get(target.attribute or "")
            if attribute is None:
                return target, ("unknown_attribute", f"There is no attribute {target.attribute!r}.")
            if kind == "unit" and attribute.type != AttributeType.METRIC:
                return target, (
                    "not_a_metric",
                    f"{attribute.code} is not a metric: it has no unit.",
                )
            if target.currency and (
                attribute.type != AttributeType.PRICE or target.currency not in self.currencies
            ):
                return target, ("unknown_currency", f"{target.currency!r} is no active currency.")
        elif kind == "association":
            code = self.association_types.get((target.association or "").casefold())
            if code is None:
                return target, (
                    "unknown_association_type",
                    f"There is no association type {target.association!r}.",
                )
            side = target.role if target.role in ("products", "product_models") else "products"
            target = ColumnTarget(
                column, kind, association=code, role=side, transforms=target.transforms
            )
        elif kind == "media_url" and not target.role:
            return target, ("role_required", f"Give {column!r} a media role.")
        elif kind not in ("ignore", "media_url") and kind not in FIELD_TARGETS[self.kind]:
            return target, ("invalid_mapping", f"{self.kind} have no {kind}.")
        return target, None

    def scope_problem(self, target: ColumnTarget) -> tuple | None:
        """The scope rules of the service, checked once for the column instead of per cell."""
        attribute = self.catalog.attributes[target.attribute]
        problem = self.catalog._scope_error(attribute, target.channel, target.locale)
        if problem:
            return problem[0], f"{target.column}: {problem[1]}"
        return None


def _transform_problem(target: ColumnTarget, catalog: Catalog) -> tuple | None:
    for transform in target.transforms:
        name = transform["name"]
        if name == "split" and not (
            isinstance(transform.get("separator"), str) and transform["separator"]
        ):
            return "invalid_transform", "split needs a separator."
        if name == "date" and not isinstance(transform.get("format"), str):
            return "invalid_transform", 'date needs a format ("%d/%m/%Y").'
        if name == "unit" and not isinstance(transform.get("unit"), str):
            return "invalid_transform", "unit needs a unit."
        if name == "term_label":
            attribute = catalog.attributes.get(target.attribute or "")
            if attribute is None or attribute.type not in SELECTS:
                return "invalid_transform", "term_label applies to select and multiselect values."
            if transform.get("locale") not in catalog.active_locales:
                return "invalid_transform", "term_label needs an active locale."
    return None


def _duplicates(targets: list[ColumnTarget]) -> list[CellError]:
    """Two columns writing the same thing would race inside one row."""
    seen, errors = {}, []
    for target in targets:
        if target.target in ("ignore", "media_url"):
            continue
        key = (
            target.target,
            target.attribute,
            target.locale,
            target.channel,
            target.currency,
            target.association,
            target.role if target.target == "association" else None,
        )
        if key in seen:
            errors.append(
                CellError(
                    1,
                    target.column,
                    target.column,
                    "duplicate_column",
                    f"{target.column!r} writes what {seen[key]!r} writes.",
                )
            )
        else:
            seen[key] = target.column
    return errors
