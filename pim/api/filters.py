"""Product list filters, applied by `product_filter` from query parameters.

attr.<code>=v (equals; a multiselect contains v), attr.<code>.gte / .lte (number, metric in base
units, date), attr.<code>.empty=true|false; `channel` and `locale` choose the value scope.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, FloatField, OuterRef, Q, Subquery, TextField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from governance import selectors as governance_selectors
from governance.moments import parse_aware
from governance.search import full_text_filter
from pim.catalog import Catalog
from pim.models import AttributeType, Completeness, Product
from pim.validators import Invalid, parse_decimal
from pim.values import value_key

RANGE_TYPES = {AttributeType.NUMBER, AttributeType.METRIC, AttributeType.DATE}
ORDERINGS = {"sku": "sku_key", "updated_at": "updated_at", "completeness": "completeness_ratio"}


def _bool(name, raw):
    if raw not in ("true", "false"):
        raise ValidationError({name: ValidationError("Expected true or false.", code="invalid")})
    return raw == "true"


def _codes(raw: str) -> list[str]:
    return [c for c in (part.strip() for part in raw.split(",")) if c]


def product_filter(queryset, params, load_catalog: Callable[[], Catalog]):
    """Apply the list's filters; a bad parameter is a ValidationError naming it. The catalog is
    loaded only when an attribute filter needs it."""
    if "family" in params:
        queryset = queryset.filter(family__code__in=_codes(params["family"]))
    if "parent" in params:
        queryset = queryset.filter(parent__code=params["parent"])
    if "enabled" in params:
        queryset = queryset.filter(is_enabled=_bool("enabled", params["enabled"]))
    if "updated_since" in params:
        since = parse_aware(params["updated_since"])
        if since is None:
            raise ValidationError(
                {
                    "updated_since": ValidationError(
                        "Expected an ISO 8601 date-time with a time zone.", code="invalid"
                    )
                }
            )
        queryset = queryset.filter(updated_at__gte=since)
    if "categories" in params:
        queryset = _categories(queryset, params)
    if (
        "completeness_gte" in params
        or "completeness_lte" in params
        or params.get("ordering", "").lstrip("-") == "completeness"
    ):
        queryset = _completeness(queryset, params)
    if params.get("q", "").strip():
        queryset = _search(queryset, params["q"].strip())
    attribute_filters = [(n, raw) for n, raw in params.items() if n.startswith("attr.")]
    if attribute_filters:
        catalog = load_catalog()
        for name, raw in attribute_filters:
            queryset = _attribute(queryset, name, raw, params, catalog)
    return queryset


def _categories(queryset, params):
    codes = _codes(params["categories"])
    links = Product.categories.through.objects.filter(product_id=OuterRef("pk"))
    if params.get("categories_include_children", "false") == "true":
        paths = governance_selectors.category_subtree_paths(codes=codes)
        condition = Q()
        for path in paths:  # LIKE 'path%' on an index with pattern ops
            condition |= Q(category__path__startswith=path)
        return queryset.filter(Exists(links.filter(condition))) if paths else queryset.none()
    return queryset.filter(Exists(links.filter(category__code__in=codes)))


def _completeness(queryset, params):
    channel, locale = params.get("completeness_channel"), params.get("completeness_locale")
    if not channel or not locale:
        message = (
            "Completeness filters and ordering need completeness_channel and completeness_locale."
        )
        raise ValidationError({"completeness_channel": ValidationError(message, code="required")})
    rows = Completeness.objects.filter(
        product_id=OuterRef("pk"), channel__code=channel, locale__code=locale
    )
    queryset = queryset.annotate(completeness_ratio=Subquery(rows.values("ratio")[:1]))
    for name, lookup in (("completeness_gte", "gte"), ("completeness_lte", "lte")):
        if name in params:
            try:
                bound = int(params[name])
            except ValueError:
                raise ValidationError(
                    {name: ValidationError("Expected a whole number 0-100.", code="invalid")}
                ) from None
            queryset = queryset.filter(**{f"completeness_ratio__{lookup}": bound})
    return queryset


def _search(queryset, q):
    prefix = Q(sku_key__startswith=q.casefold())
    if connection.vendor == "postgresql":
        # The matches first, from the GIN and SKU-prefix indexes (a phrase rechecked on the
        # stored vector, not by parsing search_text again), then the page's ids in order: a
        # cost of the matches. Left to itself, for ORDER BY id LIMIT the planner walks the id
        # index whenever it overestimates the matches (a phrase, words that seldom meet, a rare
        # word it has no statistics for): a cost of the catalog's size.
        return full_text_filter(queryset, q, also=prefix)
    words = Q()
    for word in q.split():
        words &= Q(search_text__icontains=word)
    return queryset.filter(words | prefix)


def text_at(code: str, key: str):
    """values -> code -> key, as text (->> on PostgreSQL, json_extract on SQLite)."""
    return KeyTextTransform(key, KeyTransform(code, "values"))


def _attribute(queryset, name, raw, params, catalog):
    code, _, operator = name.removeprefix("attr.").partition(".")
    attribute = catalog.attributes.get(code)
    if attribute is None:
        raise ValidationError(
            {name: ValidationError(f"There is no attribute {code!r}.", code="unknown_attribute")}
        )
    channel, locale = params.get("channel"), params.get("locale")
    if attribute.is_scopable and not channel:
        raise ValidationError(
            {name: ValidationError(f"{code} is scopable: add channel=.", code="channel_required")}
        )
    if attribute.is_localizable and not locale:
        raise ValidationError(
            {name: ValidationError(f"{code} is localizable: add locale=.", code="locale_required")}
        )
    key = value_key(
        channel if attribute.is_scopable else None, locale if attribute.is_localizable else None
    )
    stored = KeyTransform(key, KeyTransform(code, "values"))
    alias = f"filter_{len(queryset.query.annotations)}"
    if operator == "empty":
        return queryset.alias(**{alias: stored}).filter(**{f"{alias}__isnull": _bool(name, raw)})
    if operator in ("gte", "lte"):
        if attribute.type not in RANGE_TYPES:
            raise ValidationError(
                {name: ValidationError(f"{code} is not a number, metric or date.", code="no_range")}
            )
        if attribute.type == AttributeType.DATE:  # ISO dates compare as text
            text = Cast(text_at(code, key), TextField())
            return queryset.alias(**{alias: text}).filter(**{f"{alias}__{operator}": raw})
        try:
            bound = float(parse_decimal(raw))
        except Invalid as exc:
            raise ValidationError({name: ValidationError(exc.message, code=exc.code)}) from None
        text = (
            KeyTextTransform("base", stored)
            if attribute.type == AttributeType.METRIC
            else text_at(code, key)
        )
        return queryset.alias(**{alias: Cast(text, FloatField())}).filter(
            **{f"{alias}__{operator}": bound}
        )
    if operator:
        raise ValidationError(
            {
                name: ValidationError(
                    "Use attr.<code>, .gte, .lte or .empty.", code="unknown_operator"
                )
            }
        )
    if attribute.type == AttributeType.BOOLEAN:
        return queryset.alias(**{alias: stored}).filter(**{alias: _bool(name, raw)})
    if attribute.type == AttributeType.MULTISELECT:
        # The list as JSON text on both backends: '["cotton", "wool"]'; term codes never hold quotes.
        text = Cast(text_at(code, key), TextField())
        return queryset.alias(**{alias: text}).filter(**{f"{alias}__contains": f'"{raw}"'})
    return queryset.alias(**{alias: stored}).filter(**{alias: raw})
