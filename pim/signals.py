"""pim listens to writes of what its catalog rules are built from, its own and governance's."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from governance.models import Channel, Currency, Locale, Term, Vocabulary
from pim.models import Attribute, Family, FamilyRequirement, FamilyVariant, VariantLevel
from pim.selectors import catalog_version_bump

SOURCES = [
    Attribute,
    Family,
    FamilyRequirement,
    FamilyVariant,
    VariantLevel,
    Vocabulary,
    Term,
    Channel,
    Locale,
    Currency,
]
RELATIONS = [
    Family.attributes.through,
    VariantLevel.axes.through,
    VariantLevel.attributes.through,
    Channel.locales.through,
    Channel.currencies.through,
]


def catalog_changed(**kwargs):
    # Now, for readers in this transaction; and again on commit, for a process that rebuilt its
    # memo from the old rows between the two.
    catalog_version_bump()
    transaction.on_commit(catalog_version_bump)


def connect():
    for model in SOURCES:
        post_save.connect(
            catalog_changed, sender=model, dispatch_uid=f"pim-catalog-{model.__name__}"
        )
        post_delete.connect(
            catalog_changed, sender=model, dispatch_uid=f"pim-catalog-del-{model.__name__}"
        )
    for through in RELATIONS:
        m2m_changed.connect(
            catalog_changed, sender=through, dispatch_uid=f"pim-catalog-m2m-{through.__name__}"
        )


# What pim tells the layers above it (receivers run inside the sender's transaction).
# Sent when products' or product models' data (values, family, categories, parent, enabled)
# changed or they were deleted. Arguments: product_ids, product_model_ids (lists of ints).
products_changed = Signal()
