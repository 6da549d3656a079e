"""A small, real catalog built through the services: every attribute type, a family with
per-channel requirements, and a two-level family variant (colour, then size)."""

import pytest

from governance import services as governance
from governance.models import Currency, Locale, Term
from pim.services import catalog as catalog_services
from tests.pim.builders import attribute

ATTRIBUTES = {
    "ean": {"type": "identifier", "regex": r"\d{13}"},
    "name": {"type": "text", "is_localizable": True, "max_length": 60},
    "description": {"type": "textarea", "is_localizable": True, "is_scopable": True},
    "care": {"type": "rich_text", "is_localizable": True},
    "pieces": {"type": "number", "min_value": "1", "max_value": "500"},
    "rating": {
        "type": "number",
        "decimals_allowed": True,
        "negative_allowed": True,
        "max_value": "5",
    },
    "weight": {"type": "metric", "allowed_units": ["gram", "kilogram"], "decimals_allowed": True},
    "price": {"type": "price", "decimals_allowed": True, "is_scopable": True},
    "organic": {"type": "boolean"},
    "release": {"type": "date", "date_min": "2000-01-01"},
    "color": {"type": "select", "vocabulary": "colors"},
    "size": {"type": "select", "vocabulary": "sizes"},
    "materials": {"type": "multiselect", "vocabulary": "materials"},
}


@pytest.fixture
def catalog(db):
    """Locales en_US/fr_FR/de_DE, channels ecommerce and print, vocabularies, attributes, families."""
    for code in ("en_US", "fr_FR", "de_DE"):
        governance.code_entry_create(model=Locale, code=code)
    for code in ("EUR", "USD"):
        governance.code_entry_create(model=Currency, code=code)
    governance.channel_create(
        code="ecommerce", locales=["en_US", "fr_FR"], currencies=["EUR", "USD"]
    )
    governance.channel_create(code="print", locales=["de_DE"], currencies=["EUR"])
    for vocabulary, terms in {
        "colors": ["red", "blue", "green"],
        "sizes": ["s", "m", "l"],
        "materials": ["cotton", "wool", "linen"],
    }.items():
        row = governance.vocabulary_create(code=vocabulary)
        for order, term in enumerate(terms):
            governance.term_create(vocabulary=row, code=term, sort_order=order)
    green = Term.objects.get(vocabulary__code="colors", code="green")
    governance.term_update(term=green, changes={"is_deprecated": True})

    catalog_services.attribute_group_save(code="general", changes={})
    for code, spec in ATTRIBUTES.items():
        attribute(code, **spec)
    catalog_services.family_save(
        code="shirts",
        changes={
            "attributes": list(ATTRIBUTES),
            "label_attribute": "name",
            "requirements": {
                "ecommerce": ["name", "price", "weight"],
                "print": ["name", "description"],
            },
        },
    )
    catalog_services.family_save(code="mugs", changes={"attributes": ["name", "pieces"]})
    catalog_services.family_variant_save(
        code="shirts_by_color_size",
        changes={
            "family": "shirts",
            "levels": [
                {"axes": ["color"], "attributes": ["care"]},
                {"axes": ["size"], "attributes": ["ean", "weight", "price"]},
            ],
        },
    )
    catalog_services.family_variant_save(
        code="shirts_by_size",
        changes={
            "family": "shirts",
            "levels": [{"axes": ["size"], "attributes": ["ean", "weight"]}],
        },
    )
