"""Every attribute type's rules, valid and invalid, through the one product write path."""

import pytest

from pim.models import Product
from tests.pim.builders import save, value

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.mark.parametrize(
    ("attribute", "entries", "stored"),
    [
        ("ean", value(" 4006381333931 "), {"|": "4006381333931"}),
        ("name", value("Oxford shirt", locale="en_US"), {"|en_US": "Oxford shirt"}),
        (
            "description",
            value("Long\ntext", "ecommerce", "fr_FR"),
            {"ecommerce|fr_FR": "Long\ntext"},
        ),
        (
            "care",
            value('<p onclick="x()">Wash <script>evil()</script>cold</p>', locale="en_US"),
            {"|en_US": "<p>Wash cold</p>"},
        ),
        ("pieces", value(12), {"|": 12}),
        ("pieces", value("12"), {"|": 12}),
        ("rating", value("-1.50"), {"|": "-1.5"}),
        (
            "weight",
            value({"amount": "250", "unit": "gram"}),
            {"|": {"amount": "250", "unit": "gram", "base": 0.25}},
        ),
        (
            "price",
            value(
                [{"amount": "19.90", "currency": "USD"}, {"amount": 18, "currency": "EUR"}],
                "ecommerce",
            ),
            {
                "ecommerce|": [
                    {"amount": "18", "currency": "EUR"},
                    {"amount": "19.9", "currency": "USD"},
                ]
            },
        ),
        ("organic", value(False), {"|": False}),
        ("release", value("2024-02-29"), {"|": "2024-02-29"}),
        ("color", value("red"), {"|": "red"}),
        ("materials", value(["cotton", "wool"]), {"|": ["cotton", "wool"]}),
    ],
)
def test_valid_values_are_stored_normalised(attribute, entries, stored):
    outcome = save({"sku": "p1", "family": "shirts", "values": {attribute: entries}})
    assert outcome.ok, outcome.errors
    assert Product.objects.get(sku="p1").values[attribute] == stored


@pytest.mark.parametrize(
    ("attribute", "entries", "path", "code"),
    [
        ("ean", value("12345"), "values.ean", "regex"),
        ("ean", value(4006381333931), "values.ean", "not_a_string"),
        ("name", value("x" * 61, locale="en_US"), "values.name[locale=en_US]", "max_length"),
        ("name", value("two\nlines", locale="en_US"), "values.name[locale=en_US]", "single_line"),
        ("name", value("   ", locale="en_US"), "values.name[locale=en_US]", "blank"),
        ("name", value("Shirt"), "values.name", "locale_required"),
        ("name", value("Shirt", locale="xx_XX"), "values.name[locale=xx_XX]", "inactive_locale"),
        (
            "name",
            value("Shirt", "ecommerce", "en_US"),
            "values.name[channel=ecommerce, locale=en_US]",
            "not_scopable",
        ),
        (
            "description",
            value("Text", locale="en_US"),
            "values.description[locale=en_US]",
            "channel_required",
        ),
        (
            "description",
            value("Text", "print", "en_US"),
            "values.description[channel=print, locale=en_US]",
            "locale_not_in_channel",
        ),
        (
            "description",
            value("Text", "nowhere", "en_US"),
            "values.description[channel=nowhere, locale=en_US]",
            "unknown_channel",
        ),
        ("organic", value(True, locale="en_US"), "values.organic[locale=en_US]", "not_localizable"),
        ("pieces", value(1.5), "values.pieces", "decimals_not_allowed"),
        ("pieces", value(0), "values.pieces", "min_value"),
        ("pieces", value(501), "values.pieces", "max_value"),
        ("pieces", value(-3), "values.pieces", "negative_not_allowed"),
        ("pieces", value("12abc"), "values.pieces", "not_a_number"),
        ("pieces", value(True), "values.pieces", "not_a_number"),
        ("pieces", value("NaN"), "values.pieces", "not_a_number"),
        ("rating", value("5.01"), "values.rating", "max_value"),
        ("weight", value({"amount": 1, "unit": "pound"}), "values.weight", "unit_not_allowed"),
        ("weight", value({"amount": 1}), "values.weight", "invalid_metric"),
        ("weight", value({"amount": "heavy", "unit": "gram"}), "values.weight", "not_a_number"),
        (
            "price",
            value([{"amount": 1, "currency": "GBP"}], "ecommerce"),
            "values.price[channel=ecommerce]",
            "unknown_currency",
        ),
        (
            "price",
            value(
                [{"amount": 1, "currency": "EUR"}, {"amount": 2, "currency": "EUR"}], "ecommerce"
            ),
            "values.price[channel=ecommerce]",
            "duplicate_currency",
        ),
        (
            "price",
            value({"amount": 1, "currency": "EUR"}, "ecommerce"),
            "values.price[channel=ecommerce]",
            "invalid_price",
        ),
        ("organic", value("yes"), "values.organic", "not_a_boolean"),
        ("release", value("2024-02-30"), "values.release", "invalid_date"),
        ("release", value("29/02/2024"), "values.release", "invalid_date"),
        ("release", value("1999-12-31"), "values.release", "date_min"),
        ("color", value("purple"), "values.color", "unknown_term"),
        ("color", value("green"), "values.color", "deprecated_term"),
        ("materials", value(["cotton", "cotton"]), "values.materials", "duplicate_term"),
        ("materials", value("cotton"), "values.materials", "invalid_terms"),
        ("nonexistent", value("x"), "values.nonexistent", "unknown_attribute"),
    ],
)
def test_invalid_values_are_refused_naming_the_place_and_rule(attribute, entries, path, code):
    outcome = save({"sku": "p1", "family": "shirts", "values": {attribute: entries}})
    assert (outcome.status, [(e["field"], e["code"]) for e in outcome.errors]) == (
        422,
        [(path, code)],
    )
    assert not Product.objects.exists()


def test_attribute_outside_the_family_is_refused():
    outcome = save({"sku": "m1", "family": "mugs", "values": {"organic": value(True)}})
    assert [e["code"] for e in outcome.errors] == ["attribute_not_in_family"]


def test_a_deprecated_term_already_held_may_stay():
    from governance.models import Term

    save({"sku": "p1", "family": "shirts", "values": {"color": value("blue")}})
    Term.objects.filter(code="blue").update(is_deprecated=True)
    outcome = save({"sku": "p1", "values": {"color": value("blue"), "organic": value(True)}})
    assert outcome.ok, outcome.errors


def test_every_error_of_a_product_is_reported_at_once_and_nothing_is_saved():
    outcome = save(
        {
            "sku": "p1",
            "family": "shirts",
            "surprise": 1,
            "values": {
                "pieces": value(0),
                "color": value("purple"),
                "name": value("ok", locale="en_US"),
            },
        }
    )
    assert sorted(e["code"] for e in outcome.errors) == [
        "min_value",
        "unknown_field",
        "unknown_term",
    ]
    assert not Product.objects.exists()
