"""The catalog's quality checks, registered with governance when the app is ready.

Each check reads and yields (object_ref, message, details); governance stores the findings.
Values are read as stored on products and product models (a variant inherits its models'
values, so a value on a model counts as the products' value).
"""

import difflib
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import F, Q

from governance.models import QualitySeverity, WorkflowState
from governance.quality import quality_check
from pim.models import Attribute, AttributeType, Completeness, Family, Product, ProductModel
from pim.values import split_key

logger = logging.getLogger(__name__)

NAME_SIMILARITY = 0.8
# The SQLite fallback compares every pair in Python: bounded so a big catalog cannot stall it.
PYTHON_NAMES_MAX = 2000
CHUNK = 2000

# Stricter than Product.sku_key (trim + casefold): separators do not tell SKUs apart either.
SKU_SEPARATORS = re.compile(r"[\s\-_.]+")


def sku_normalized(sku: str) -> str:
    return SKU_SEPARATORS.sub("", sku).casefold()


def is_blank(data) -> bool:
    return data is None or data == "" or data == [] or data == {}


@quality_check(
    "pim.duplicate_sku",
    label="SKUs that differ only by case, spaces, dashes, underscores or dots",
    severity=QualitySeverity.ERROR,
    object_type="product",
)
def duplicate_skus() -> Iterator[tuple[str, str, dict]]:
    groups = defaultdict(list)
    for sku in Product.objects.values_list("sku", flat=True).iterator(CHUNK):
        groups[sku_normalized(sku)].append(sku)
    for normalized, skus in sorted(groups.items()):
        if len(skus) < 2:
            continue
        for sku in sorted(skus):  # in Python: the database's collation may ignore punctuation
            others = sorted(other for other in skus if other != sku)
            yield (
                sku,
                f"SKU {sku} is the same as {', '.join(others)} once normalised.",
                {"normalized": normalized, "others": others},
            )


def _label_names() -> Iterator[tuple[int, str, int | None, str, str]]:
    """(product id, sku, parent id, locale, name) for each product's own label value."""
    rows = (
        Product.objects.filter(family__label_attribute__isnull=False)
        .order_by("sku_key")
        .values_list("pk", "sku", "parent_id", "family__label_attribute__code", "values")
    )
    for pk, sku, parent_id, label_code, values in rows.iterator(CHUNK):
        seen = set()
        for key, name in (values.get(label_code) or {}).items():
            locale = split_key(key)[1] or ""
            if isinstance(name, str) and name.strip() and (locale, name) not in seen:
                seen.add((locale, name))
                yield pk, sku, parent_id, locale, name


# The names go to a temporary table with a trigram index so the self-join finds candidates by
# index instead of comparing every pair.
_TRIGRAM_SQL = [
    "DROP TABLE IF EXISTS quality_product_names",
    "CREATE TEMPORARY TABLE quality_product_names (id bigint, sku text, parent_id bigint, "
    "locale text, name text) ON COMMIT DROP",
    """INSERT INTO quality_product_names
       SELECT DISTINCT p.id, p.sku, p.parent_id, split_part(e.key, '|', 2), e.value
       FROM pim_product p
       JOIN pim_family f ON f.id = p.family_id
       JOIN pim_attribute a ON a.id = f.label_attribute_id
       CROSS JOIN LATERAL jsonb_each_text(p."values" -> a.code) AS e(key, value)
       WHERE btrim(e.value) <> ''""",
    "CREATE INDEX ON quality_product_names USING gin (name gin_trgm_ops)",
    "ANALYZE quality_product_names",
]
_TRIGRAM_PAIRS = """
    SELECT x.id, x.sku, x.locale, x.name, y.id, y.sku, y.name, similarity(x.name, y.name)
    FROM quality_product_names x
    JOIN quality_product_names y ON y.name %% x.name AND y.locale = x.locale AND x.id < y.id
    WHERE (x.parent_id IS NULL OR x.parent_id <> y.parent_id OR y.parent_id IS NULL)
      AND similarity(x.name, y.name) >= %s
"""


def _similar_pairs_postgresql(threshold: float):
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _TRIGRAM_SQL:
            cursor.execute(statement)
        # `%` compares with this threshold (local to the transaction); the exact cut is below.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold - 0.01)]
        )
        cursor.execute(_TRIGRAM_PAIRS, [threshold])
        for x_id, x_sku, locale, x_name, y_id, y_sku, y_name, score in cursor.fetchall():
            yield (x_id, x_sku, x_name), (y_id, y_sku, y_name), locale, float(score)


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _similar_pairs_python(threshold: float):
    by_locale = defaultdict(list)
    for pk, sku, parent_id, locale, name in _label_names():
        by_locale[locale].append((pk, sku, parent_id, name, _name_key(name)))
    for locale, names in sorted(by_locale.items()):
        if len(names) > PYTHON_NAMES_MAX:
            logger.warning(
                "near-duplicate names: %d names in %s, only the first %d compared",
                len(names),
                locale or "(no locale)",
                PYTHON_NAMES_MAX,
            )
            names = names[:PYTHON_NAMES_MAX]
        matcher = difflib.SequenceMatcher(autojunk=False)
        for index, (y_id, y_sku, y_parent, y_name, y_key) in enumerate(names):
            matcher.set_seq2(y_key)  # seq2 is the one difflib indexes: set once per row
            for x_id, x_sku, x_parent, x_name, x_key in names[:index]:
                if x_id == y_id:
                    continue  # one product's names in several channels (PostgreSQL: x.id < y.id)
                if x_parent is not None and x_parent == y_parent:
                    continue  # siblings of one product model may share a name
                matcher.set_seq1(x_key)
                if (
                    matcher.real_quick_ratio() >= threshold
                    and matcher.quick_ratio() >= threshold
                    and (score := matcher.ratio()) >= threshold
                ):
                    yield (x_id, x_sku, x_name), (y_id, y_sku, y_name), locale, round(score, 3)


