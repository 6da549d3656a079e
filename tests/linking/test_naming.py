"""Naming rules: the pattern language, its validation, and what a file name resolves to."""

import pytest
from django.core.exceptions import ValidationError

from governance.models import AuditAction, AuditRecord, Term
from linking.models import NamingRule
from linking.services import naming
from pim.services.product_models import product_model_save
from tests.linking.builders import product

EXAMPLES = {
    "by_position": "{sku}_{role}_{position}.{ext}",
    "by_locale": "{sku}-{locale}-{role}.{ext}",
    "by_model": "{model}_{role}.{ext}",
}


@pytest.fixture
def rules(catalog):
    """The three example rules; the catalog brings locales en_US/fr_FR/de_DE and channels."""
    for priority, (code, pattern) in enumerate(EXAMPLES.items()):
        naming.naming_rule_save(
            changes={"code": code, "pattern": pattern, "priority": (priority + 1) * 10}
        )


@pytest.fixture
def products(catalog):
    for sku in ("AB-100", "AB_1", "X.Y-2", "OXFORD"):
        product(sku)
    product_model_save(data={"code": "oxford", "family_variant": "shirts_by_color_size"})
    product_model_save(data={"code": "derby", "family_variant": "shirts_by_color_size"})


@pytest.mark.parametrize(
    ("filename", "rule", "parts", "role", "position", "locale"),
    [
        # An SKU holding `_` splits right: the role is one of the roles that exist.
        ("AB_1_hero_2.jpg", "by_position", {"sku": "AB_1", "role": "hero"}, "hero", 2, None),
        ("ab-100_FRONT_10.JPG", "by_position", {"sku": "ab-100"}, "front", 10, None),
        # Dots and dashes in SKUs; a role written in kebab case.
        ("X.Y-2_spin-frame_3.png", "by_position", {"sku": "X.Y-2"}, "spin_frame", 3, None),
        ("AB-100-fr_FR-back.jpg", "by_locale", {"sku": "AB-100", "locale": "fr_FR"}, "back", None, "fr_FR"),
        ("ab-100-FR-fr-Back.jpeg", "by_locale", {"sku": "ab-100"}, "back", None, "fr_FR"),
        # Folders are ignored, whichever separator they use.
        ("shoot/2024/oxford_Lifestyle.webp", "by_model", {"model": "oxford"}, "lifestyle", None, None),
        ("C:\\shoot\\derby_swatch.jpg", "by_model", {"model": "derby"}, "swatch", None, None),
    ],
)  # fmt: skip
def test_each_example_pattern_reads_its_parts(rules, filename, rule, parts, role, position, locale):
    match = naming.name_parse(filename)
    assert match is not None and match.rule.code == rule
    assert parts.items() <= match.parts.items()
    assert (match.role, match.position, match.locale) == (role, position, locale)


@pytest.mark.parametrize(
    "filename",
    [
        "random.jpg",
        "AB-100-it_IT-back.jpg",  # it_IT is no locale here
        "AB_1_heroic_2.jpg",  # no such role
        "AB_1_hero_2",  # no extension
        "_hero_2.jpg",  # no identifier
    ],
)
def test_names_no_rule_reads_match_nothing(rules, filename):
    assert naming.name_parse(filename) is None


def test_the_first_active_rule_by_priority_decides(rules):
    naming.naming_rule_save(
        changes={"code": "early", "pattern": "{sku}_hero_{position}.jpg", "default_role": "detail", "priority": 1}
    )  # fmt: skip
    assert naming.name_parse("AB_1_hero_2.jpg").rule.code == "early"
    naming.naming_rule_save(rule=NamingRule.objects.get(code="early"), changes={"is_active": False})
    assert naming.name_parse("AB_1_hero_2.jpg").rule.code == "by_position"


def test_a_rule_without_role_part_uses_its_default_role_and_reads_channels(rules):
    naming.naming_rule_save(
        changes={
            "code": "packshots",
            "pattern": "{sku}@{channel}.{ext}",
            "default_role": "packshot",
        }
    )
    match = naming.name_parse("AB_1@ECOMMERCE.tif")
    assert (match.role, match.channel, match.parts["ext"]) == ("packshot", "ecommerce", "tif")


def test_an_english_label_in_snake_or_kebab_case_is_a_role(rules):
    term = Term.objects.get(vocabulary__code="media_roles", code="spec_sheet")
    term.labels = {"en_US": "Data Sheet"}
    term.save()
    assert naming.name_parse("AB_1_data-sheet_1.pdf").role == "spec_sheet"
    assert naming.name_parse("AB_1_Data_Sheet_1.pdf").role == "spec_sheet"


def test_a_deprecated_role_matches_no_longer(rules):
    # (media_roles is governed: a change request would do this; the row is what matters here)
    Term.objects.filter(vocabulary__code="media_roles", code="detail").update(is_deprecated=True)
    assert naming.name_parse("AB_1_detail_1.jpg") is None


