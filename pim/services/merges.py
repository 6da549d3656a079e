"""Rewrites after governance merged terms or categories: every product and product model that
held a merged code now holds the target, written through the ordinary services (so versions,
completeness, axis keys and search text stay right). Runs in the caller's transaction; a row
the services refuse makes the whole merge fail."""

from django.core.exceptions import ValidationError
from django.db import transaction

from pim import selectors
from pim.models import AttributeType, Product, ProductModel
from pim.services.product_models import product_model_save
from pim.services.products import product_upsert_many
from pim.values import split_key

BATCH_SIZE = 500


def _replaced(codes: list, sources: set[str], target: str) -> list:
    """The codes with each source replaced by the target, each code once, in order."""
    return list(dict.fromkeys(target if code in sources else code for code in codes))


def _value_changes(values: dict, attributes: dict[str, str], sources: set[str], target: str):
    """API-shaped changes ({attribute: [{channel, locale, data}]}) for the values holding a
    source code; empty when none does."""
    changes: dict[str, list] = {}
    for code, kind in attributes.items():
        for key, data in values.get(code, {}).items():
            if kind == AttributeType.SELECT and data in sources:
                new = target
            elif (
                kind == AttributeType.MULTISELECT and isinstance(data, list) and sources & set(data)
            ):
                new = _replaced(data, sources, target)
            else:
                continue
            channel, locale = split_key(key)
            changes.setdefault(code, []).append({"channel": channel, "locale": locale, "data": new})
    return changes


def _refused(what: str, name: str, errors) -> ValidationError:
    return ValidationError(
        {
            what: [
                ValidationError(
                    "%(name)s: %(field)s: %(message)s",
                    code=error["code"],
                    params={
                        "name": name,
                        "field": error["field"] or "",
                        "message": error["message"],
                    },
                )
                for error in errors
            ]
        }
    )


def _upsert(items: list[dict], catalog) -> None:
    for start in range(0, len(items), BATCH_SIZE):
        batch = items[start : start + BATCH_SIZE]
        outcomes = product_upsert_many(items=batch, mode="update", catalog=catalog)
        for outcome in outcomes:
            if not outcome.ok:
                raise _refused("products", outcome.sku or "", outcome.errors)


def _save_model(product_model: ProductModel, data: dict, catalog) -> None:
    try:
        product_model_save(data=data, product_model=product_model, catalog=catalog)
    except ValidationError as exc:
        errors = [
            {"field": field, "code": e.code or "invalid", "message": message}
            for field, field_errors in exc.error_dict.items()
            for e in field_errors
            for message in e
        ]
        raise _refused("product_models", product_model.code, errors) from exc


@transaction.atomic
def catalog_terms_merge(*, vocabulary: str, sources: list[str], target: str) -> int:
    """Replace the merged terms of a vocabulary (its code) by the target in every select and
    multiselect value of products and product models; each changed row gets a new version.
    Returns how many rows changed."""
    catalog = selectors.catalog_load()
    attributes = {
        code: attribute.type
        for code, attribute in catalog.attributes.items()
        if attribute.vocabulary_id
        and attribute.vocabulary.code == vocabulary
        and attribute.type in (AttributeType.SELECT, AttributeType.MULTISELECT)
    }
    if not attributes:
        return 0
    merged = set(sources)
    # Models first: a product's axis key is checked against its siblings, not its parent.
    models = ProductModel.objects.filter(values__has_any_keys=list(attributes)).order_by("pk")
    pending = [
        (product_model, changes)
        for product_model in models.iterator(chunk_size=BATCH_SIZE)
        if (changes := _value_changes(product_model.values, attributes, merged, target))
    ]  # read in full before writing: SQLite's cursor would see its own writes
    for product_model, changes in pending:
        _save_model(product_model, {"values": changes}, catalog)
    items = []
    rows = Product.objects.filter(values__has_any_keys=list(attributes)).order_by("pk")
    for sku, values in rows.values_list("sku", "values").iterator(chunk_size=BATCH_SIZE):
        changes = _value_changes(values, attributes, merged, target)
        if changes:
            items.append({"sku": sku, "values": changes})
    _upsert(items, catalog)
    return len(pending) + len(items)


def _category_codes(rows) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {}
    for pk, code in rows:
        codes.setdefault(pk, []).append(code)
    return codes


@transaction.atomic
def catalog_categories_merge(*, sources: list[str], target: str) -> int:
    """Classify every product and product model of the source categories in the target instead
    (each changed row gets a new version). Returns how many rows changed."""
    catalog = selectors.catalog_load()
    merged = set(sources)
    links = Product.categories.through.objects.filter(
        product__categories__code__in=sources
    ).order_by("product_id", "category__code")
    by_product = _category_codes(links.values_list("product_id", "category__code").distinct())
    skus = dict(Product.objects.filter(pk__in=by_product).values_list("pk", "sku"))
    items = [
        {"sku": skus[pk], "categories": _replaced(codes, merged, target)}
        for pk, codes in by_product.items()
    ]
    _upsert(items, catalog)
    model_links = ProductModel.categories.through.objects.filter(
        productmodel__categories__code__in=sources
    ).order_by("productmodel_id", "category__code")
    by_model = _category_codes(
        model_links.values_list("productmodel_id", "category__code").distinct()
    )
    for product_model in ProductModel.objects.filter(pk__in=by_model).order_by("pk"):
        codes = _replaced(by_model[product_model.pk], merged, target)
        _save_model(product_model, {"categories": codes}, catalog)
    return len(items) + len(by_model)