@quality_check(
    "pim.near_duplicate_name",
    label="Products whose names are nearly the same in a locale",
    severity=QualitySeverity.WARNING,
    object_type="product",
)
def near_duplicate_names() -> Iterator[tuple[str, str, dict]]:
    pairs = (
        _similar_pairs_postgresql if connection.vendor == "postgresql" else _similar_pairs_python
    )(NAME_SIMILARITY)
    matches = defaultdict(list)
    for x, y, locale, score in pairs:
        for (_, sku, name), (_, other_sku, other_name) in ((x, y), (y, x)):
            matches[sku].append(
                {
                    "sku": other_sku,
                    "locale": locale or None,
                    "name": name,
                    "other_name": other_name,
                    "similarity": round(score, 3),
                }
            )
    for sku in sorted(matches):
        found = sorted(matches[sku], key=lambda m: (-m["similarity"], m["sku"]))
        yield (
            sku,
            f"Name close to that of {', '.join(dict.fromkeys(m['sku'] for m in found))}.",
            {"matches": found},
        )


def _stored_values() -> Iterator[tuple[int, dict]]:
    """(family id, values) of every product and product model."""
    yield from Product.objects.values_list("family_id", "values").iterator(CHUNK)
    yield from ProductModel.objects.values_list("family_variant__family_id", "values").iterator(
        CHUNK
    )


@quality_check(
    "pim.attribute_always_blank",
    label="Attributes of a family that no product of the family fills",
    severity=QualitySeverity.WARNING,
    object_type="family",
)
def attributes_always_blank() -> Iterator[tuple[str, str, dict]]:
    products = Counter(Product.objects.values_list("family_id", flat=True).iterator(CHUNK))
    filled = defaultdict(set)
    for family_id, values in _stored_values():
        filled[family_id].update(
            code
            for code, scopes in values.items()
            if not all(is_blank(data) for data in scopes.values())
        )
    members = Family.attributes.through.objects.order_by("family__code", "attribute__code")
    # A family without products says nothing about its attributes yet.
    for family_id, family, attribute in members.filter(family_id__in=list(products)).values_list(
        "family_id", "family__code", "attribute__code"
    ):
        if attribute not in filled[family_id]:
            yield (
                family,
                f"Attribute {attribute} is blank on all {products[family_id]} product(s) "
                f"of family {family}.",
                {"attribute": attribute, "products": products[family_id]},
            )


@quality_check(
    "pim.inconsistent_units",
    label="Metric attributes whose values use more than one unit",
    severity=QualitySeverity.WARNING,
    object_type="attribute",
)
def inconsistent_units() -> Iterator[tuple[str, str, dict]]:
    metrics = list(
        Attribute.objects.filter(type=AttributeType.METRIC).values_list("code", flat=True)
    )
    if not metrics:
        return
    units = defaultdict(Counter)
    having = Q(values__has_any_keys=metrics)
    for model in (Product, ProductModel):
        for values in model.objects.filter(having).values_list("values", flat=True).iterator(CHUNK):
            for code in metrics:
                for data in (values.get(code) or {}).values():
                    if isinstance(data, dict) and data.get("unit"):
                        units[code][data["unit"]] += 1
    for code in sorted(units):
        if len(units[code]) > 1:
            used = dict(sorted(units[code].items(), key=lambda item: (-item[1], item[0])))
            yield (
                code,
                f"Values of {code} use {len(used)} units: "
                + ", ".join(f"{unit} ({count})" for unit, count in used.items())
                + ".",
                {"units": used},
            )


@quality_check(
    "pim.approved_incomplete",
    label="Approved products below a channel's approval completeness",
    severity=QualitySeverity.ERROR,
    object_type="product",
)
def approved_incomplete() -> Iterator[tuple[str, str, dict]]:
    rows = (
        Completeness.objects.filter(
            product__workflow_state=WorkflowState.APPROVED,
            ratio__lt=F("channel__approval_min_completeness"),
        )
        .order_by("product__sku_key", "channel__code", "locale__code")
        .values_list(
            "product__sku",
            "channel__code",
            "locale__code",
            "ratio",
            "channel__approval_min_completeness",
            "missing",
        )
    )
    for sku, group in groupby(rows.iterator(CHUNK), key=itemgetter(0)):
        gaps = [
            {
                "channel": channel,
                "locale": locale,
                "ratio": ratio,
                "required": required,
                "missing": missing.split(",") if missing else [],
            }
            for _, channel, locale, ratio, required, missing in group
        ]
        yield (
            sku,
            "Approved but below the approval completeness: "
            + ", ".join(
                f"{g['channel']}/{g['locale']} {g['ratio']}% < {g['required']}%" for g in gaps
            )
            + ".",
            {"gaps": gaps},
        )
