"""The shared language's reference data on its own (governance.reference_data)."""

import pytest

from governance import reference_data, services
from governance.models import Category, Locale, Term, Vocabulary


@pytest.fixture
def english(db):
    return services.code_entry_create(model=Locale, code="en_US")


DOCUMENT = {
    "vocabularies": [
        {
            "code": "colors",
            "labels": {"en_US": "Colours"},
            "is_governed": True,
            "terms": [
                {"code": "red", "labels": {"en_US": "Red"}},
                {"code": "teal", "sort_order": 1, "is_deprecated": True},
            ],
        }
    ],
    "categories": [{"code": "shoes", "parent": "master"}, {"code": "master", "is_governed": True}],
    "channels": [{"code": "web", "locales": ["en_US"], "category_tree": "master"}],
}


def test_import_then_export_then_reimport(english):
    report = reference_data.reference_import(DOCUMENT)
    assert report["errors"] == [] and report["applied"]
    assert {k: v["created"] for k, v in report["kinds"].items()} == {
        "vocabularies": 1,
        "terms": 2,
        "categories": 2,
        "channels": 1,
    }
    assert Vocabulary.objects.get(code="colors").is_governed
    assert Category.objects.get(code="master").is_governed
    exported = reference_data.reference_export(["vocabularies", "channels"])
    assert exported["vocabularies"][0]["terms"][1] == {
        "code": "teal",
        "labels": {},
        "sort_order": 1,
        "is_deprecated": True,
    }
    assert exported["channels"][0]["category_tree"] == "master"
    again = reference_data.reference_import(DOCUMENT)
    assert {k: v["unchanged"] for k, v in again["kinds"].items()} == {
        "vocabularies": 1,
        "terms": 2,
        "categories": 2,
        "channels": 1,
    }


def test_dry_run_and_refusals_write_nothing(english):
    report = reference_data.reference_import(DOCUMENT, dry_run=True)
    assert report["errors"] == [] and not report["applied"]
    assert not Vocabulary.objects.filter(code="colors").exists()
    assert not Category.objects.exists()
    bad = {**DOCUMENT, "channels": [{"code": "web", "locales": ["xx_XX"]}]}
    report = reference_data.reference_import(bad)
    assert [(e["item"], e["field"], e["code"]) for e in report["errors"]] == [
        ("web", "locales", "unknown")
    ]
    assert not Term.objects.filter(vocabulary__code="colors").exists()


def test_labels_in_a_file_replace_the_stored_ones(english):
    services.code_entry_create(model=Locale, code="fr_FR")
    services.vocabulary_create(code="sizes", labels={"en_US": "Sizes", "fr_FR": "Tailles"})
    report = reference_data.reference_import(
        {"vocabularies": [{"code": "sizes", "labels": {"en_US": "Size"}}]}
    )
    assert report["kinds"]["vocabularies"]["updated"] == 1
    assert Vocabulary.objects.get(code="sizes").labels == {"en_US": "Size"}
