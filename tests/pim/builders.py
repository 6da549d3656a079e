from pim.services import catalog as catalog_services
from pim.services.products import product_upsert_many


def attribute(code, **spec):
    return catalog_services.attribute_save(code=code, changes={"group": "general", **spec})


def value(data, channel=None, locale=None):
    return [{"channel": channel, "locale": locale, "data": data}]


def save(item, **kwargs):
    """Upsert one product; returns its Outcome."""
    [outcome] = product_upsert_many(items=[item], **kwargs)
    return outcome
