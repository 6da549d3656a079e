"""Labels, vocabularies and terms: services and selectors."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from governance import selectors, services
from governance.models import Term, Vocabulary
from tests.governance.factories import LocaleFactory, TermFactory, VocabularyFactory
from tests.governance.test_services import error_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (None, {}),
        ({}, {}),
        ({"en_US": "Colour", "fr_FR": "Couleur"}, {"en_US": "Colour", "fr_FR": "Couleur"}),
        ({"en_US": "  Colour "}, {"en_US": "Colour"}),
        ({"en_US": "x" * 255}, {"en_US": "x" * 255}),
    ],
)
def test_labels_validate_accepts_text_per_existing_locale(locales, labels, expected):
    assert services.labels_validate(labels) == expected


@pytest.mark.parametrize(
    ("labels", "code"),
    [
        (["en_US", "Colour"], "invalid_labels"),
        ("Colour", "invalid_labels"),
        ({"en_US": ""}, "invalid_labels"),
        ({"en_US": "   "}, "invalid_labels"),
        ({"en_US": "x" * 256}, "invalid_labels"),
        ({"en_US": 5}, "invalid_labels"),
        ({"en_US": None}, "invalid_labels"),
        ({"xx_XX": "Colour"}, "unknown_locale"),
        ({"english": "Colour"}, "unknown_locale"),
    ],
)
def test_labels_validate_refuses_bad_labels(locales, labels, code):
    with pytest.raises(ValidationError) as exc:
        services.labels_validate(labels)
    assert error_codes(exc.value) == {"labels": [code]}


def test_labels_validate_names_each_bad_locale(locales):
    LocaleFactory(code="it_IT", is_active=False)  # inactive locales still exist: accepted
    with pytest.raises(ValidationError) as exc:
        services.labels_validate({"xx_XX": "A", "en_US": "", "it_IT": "Colore", "yy_YY": "B"})
    messages = exc.value.message_dict["labels"]
    assert error_codes(exc.value) == {
        "labels": ["unknown_locale", "invalid_labels", "unknown_locale"]
    }
    assert ["xx_XX" in messages[0], "en_US" in messages[1], "yy_YY" in messages[2]] == [True] * 3


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"de_DE": "Farbe"}, {"en_US": "Colour", "fr_FR": "Couleur", "de_DE": "Farbe"}),
        ({"fr_FR": None, "en_US": "Color"}, {"en_US": "Color"}),
        ({}, {"en_US": "Colour", "fr_FR": "Couleur"}),
        (None, {}),
    ],
)
def test_labels_merge_per_locale_and_null_erases(locales, patch, expected):
    current = {"en_US": "Colour", "fr_FR": "Couleur"}
    assert services.labels_merge(current, patch) == expected


def test_vocabulary_create_checks_code_and_labels_at_once(locales):
    with pytest.raises(ValidationError) as exc:
        services.vocabulary_create(code="Colours!", labels={"xx_XX": "Colour"})
    assert error_codes(exc.value) == {"labels": ["unknown_locale"], "code": ["invalid_code"]}
    assert not Vocabulary.objects.exclude(code="media_roles").exists()


def test_vocabulary_codes_are_unique(locales):
    services.vocabulary_create(code="colors", labels={"en_US": "Colours"})
    with pytest.raises(ValidationError) as exc:
        services.vocabulary_create(code=" colors ")
    assert error_codes(exc.value) == {"code": ["unique"]}


def test_vocabulary_update_merges_labels_and_never_changes_the_code(locales):
    vocabulary = services.vocabulary_create(
        code="colors", labels={"en_US": "Colours", "fr_FR": "Couleurs"}
    )
    services.vocabulary_update(
        vocabulary=vocabulary, changes={"labels": {"fr_FR": None, "de_DE": "Farben"}}
    )
    vocabulary.refresh_from_db()
    assert vocabulary.labels == {"en_US": "Colours", "de_DE": "Farben"}

    with pytest.raises(ValidationError) as exc:
        services.vocabulary_update(
            vocabulary=vocabulary, changes={"code": "colours", "labels": {"xx_XX": "X"}}
        )
    assert error_codes(exc.value) == {"labels": ["unknown_locale"], "code": ["read_only"]}
    vocabulary.refresh_from_db()
    assert (vocabulary.code, vocabulary.labels) == (
        "colors",
        {"en_US": "Colours", "de_DE": "Farben"},
    )


def test_vocabulary_with_terms_cannot_be_deleted_but_an_empty_one_can():
    term = TermFactory(vocabulary=VocabularyFactory(code="colors"))
    with pytest.raises(ValidationError) as exc:
        services.vocabulary_delete(vocabulary=term.vocabulary)
    assert error_codes(exc.value) == {NON_FIELD_ERRORS: ["has_terms"]}
    services.term_delete(term=term)
    services.vocabulary_delete(vocabulary=term.vocabulary)
    assert not Vocabulary.objects.exclude(code="media_roles").exists()


def test_term_codes_are_unique_per_vocabulary_only(locales):
    colors, sizes = VocabularyFactory(code="colors"), VocabularyFactory(code="sizes")
    red = services.term_create(vocabulary=colors, code="red", labels={"en_US": "Red"})
    assert (red.vocabulary, red.code, red.labels) == (colors, "red", {"en_US": "Red"})
    services.term_create(vocabulary=sizes, code="red")  # another vocabulary: fine
    with pytest.raises(ValidationError) as exc:
        services.term_create(vocabulary=colors, code=" red ")
    assert error_codes(exc.value) == {"code": ["unique"]}
    assert "colors" in exc.value.message_dict["code"][0]
    assert Term.objects.filter(code="red").count() == 2


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"code": "Red"}, {"code": ["invalid_code"]}),
        ({"code": "red", "sort_order": -1}, {"sort_order": ["min_value"]}),
        ({"code": "", "labels": {"en_US": ""}}, {"labels": ["invalid_labels"], "code": ["blank"]}),
    ],
)
def test_term_create_refuses_bad_terms(locales, fields, errors):
    with pytest.raises(ValidationError) as exc:
        services.term_create(vocabulary=VocabularyFactory(), **fields)
    assert error_codes(exc.value) == errors
    assert not Term.objects.exclude(vocabulary__code="media_roles").exists()


def test_term_update_deprecates_and_marks_the_vocabulary_changed(locales):
    term = TermFactory(code="green", labels={"en_US": "Green"})
    before = term.vocabulary.updated_at
    services.term_update(
        term=term, changes={"is_deprecated": True, "sort_order": 3, "labels": {"fr_FR": "Vert"}}
    )
    term.refresh_from_db()
    assert (term.is_deprecated, term.sort_order) == (True, 3)
    assert term.labels == {"en_US": "Green", "fr_FR": "Vert"}
    term.vocabulary.refresh_from_db()
    assert term.vocabulary.updated_at > before


def test_term_code_never_changes():
    term = TermFactory(code="green")
    with pytest.raises(ValidationError) as exc:
        services.term_update(term=term, changes={"code": "lime", "vocabulary": None})
    assert error_codes(exc.value) == {"code": ["read_only"], "vocabulary": ["read_only"]}


def test_term_map_answers_in_one_query_in_sort_order(django_assert_num_queries):
    colors, sizes = VocabularyFactory(code="colors"), VocabularyFactory(code="sizes")
    for order, code in [(2, "blue"), (1, "red"), (1, "green")]:
        TermFactory(vocabulary=colors, code=code, sort_order=order)
    TermFactory(vocabulary=sizes, code="m")
    with django_assert_num_queries(1):
        terms = selectors.term_map(vocabulary_codes=["colors", "empty", "unknown"])
    assert {code: list(rows) for code, rows in terms.items()} == {
        "colors": ["green", "red", "blue"],
        "empty": [],
        "unknown": [],
    }
    assert terms["colors"]["red"].vocabulary.code == "colors"  # no query: fetched with it


def test_vocabulary_list_fetches_terms_in_sort_order(django_assert_num_queries):
    colors = VocabularyFactory(code="colors")
    TermFactory(vocabulary=colors, code="red", sort_order=2)
    TermFactory(vocabulary=colors, code="blue", sort_order=1)
    VocabularyFactory(code="brands")
    with django_assert_num_queries(2):
        listed = {v.code: [t.code for t in v.terms.all()] for v in selectors.vocabulary_list()}
    listed.pop("media_roles")  # linking's, made by its migration
    assert listed == {"brands": [], "colors": ["blue", "red"]}
