"""Products and product models as the API shows them. Plain functions, not DRF fields: a page of
1,000 products is serialized in a few milliseconds."""

from pim.services.completeness import effective_values
from pim.values import split_key


def values_out(values: dict, *, attributes=None, locales=None, channel=None) -> dict:
    """Stored values in API shape: {attr: [{channel, locale, data}]}, optionally trimmed."""
    trimming = bool(locales or channel)
    out = {}
    for code, scopes in values.items():
        if attributes is not None and code not in attributes:
            continue
        entries = []
        for key, data in scopes.items():
            value_channel, value_locale = split_key(key)
            if trimming and (
                (channel and value_channel and value_channel != channel)
                or (locales and value_locale and value_locale not in locales)
            ):
                continue
            if type(data) is dict and "base" in data:
                data = {"amount": data["amount"], "unit": data["unit"]}
            entries.append({"channel": value_channel, "locale": value_locale, "data": data})
        if entries:
            out[code] = entries
    return out


def etag(*versions) -> str:
    """A product's version and those of the models it inherits from: a variant's ETag changes
    when an inherited value does."""
    return '"' + ".".join(str(v) for v in versions if v is not None) + '"'


def product_etag(product) -> str:
    parent = product.parent
    grandparent = parent.parent if parent is not None else None
    return etag(product.version, parent and parent.version, grandparent and grandparent.version)


def product_out(product, extras, *, attributes=None, locales=None, channel=None) -> dict:
    """A product as the API shows it; `extras` come from pim.selectors.product_extras."""
    return {
        "sku": product.sku,
        "family": product.family.code,
        "parent": product.parent.code if product.parent_id else None,
        "categories": sorted(extras.categories.get(product.pk, ())),
        "enabled": product.is_enabled,
        "workflow_state": product.workflow_state,  # read-only: POST …/transitions moves it
        "values": values_out(
            effective_values(product), attributes=attributes, locales=locales, channel=channel
        ),
        "completeness": [
            {
                "channel": c,
                "locale": loc,
                "ratio": ratio,
                "missing": missing.split(",") if missing else [],
            }
            for c, loc, ratio, missing in extras.completeness.get(product.pk, ())
            if (not channel or c == channel) and (not locales or loc in locales)
        ],
        "associations": associations_out(extras.associations.get(product.pk, ())),
        "version": product.version,
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
    }


def associations_out(rows) -> dict:
    out: dict[str, list] = {}
    for kind, quantified, sku, model, quantity in rows:
        target = {"product": sku} if sku is not None else {"product_model": model}
        if quantified:
            target["quantity"] = quantity
        out.setdefault(kind, []).append(target)
    return {
        code: sorted(links, key=lambda t: sorted(t.items())) for code, links in sorted(out.items())
    }


def product_model_out(model, *, attributes=None, locales=None, channel=None) -> dict:
    values = model.values if model.parent_id is None else {**model.parent.values, **model.values}
    return {
        "code": model.code,
        "family_variant": model.family_variant.code,
        "family": model.family_variant.family.code,
        "parent": model.parent.code if model.parent_id else None,
        "categories": sorted(c.code for c in model.categories.all()),
        "workflow_state": model.workflow_state,
        "values": values_out(values, attributes=attributes, locales=locales, channel=channel),
        "version": model.version,
        "created_at": model.created_at.isoformat(),
        "updated_at": model.updated_at.isoformat(),
    }
