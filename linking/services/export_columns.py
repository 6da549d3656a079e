"""The columns of a channel export as a spreadsheet: one row per product, its channel documents
(one per locale) flattened in the import layout.

`sku`, `family`, `parent`, `categories` (comma list of codes), `enabled`, then per attribute of
the exported families (in the catalog export's order) `attribute`, or `attribute-<locale>` when
localizable — select values as their code, multi-selects as a comma list of codes, booleans
1/0, prices one column per channel currency (`attribute[-<locale>]-<CURRENCY>`), metrics the
amount and `attribute[-<locale>]-unit` — then the media: `media-<role>-<profile>`, the URLs of the role's
renditions in that profile in position order, comma-separated (with several locales,
`media-<role>-<profile>-<locale>`: a link may be for one locale only).

The header is fixed before the first row is written, from a cheap first pass: the families of
the exported documents, the channel's currencies and rendition profiles, and the media roles
linked, required or given a placeholder on the channel.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.db.models import Q

from governance.models import Channel
from linking.models import ChannelDocument, FallbackMedia, MediaRequirement, ProductAssetLink
from linking.selectors.links import role_order
from linking.services.readiness import MediaContext
from pim.models import AttributeType
from pim.selectors import catalog_load

FIELDS = ("sku", "family", "parent", "categories", "enabled")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


def _code(value) -> str:
    return (value.get("code") or "") if isinstance(value, dict) else _text(value)


def _codes(value) -> str:
    if not isinstance(value, list):
        return _text(value)
    return ",".join(_code(item) for item in value)


def _metric(value) -> list[str]:
    if not isinstance(value, dict):
        return [_text(value), ""]
    return [_text(value.get("amount")), _text(value.get("unit"))]


def _prices(currencies: tuple[str, ...]) -> Callable[[object], list[str]]:
    def cells(value) -> list[str]:
        amounts = {}
        if isinstance(value, list):
            amounts = {p.get("currency"): p.get("amount") for p in value if isinstance(p, dict)}
        return [_text(amounts.get(currency)) for currency in currencies]

    return cells


@dataclass
class ValueSlot:
    """The cell(s) of one attribute in one locale (None: not localizable): `convert` gives the
    text of one cell, or the list of `width` cells."""

    attribute: str
    locale: str | None
    convert: Callable[[object], str | list[str]]
    width: int = 1


@dataclass
class MediaSlot:
    """A role's URLs in each profile, from one locale's document (None: the first one the product
    is published in)."""

    role: str
    locale: str | None
    profiles: tuple[str, ...]


EMPTY: dict = {}


@dataclass
class ChannelColumns:
    header: list[str]
    locales: list[str]
    values: list[ValueSlot]
    media: list[MediaSlot]
    attributes: frozenset[str]
    roles: frozenset[str]
    left_out: set[str] = field(default_factory=set)

    def row(self, documents: dict[str, dict]) -> list[str]:
        """The product's cells from its documents by locale code (at least one)."""
        first = next(document for code in self.locales if (document := documents.get(code)))
        categories = ",".join(category["code"] for category in first.get("categories") or ())
        cells = [first["sku"], first.get("family") or "", first.get("parent") or "", categories]
        cells.append("1")  # only an enabled product has documents
        for document in documents.values():
            if not self.attributes.issuperset(document["values"]):
                self.left_out |= document["values"].keys() - self.attributes
            if not self.roles.issuperset(document["media"]):
                self.left_out |= {f"media-{r}" for r in document["media"].keys() - self.roles}
        append, extend = cells.append, cells.extend
        for slot in self.values:
            if slot.locale is None:
                value = first["values"].get(slot.attribute)
            else:
                value = documents.get(slot.locale, EMPTY).get("values", EMPTY).get(slot.attribute)
            if slot.width == 1:
                append("" if value is None else slot.convert(value))
            else:
                extend([""] * slot.width if value is None else slot.convert(value))
        for slot in self.media:
            document = first if slot.locale is None else documents.get(slot.locale, EMPTY)
            items = document.get("media", EMPTY).get(slot.role)
            if not items:
                extend([""] * len(slot.profiles))
                continue
            if len(items) > 1:
                items = sorted(items, key=lambda item: item.get("position") or 0)
            for profile in slot.profiles:
                append(
                    ",".join(
                        rendition["url"]
                        for item in items
                        if (rendition := item["renditions"].get(profile))
                    )
                )
        return cells


def _value_slots(catalog, codes: list[str], locales: list[str], currencies: tuple[str, ...]):
    header, slots = [], []
    for code in codes:
        attribute = catalog.attributes[code]
        kind = attribute.type
        for locale in locales if attribute.is_localizable else [None]:
            name = f"{code}-{locale}" if locale else code
            if kind == AttributeType.PRICE:
                header += [f"{name}-{currency}" for currency in currencies]
                slots.append(ValueSlot(code, locale, _prices(currencies), len(currencies)))
            elif kind == AttributeType.METRIC:
                header += [name, f"{name}-unit"]
                slots.append(ValueSlot(code, locale, _metric, 2))
            else:
                convert = {AttributeType.SELECT: _code, AttributeType.MULTISELECT: _codes}
                header.append(name)
                slots.append(ValueSlot(code, locale, convert.get(kind, _text)))
    return header, slots


def _roles(channel: Channel, documents) -> list[str]:
    """Roles the channel's documents may list: linked (for any or this channel) to the exported
    products or their models, required of their families there, or given a placeholder."""
    products = documents.values("product_id")
    models = documents.values("product__parent_id")
    grandparents = documents.values("product__parent__parent_id")
    linked = ProductAssetLink.objects.filter(Q(channel__isnull=True) | Q(channel=channel)).filter(
        Q(product_id__in=products)
        | Q(product_model_id__in=models)
        | Q(product_model_id__in=grandparents)
    )
    roles = set(linked.values_list("role", flat=True).distinct())
    roles |= set(MediaRequirement.objects.filter(channel=channel).values_list("role", flat=True))
    roles |= set(FallbackMedia.objects.filter(channel=channel).values_list("role", flat=True))
    order = role_order()
    return sorted(roles, key=lambda role: (order.get(role, len(order)), role))


def channel_columns(*, channel: Channel, locales: list[str], now: datetime) -> ChannelColumns:
    """The export's columns for these locales of the channel (a handful of queries)."""
    catalog = catalog_load()
    documents = ChannelDocument.objects.filter(channel=channel, locale__code__in=locales)
    families = documents.values_list("product__family__code", flat=True).distinct()
    codes = sorted(
        {code for family in families if family in catalog.families
         for code in catalog.families[family].attributes},
        key=lambda code: (catalog.attributes[code].sort_order, code),
    )  # fmt: skip
    currencies = tuple(sorted(channel.currencies.values_list("code", flat=True)))
    value_header, value_slots = _value_slots(catalog, codes, locales, currencies)
    profiles = [profile.code for profile in MediaContext(now=now).profiles(channel.pk)]
    roles = _roles(channel, documents)
    media_locales = locales if len(locales) > 1 else [None]
    media_header, media_slots = [], []
    for role in roles:
        for locale in media_locales:
            suffix = f"-{locale}" if locale else ""
            media_header += [f"media-{role}-{profile}{suffix}" for profile in profiles]
            media_slots.append(MediaSlot(role, locale, tuple(profiles)))
    return ChannelColumns(
        header=[*FIELDS, *value_header, *media_header],
        locales=list(locales),
        values=value_slots,
        media=media_slots,
        attributes=frozenset(codes),
        roles=frozenset(roles),
    )
