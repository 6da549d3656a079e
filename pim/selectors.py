"""Reads of the catalog, with related rows fetched up front so query counts stay constant."""

import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet

from governance.models import Channel, Currency, Locale, Term
from pim.catalog import Catalog, FamilyRules, VariantRules, group_requirements
from pim.models import (
    Association,
    AssociationType,
    Attribute,
    AttributeGroup,
    Completeness,
    Family,
    FamilyRequirement,
    FamilyVariant,
    Product,
    ProductModel,
    VariantLevel,
)
from pim.validators import ValueContext

CATALOG_VERSION_KEY = "pim:catalog-version"
_memo: dict = {"version": None, "catalog": None}


def catalog_load() -> Catalog:
    """The catalog's rules, built once per process and reused until they change.

    Writes to anything the rules read (attributes, families, variants, vocabularies and terms,
    channels, locales, currencies) bump a version in the shared cache (see pim/signals.py);
    a process whose memo has another version rebuilds it. One cache read per call.
    """
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CATALOG_VERSION_KEY)
    if version is not None and _memo["version"] == version:
        return _memo["catalog"]
    catalog = catalog_build()
    _memo.update(version=version, catalog=catalog)
    return catalog


def catalog_version_bump() -> None:
    cache.set(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def catalog_build() -> Catalog:
    """Everything value validation and completeness need, in a fixed number of queries."""
    attributes = {a.code: a for a in Attribute.objects.select_related("vocabulary")}
    family_attributes = defaultdict(set)
    for family, attribute in Family.attributes.through.objects.values_list(
        "family__code", "attribute__code"
    ):
        family_attributes[family].add(attribute)
    requirements = group_requirements(
        FamilyRequirement.objects.values_list("family__code", "channel__code", "attribute__code")
    )
    family_rows = list(Family.objects.values_list("code", "label_attribute__code", "pk"))
    families = {
        code: FamilyRules(
            code=code,
            attributes=frozenset(family_attributes[code]),
            label_attribute=label,
            requirements={c: tuple(sorted(a)) for c, a in requirements[code].items()},
        )
        for code, label, _ in family_rows
    }
    axes, owned = defaultdict(dict), defaultdict(lambda: defaultdict(set))
    for variant, level, axis in VariantLevel.axes.through.objects.values_list(
        "variantlevel__family_variant__code", "variantlevel__level", "attribute__code"
    ):
        axes[variant].setdefault(level, []).append(axis)
        owned[variant][level].add(axis)
    for variant, level, attribute in VariantLevel.attributes.through.objects.values_list(
        "variantlevel__family_variant__code", "variantlevel__level", "attribute__code"
    ):
        owned[variant][level].add(attribute)
    variants = {
        code: VariantRules(
            code=code,
            family=family,
            axes={level: tuple(sorted(a)) for level, a in axes[code].items()},
            attributes={level: frozenset(a) for level, a in owned[code].items()},
        )
        for code, family in FamilyVariant.objects.values_list("code", "family__code")
    }
    channel_locales = defaultdict(list)
    for channel, locale in Channel.locales.through.objects.filter(
        locale__is_active=True
    ).values_list("channel__code", "locale__code"):
        channel_locales[channel].append(locale)
    channel_ids = dict(Channel.objects.values_list("code", "pk"))
    for channel in channel_ids:
        channel_locales.setdefault(channel, [])
    locale_rows = list(Locale.objects.values_list("code", "pk", "is_active"))
    terms = defaultdict(dict)
    for vocabulary, term, deprecated in Term.objects.values_list(
        "vocabulary__code", "code", "is_deprecated"
    ):
        terms[vocabulary][term] = deprecated
    return Catalog(
        attributes=attributes,
        families=families,
        variants=variants,
        channel_locales={c: tuple(sorted(codes)) for c, codes in channel_locales.items()},
        active_locales=frozenset(code for code, _, active in locale_rows if active),
        context=ValueContext(
            terms=dict(terms),
            active_currencies=frozenset(
                Currency.objects.filter(is_active=True).values_list("code", flat=True)
            ),
        ),
        ids={
            "family": {code: pk for code, _, pk in family_rows},
            "channel": channel_ids,
            "locale": {code: pk for code, pk, _ in locale_rows},
        },
    )


def product_list() -> QuerySet[Product]:
    """Products with what their representation needs from their own row and their models."""
    return Product.objects.select_related("family", "parent__parent", "parent__family_variant")


@dataclass
class ProductExtras:
    """Categories, completeness and associations of a page of products, as plain tuples:
    three queries whatever the page size, and no model instances for thousands of rows."""

    categories: dict[int, list[str]]
    completeness: dict[int, list[tuple]]
    associations: dict[int, list[tuple]]


def product_extras(product_ids: list[int]) -> ProductExtras:
    extras = ProductExtras(defaultdict(list), defaultdict(list), defaultdict(list))
    for product_id, code in Product.categories.through.objects.filter(
        product_id__in=product_ids
    ).values_list("product_id", "category__code"):
        extras.categories[product_id].append(code)
    for row in (
        Completeness.objects.filter(product_id__in=product_ids)
        .order_by("channel__code", "locale__code")
        .values_list("product_id", "channel__code", "locale__code", "ratio", "missing")
    ):
        extras.completeness[row[0]].append(row[1:])
    for row in Association.objects.filter(source_id__in=product_ids).values_list(
        "source_id",
        "association_type__code",
        "association_type__is_quantified",
        "target_product__sku",
        "target_model__code",
        "quantity",
    ):
        extras.associations[row[0]].append(row[1:])
    return extras


def product_model_list() -> QuerySet[ProductModel]:
    return ProductModel.objects.select_related(
        "family_variant__family", "parent__parent"
    ).prefetch_related("categories")


def attribute_list() -> QuerySet[Attribute]:
    return Attribute.objects.select_related("group", "vocabulary")


def attribute_group_list() -> QuerySet[AttributeGroup]:
    return AttributeGroup.objects.all()


def family_list() -> QuerySet[Family]:
    return Family.objects.select_related("label_attribute").prefetch_related(
        "attributes", "requirements__channel", "requirements__attribute"
    )


def family_variant_list() -> QuerySet[FamilyVariant]:
    return FamilyVariant.objects.select_related("family").prefetch_related(
        "levels__axes", "levels__attributes"
    )


def association_type_list() -> QuerySet[AssociationType]:
    return AssociationType.objects.all()
