"""Products and product models under governance's approval workflow: their gates (stored values
still valid under today's rules; products complete enough on every channel) and what channels
see once approved (values resolved per channel and locale, inheritance applied)."""

from governance import workflow
from governance.models import Channel
from pim import selectors
from pim.catalog import Catalog
from pim.models import Product, ProductModel
from pim.services.completeness import effective_values
from pim.values import inherit, split_key


def register() -> None:
    from pim.policies import product_model_policy, product_policy

    workflow.register(
        workflow.WorkflowSpec(
            model=Product,
            object_type="product",
            gates=product_gates,
            snapshot=product_snapshot,
            object_ref=lambda product: product.sku,
            allows=product_policy.allows,
        )
    )
    workflow.register(
        workflow.WorkflowSpec(
            model=ProductModel,
            object_type="product_model",
            gates=product_model_gates,
            snapshot=product_model_snapshot,
            object_ref=lambda model: model.code,
            allows=product_model_policy.allows,
        )
    )


def _shown(data):
    """Stored data as a writer gives it (a metric without its computed SI base)."""
    if type(data) is dict and "base" in data:
        return {"amount": data["amount"], "unit": data["unit"]}
    return data


def _as_written(values: dict) -> dict:
    """Stored values in the shape writers send: {attribute: [{channel, locale, data}]}."""
    return {
        code: [
            {"channel": channel, "locale": locale, "data": _shown(data)}
            for key, data in scopes.items()
            for channel, locale in [split_key(key)]
        ]
        for code, scopes in values.items()
    }


def _validation_problems(catalog: Catalog, values: dict, allowed, owners=None) -> list[dict]:
    """The stored values checked again through the catalog's validators: rules change after
    a value is stored (a locale deactivated, an attribute left the family, a tighter range)."""
    _, errors = catalog.clean_values(
        _as_written(values), allowed=allowed, previous=values, owners=owners
    )
    return [{"field": path, "code": code, "message": message} for path, code, message in errors]


def _allowed(catalog: Catalog, family: str, variant_code: str | None, level: int):
    attributes = catalog.families[family].attributes
    if variant_code is None:
        return attributes
    return catalog.variants[variant_code].owned_at(level, attributes)


def product_gates(product: Product) -> list[dict]:
    """Valid values, and completeness at least each channel's approval minimum in each of its
    locales (one problem per channel × locale below, naming the missing attributes)."""
    product = Product.objects.select_related(
        "family", "parent__family_variant", "parent__parent"
    ).get(pk=product.pk)
    catalog = selectors.catalog_load()
    family = product.family.code
    if product.parent_id:
        variant = catalog.variants[product.parent.family_variant.code]
        allowed = _allowed(catalog, family, variant.code, variant.depth)
    else:
        allowed = _allowed(catalog, family, None, 0)
    problems = _validation_problems(catalog, product.values, allowed)
    minimums = dict(Channel.objects.values_list("code", "approval_min_completeness"))
    for channel, locale, ratio, _, missing in catalog.completeness(
        family, effective_values(product)
    ):
        needed = minimums.get(channel, 100)
        if ratio < needed:
            problems.append(
                {
                    "field": f"completeness[channel={channel}, locale={locale}]",
                    "code": "incomplete",
                    "message": f"{ratio}% complete on {channel} in {locale}, {needed}% needed; "
                    f"missing: {', '.join(missing)}.",
                }
            )
    return problems


def product_model_gates(model: ProductModel) -> list[dict]:
    """Valid values (a product model has no completeness of its own)."""
    model = ProductModel.objects.select_related("family_variant__family").get(pk=model.pk)
    catalog = selectors.catalog_load()
    level = 0 if model.parent_id is None else 1
    allowed = _allowed(catalog, model.family_variant.family.code, model.family_variant.code, level)
    return _validation_problems(catalog, model.values, allowed)


def resolve(values: dict, channel_locales: dict[str, tuple[str, ...]]) -> dict:
    """{channel: {locale: {attribute: data}}}: for each channel and its locales, the value that
    applies there (scoped to that channel or to none, localized to that locale or to none)."""
    resolved: dict = {}
    for channel, locales in channel_locales.items():
        per_locale = resolved.setdefault(channel, {})
        for locale in locales:
            shown = per_locale.setdefault(locale, {})
            for code, scopes in values.items():
                for key, data in scopes.items():
                    value_channel, value_locale = split_key(key)
                    if value_channel not in (None, channel) or value_locale not in (None, locale):
                        continue
                    shown[code] = _shown(data)
    return resolved


def product_snapshot(product: Product) -> dict:
    """What channels see of an approved product."""
    product = (
        Product.objects.select_related("family", "parent__parent")
        .prefetch_related("categories")
        .get(pk=product.pk)
    )
    catalog = selectors.catalog_load()
    values = effective_values(product)
    completeness: dict = {}
    for channel, locale, ratio, _, _ in catalog.completeness(product.family.code, values):
        completeness.setdefault(channel, {})[locale] = ratio
    return {
        "sku": product.sku,
        "family": product.family.code,
        "parent": product.parent.code if product.parent_id else None,
        "categories": sorted(c.code for c in product.categories.all()),
        "enabled": product.is_enabled,
        "channels": resolve(values, catalog.channel_locales),
        # As the approval gate measured it ({channel: {locale: percent}}): the feed's
        # "complete enough" reads the approved state, never the draft's.
        "completeness": completeness,
    }


def product_model_snapshot(model: ProductModel) -> dict:
    """What channels see of an approved product model (its values over its parent's)."""
    model = (
        ProductModel.objects.select_related("family_variant__family", "parent")
        .prefetch_related("categories")
        .get(pk=model.pk)
    )
    catalog = selectors.catalog_load()
    values = inherit(model.parent.values, model.values) if model.parent_id else model.values
    return {
        "code": model.code,
        "family_variant": model.family_variant.code,
        "family": model.family_variant.family.code,
        "parent": model.parent.code if model.parent_id else None,
        "categories": sorted(c.code for c in model.categories.all()),
        "channels": resolve(values, catalog.channel_locales),
    }