@pytest.mark.parametrize(
    ("filename", "outcome", "target", "message"),
    [
        ("AB_1_hero_2.jpg", "linkable", {"type": "product", "sku": "AB_1"},
         "Links to product 'AB_1' as hero, position 2 (rule 'by_position')."),
        ("ab_1_hero_2.jpg", "linkable", {"type": "product", "sku": "AB_1"}, None),
        ("Derby_back.jpg", "linkable", {"type": "product_model", "code": "derby"}, None),
        ("ZZ-9_hero_1.jpg", "unknown_sku", None, "No product or product model 'ZZ-9': not linked."),
        ("ghost_hero.jpg", "unknown_sku", None, "No product model 'ghost': not linked."),
        ("unrelated.jpg", "no_rule", None, "No naming rule matches 'unrelated.jpg'."),
    ],
)  # fmt: skip
def test_a_name_resolves_to_its_target_or_says_why_not(
    rules, products, filename, outcome, target, message
):
    resolution = naming.name_resolve(filename)
    assert (resolution.outcome, resolution.target) == (outcome, target)
    if message:
        assert resolution.message == message


def test_an_identifier_naming_a_product_and_a_product_model_is_ambiguous(rules, products):
    naming.naming_rule_save(
        changes={"code": "plain", "pattern": "{sku}_{role}.{ext}", "priority": 1}
    )
    resolution = naming.name_resolve("oxford_hero.jpg")
    assert resolution.outcome == "ambiguous" and resolution.target is None
    assert resolution.message == "'oxford' is both a product and a product model: not linked."
    # A {sku} that names only a product model links to it.
    assert naming.name_resolve("derby_hero.jpg").target == {
        "type": "product_model",
        "code": "derby",
    }


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"pattern": "{sku_{role}.{ext}"}, "pattern", "unbalanced_braces"),
        ({"pattern": "{sku}}_{role}.{ext}"}, "pattern", "unbalanced_braces"),
        ({"pattern": "{sku}_{role}.{ext"}, "pattern", "unbalanced_braces"),
        ({"pattern": "{sku}_{colour}_{role}.{ext}"}, "pattern", "unknown_part"),
        ({"pattern": "{sku}_{}_{role}.{ext}"}, "pattern", "unknown_part"),
        ({"pattern": "{sku}_{role}_{role}.{ext}"}, "pattern", "repeated_part"),
        ({"pattern": "{role}_{position}.{ext}"}, "pattern", "identifier_missing"),
        ({"pattern": "{sku}_{model}_{role}.{ext}"}, "pattern", "identifier_ambiguous"),
        ({"pattern": "{sku}_{role}"}, "pattern", "extension_required"),
        ({"pattern": "{sku}_{role}{ext}"}, "pattern", "extension_required"),
        ({"pattern": "{sku}.{ext}_{role}"}, "pattern", "extension_required"),
        ({"pattern": ""}, "pattern", "blank"),
        ({"pattern": "{sku}.{ext}"}, "default_role", "role_required"),
        ({"pattern": "{sku}.{ext}", "default_role": "poster"}, "default_role", "unknown_role"),
        ({"pattern": "{sku}_{role}.{ext}", "code": "test"}, "code", "reserved"),
        ({"pattern": "{sku}_{role}.{ext}", "code": "Bad Code"}, "code", "invalid_code"),
        ({"pattern": "{sku}_{role}.{ext}", "priority": -1}, "priority", "min_value"),
        ({"pattern": "{sku}_{role}.{ext}", "colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_each_invalid_rule_is_refused_with_a_specific_error(db, changes, field, code):
    with pytest.raises(ValidationError) as refused:
        naming.naming_rule_save(changes={"code": "rule", **changes})
    assert code in [e.code for e in refused.value.error_dict[field]]
    assert not NamingRule.objects.exists()


def test_every_problem_of_a_pattern_is_named_at_once(db):
    with pytest.raises(ValidationError) as refused:
        naming.naming_rule_save(changes={"code": "rule", "pattern": "{colour}_{position}"})
    codes = {e.code for e in refused.value.error_dict["pattern"]}
    assert codes == {"unknown_part", "identifier_missing", "extension_required"}


def test_a_literal_extension_and_the_any_part_are_accepted(rules, products):
    rule = naming.naming_rule_save(
        changes={"code": "shots", "pattern": "{any}-{sku}-{any}.JPG", "default_role": "detail", "priority": 1}
    )  # fmt: skip
    match = naming.name_parse("studio-AB_1-take-7.jpg")
    assert (match.rule, match.identifier, match.role) == (rule, "AB_1", "detail")


def test_the_code_of_a_saved_rule_does_not_change(rules):
    with pytest.raises(ValidationError) as refused:
        naming.naming_rule_save(
            rule=NamingRule.objects.get(code="by_model"), changes={"code": "renamed"}
        )
    assert refused.value.error_dict["code"][0].code == "read_only"


def test_rule_changes_are_audited(db):
    rule = naming.naming_rule_save(changes={"code": "plain", "pattern": "{sku}_{role}.{ext}"})
    naming.naming_rule_save(rule=rule, changes={"priority": 5})
    naming.naming_rule_delete(rule=rule)
    records = AuditRecord.objects.filter(object_repr="plain").order_by("pk")
    assert [r.action for r in records] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.DELETE,
    ]
    assert records[1].changes == {"priority": [100, 5]}
