"""Vocabularies, terms, categories and category trees over the API."""

import pytest
from django.utils import timezone

from governance.models import Category, Term, Vocabulary
from tests.governance.factories import (
    CategoryFactory,
    ChannelFactory,
    TermFactory,
    UserFactory,
    VocabularyFactory,
)

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def field_errors(response) -> list[tuple[str | None, str]]:
    assert response.status_code == 422, response.json()
    assert response["Content-Type"] == PROBLEM
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def results(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def clothing(db):
    """clothing > (shirts > tees, shoes); outlet."""
    clothing = CategoryFactory(code="clothing")
    shirts = CategoryFactory(code="shirts", parent=clothing)
    CategoryFactory(code="tees", parent=shirts)
    CategoryFactory(code="shoes", parent=Category.objects.get(code="clothing"))
    CategoryFactory(code="outlet")
    return clothing


def test_vocabulary_crud_by_code(taxonomy_client, locales):
    created = taxonomy_client.post(
        "/api/v1/vocabularies", {"code": "colors", "labels": {"en_US": "Colours"}}
    )
    assert created.status_code == 201, created.json()
    assert created.json()["terms"] == []
    assert created.json()["labels"] == {"en_US": "Colours"}

    patched = taxonomy_client.patch(
        "/api/v1/vocabularies/colors", {"labels": {"fr_FR": "Couleurs", "en_US": None}}
    )
    assert patched.status_code == 200
    assert patched.json()["labels"] == {"fr_FR": "Couleurs"}

    assert taxonomy_client.get("/api/v1/vocabularies/colors").json()["code"] == "colors"
    assert taxonomy_client.delete("/api/v1/vocabularies/colors").status_code == 204
    assert taxonomy_client.get("/api/v1/vocabularies/colors").status_code == 404


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"code": "Colours"}, [("code", "invalid_code")]),
        ({"code": "colors", "labels": {"xx_XX": "X"}}, [("labels", "unknown_locale")]),
        ({"code": "colors", "labels": {"en_US": ""}}, [("labels", "invalid_labels")]),
        ({"code": "colors", "labels": "Colours"}, [("labels", "not_a_dict")]),
        ({"code": "colors", "label": "typo"}, [("label", "unknown_field")]),
        ({"labels": {}}, [("code", "required")]),
    ],
)
def test_vocabulary_create_errors_answer_422_naming_the_field(
    taxonomy_client, locales, body, errors
):
    response = taxonomy_client.post("/api/v1/vocabularies", body)
    assert field_errors(response) == errors
    assert not Vocabulary.objects.exclude(code="media_roles").exists()


def test_vocabulary_with_terms_is_not_deleted(taxonomy_client):
    TermFactory(vocabulary=VocabularyFactory(code="colors"))
    response = taxonomy_client.delete("/api/v1/vocabularies/colors")
    assert field_errors(response) == [(None, "has_terms")]
    assert Vocabulary.objects.filter(code="colors").exists()


def test_vocabulary_code_cannot_change(taxonomy_client):
    VocabularyFactory(code="colors")
    response = taxonomy_client.patch("/api/v1/vocabularies/colors", {"code": "colours"})
    assert field_errors(response) == [("code", "read_only")]


def test_term_crud_within_its_vocabulary(taxonomy_client, locales):
    VocabularyFactory(code="colors")
    url = "/api/v1/vocabularies/colors/terms"
    for code, order in [("red", 2), ("blue", 1), ("green", 1)]:
        created = taxonomy_client.post(url, {"code": code, "sort_order": order})
        assert created.status_code == 201, created.json()
    assert results(taxonomy_client.get(url)) == ["blue", "green", "red"]

    patched = taxonomy_client.patch(
        f"{url}/green", {"is_deprecated": True, "labels": {"en_US": "Green"}}
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["is_deprecated"], patched.json()["labels"]) == (True, {"en_US": "Green"})
    assert taxonomy_client.get(f"{url}/green").json()["is_deprecated"] is True

    assert results(taxonomy_client.get(f"{url}?is_deprecated=false")) == ["blue", "red"]
    vocabulary = taxonomy_client.get("/api/v1/vocabularies/colors").json()
    assert [t["code"] for t in vocabulary["terms"]] == ["blue", "green", "red"]

    assert taxonomy_client.delete(f"{url}/red").status_code == 204
    assert taxonomy_client.get(f"{url}/red").status_code == 404
    assert not Term.objects.filter(code="red").exists()


def test_term_errors_answer_422(taxonomy_client):
    TermFactory(vocabulary=VocabularyFactory(code="colors"), code="red")
    url = "/api/v1/vocabularies/colors/terms"
    assert field_errors(taxonomy_client.post(url, {"code": "red"})) == [("code", "unique")]
    assert field_errors(taxonomy_client.post(url, {"code": "blue", "sort_order": -1})) == [
        ("sort_order", "min_value")
    ]
    assert field_errors(taxonomy_client.post(url, {"code": "blue", "sort_order": "first"})) == [
        ("sort_order", "invalid")
    ]
    assert field_errors(taxonomy_client.patch(f"{url}/red", {"code": "rouge"})) == [
        ("code", "read_only")
    ]


def test_terms_are_reached_only_through_their_vocabulary(taxonomy_client):
    TermFactory(vocabulary=VocabularyFactory(code="colors"), code="red")
    VocabularyFactory(code="sizes")
    assert taxonomy_client.get("/api/v1/vocabularies/sizes/terms/red").status_code == 404
    assert taxonomy_client.get("/api/v1/vocabularies/nowhere/terms").status_code == 404
    response = taxonomy_client.post("/api/v1/vocabularies/nowhere/terms", {"code": "red"})
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_category_crud_and_output(taxonomy_client, locales):
    root = taxonomy_client.post("/api/v1/categories", {"code": "clothing"})
    assert root.status_code == 201, root.json()
    created = taxonomy_client.post(
        "/api/v1/categories",
        {"code": "shirts", "parent": "clothing", "labels": {"en_US": "Shirts"}},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {
        k: body[k] for k in ("code", "labels", "parent", "tree", "depth", "children_count")
    } == {
        "code": "shirts",
        "labels": {"en_US": "Shirts"},
        "parent": "clothing",
        "tree": "clothing",
        "depth": 2,
        "children_count": 0,
    }
    assert {"created_at", "updated_at"} <= set(body)
    clothing = taxonomy_client.get("/api/v1/categories/clothing").json()
    assert (clothing["parent"], clothing["tree"], clothing["children_count"]) == (
        None,
        "clothing",
        1,
    )

    patched = taxonomy_client.patch("/api/v1/categories/shirts", {"labels": {"fr_FR": "Chemises"}})
    assert patched.json()["labels"] == {"en_US": "Shirts", "fr_FR": "Chemises"}

    assert taxonomy_client.delete("/api/v1/categories/shirts").status_code == 204
    assert taxonomy_client.get("/api/v1/categories/shirts").status_code == 404


def test_category_patch_parent_moves_the_subtree(taxonomy_client, clothing):
    response = taxonomy_client.patch("/api/v1/categories/shirts", {"parent": "outlet"})
    assert response.status_code == 200, response.json()
    assert (response.json()["parent"], response.json()["tree"]) == ("outlet", "outlet")
    tees = taxonomy_client.get("/api/v1/categories/tees").json()
    assert (tees["parent"], tees["tree"], tees["depth"]) == ("shirts", "outlet", 3)

    response = taxonomy_client.patch("/api/v1/categories/shirts", {"parent": None})
    assert (response.json()["parent"], response.json()["tree"]) == (None, "shirts")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"parent": "tees"}, [("parent", "cyclic_move")]),
        ({"parent": "shirts"}, [("parent", "cyclic_move")]),
        ({"parent": "nowhere"}, [("parent", "unknown")]),
        ({"parent": 5}, [("parent", "unknown")]),
        ({"parent": ["x"]}, [("parent", "invalid")]),
        ({"code": "tops"}, [("code", "read_only")]),
        ({"labels": {"xx_XX": "X"}}, [("labels", "unknown_locale")]),
    ],
)
def test_category_patch_errors_answer_422(taxonomy_client, clothing, body, errors):
    response = taxonomy_client.patch("/api/v1/categories/shirts", body)
    assert field_errors(response) == errors
    shirts = taxonomy_client.get("/api/v1/categories/shirts").json()
    assert (shirts["parent"], shirts["depth"]) == ("clothing", 2)


def test_category_with_children_is_not_deleted(taxonomy_client, clothing):
    assert field_errors(taxonomy_client.delete("/api/v1/categories/shirts")) == [
        (None, "has_children")
    ]
    assert Category.objects.filter(code="shirts").exists()


def test_category_create_errors_answer_422(taxonomy_client, clothing):
    response = taxonomy_client.post(
        "/api/v1/categories", {"code": "Shirts!", "parent": "nowhere", "position": 1}
    )
    assert sorted(field_errors(response)) == [("position", "unknown_field")]
    response = taxonomy_client.post("/api/v1/categories", {"code": "Shirts!", "parent": "nowhere"})
    assert sorted(field_errors(response)) == [("code", "invalid_code"), ("parent", "unknown")]
    assert field_errors(taxonomy_client.post("/api/v1/categories", {"code": "shirts"})) == [
        ("code", "unique")
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["clothing", "outlet", "shirts", "shoes", "tees"]),
        ("?tree=clothing", ["clothing", "shirts", "shoes", "tees"]),
        ("?tree=shirts", []),
        ("?parent=clothing", ["shirts", "shoes"]),
        ("?parent=clothing&tree=outlet", []),
    ],
)
def test_category_list_filters(taxonomy_client, clothing, query, expected):
    assert results(taxonomy_client.get(f"/api/v1/categories{query}")) == expected


def test_category_list_updated_since_sees_moved_subtrees(taxonomy_client, clothing):
    Category.objects.update(updated_at=timezone.now() - timezone.timedelta(days=1))
    since = (timezone.now() - timezone.timedelta(hours=1)).isoformat()
    assert results(taxonomy_client.get("/api/v1/categories", {"updated_since": since})) == []
    taxonomy_client.patch("/api/v1/categories/shirts", {"parent": "outlet"})
    response = taxonomy_client.get("/api/v1/categories", {"updated_since": since})
    assert results(response) == ["clothing", "outlet", "shirts", "tees"]


def test_category_list_pages_by_cursor_in_code_order(taxonomy_client, clothing):
    first = taxonomy_client.get("/api/v1/categories?page_size=2").json()
    assert [c["code"] for c in first["results"]] == ["clothing", "outlet"]
    taxonomy_client.patch("/api/v1/categories/tees", {"parent": "outlet"})  # paths change
    second = taxonomy_client.get(first["next"]).json()
    assert [c["code"] for c in second["results"]] == ["shirts", "shoes"]


def test_category_trees_lists_roots_read_only(taxonomy_client, clothing):
    assert results(taxonomy_client.get("/api/v1/category-trees")) == ["clothing", "outlet"]
    tree = taxonomy_client.get("/api/v1/category-trees/clothing").json()
    assert (tree["tree"], tree["children_count"]) == ("clothing", 2)
    assert taxonomy_client.get("/api/v1/category-trees/shirts").status_code == 404
    assert taxonomy_client.post("/api/v1/category-trees", {"code": "new"}).status_code == 405


def test_channel_category_tree_by_root_code(taxonomy_client, clothing):
    ChannelFactory(code="web")
    patched = taxonomy_client.patch("/api/v1/channels/web", {"category_tree": "clothing"})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["category_tree"] == "clothing"
    assert field_errors(
        taxonomy_client.patch("/api/v1/channels/web", {"category_tree": "shirts"})
    ) == [("category_tree", "not_a_tree")]
    assert taxonomy_client.patch("/api/v1/channels/web", {"label": "Web"}).json()[
        "category_tree"
    ] == ("clothing")
    cleared = taxonomy_client.patch("/api/v1/channels/web", {"category_tree": None})
    assert cleared.json()["category_tree"] is None


def test_api_root_lists_the_new_resources(taxonomy_client):
    links = taxonomy_client.get("/api/v1/").json()
    assert links["vocabularies"].endswith("/api/v1/vocabularies")
    assert links["categories"].endswith("/api/v1/categories")
    assert links["category-trees"].endswith("/api/v1/category-trees")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/vocabularies"),
        ("post", "/api/v1/vocabularies"),
        ("get", "/api/v1/vocabularies/colors/terms"),
        ("delete", "/api/v1/vocabularies/colors/terms/red"),
        ("get", "/api/v1/categories"),
        ("patch", "/api/v1/categories/clothing"),
        ("get", "/api/v1/category-trees"),
    ],
)
def test_anonymous_requests_are_refused(api_client, clothing, method, url):
    TermFactory(vocabulary=VocabularyFactory(code="colors"), code="red")
    response = getattr(api_client, method)(url, {}, format="json")
    assert response.status_code in (401, 403)
    assert response.json()["type"] == "urn:tessera:problem:not-authenticated"
    assert Term.objects.filter(code="red").exists()


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/vocabularies", {"code": "sizes"}),
        ("patch", "/api/v1/vocabularies/colors", {"labels": {}}),
        ("delete", "/api/v1/vocabularies/colors/terms/red", None),
        ("post", "/api/v1/vocabularies/colors/terms", {"code": "blue"}),
        ("post", "/api/v1/categories", {"code": "hats"}),
        ("patch", "/api/v1/categories/shirts", {"parent": "outlet"}),
        ("delete", "/api/v1/categories/tees", None),
    ],
)
def test_reading_needs_a_login_but_writing_needs_the_model_permission(
    api_client, clothing, method, url, body
):
    TermFactory(vocabulary=VocabularyFactory(code="colors"), code="red")
    api_client.force_authenticate(UserFactory())
    assert api_client.get(url.rsplit("/", 1)[0] if method != "post" else url).status_code == 200
    response = getattr(api_client, method)(url, body, format="json")
    assert response.status_code == 403
    assert response.json()["type"] == "urn:tessera:problem:permission-denied"
    vocabularies = Vocabulary.objects.exclude(code="media_roles")  # linking's, by migration
    terms = Term.objects.filter(vocabulary__in=vocabularies)
    assert (vocabularies.count(), terms.count(), Category.objects.count()) == (1, 1, 5)
    assert Category.objects.get(code="shirts").depth == 2


def test_term_writes_need_the_term_permission_not_the_vocabulary_one(api_client):
    VocabularyFactory(code="colors")
    api_client.force_authenticate(UserFactory(permissions=["governance.change_vocabulary"]))
    response = api_client.post("/api/v1/vocabularies/colors/terms", {"code": "red"})
    assert response.status_code == 403


@pytest.mark.parametrize("size", [5, 60])
def test_vocabulary_list_query_count_does_not_grow_with_page_size(
    taxonomy_client, size, django_assert_max_num_queries
):
    for n in range(size):  # named to sort before linking's media_roles
        vocabulary = VocabularyFactory(code=f"a{n:03}")
        TermFactory.create_batch(3, vocabulary=vocabulary)
    # vocabularies + their terms (user and permissions are forced/not needed for GET).
    with django_assert_max_num_queries(2):
        response = taxonomy_client.get(f"/api/v1/vocabularies?page_size={size}")
    assert len(response.json()["results"]) == size
    assert all(len(v["terms"]) == 3 for v in response.json()["results"])


@pytest.mark.parametrize("size", [5, 60])
def test_term_list_query_count_does_not_grow_with_page_size(
    taxonomy_client, size, django_assert_max_num_queries
):
    vocabulary = VocabularyFactory(code="colors")
    TermFactory.create_batch(size, vocabulary=vocabulary)
    with django_assert_max_num_queries(2):  # the vocabulary, its terms
        response = taxonomy_client.get(f"/api/v1/vocabularies/colors/terms?page_size={size}")
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", [5, 60])
def test_category_list_query_count_does_not_grow_with_page_size(
    taxonomy_client, size, django_assert_max_num_queries
):
    root = CategoryFactory(code="root")
    for n in range(size - 1):
        parent = root if n % 2 else Category.objects.get(code="root")
        CategoryFactory(code=f"c{n:03}", parent=parent)
    with django_assert_max_num_queries(2):  # the tree's root, the categories (codes inline)
        response = taxonomy_client.get(f"/api/v1/categories?tree=root&page_size={size}")
    rows = response.json()["results"]
    assert len(rows) == size
    assert {r["tree"] for r in rows} == {"root"}


@pytest.mark.parametrize("size", [5, 60])
def test_category_tree_list_query_count_does_not_grow_with_page_size(
    taxonomy_client, size, django_assert_max_num_queries
):
    for n in range(size):
        CategoryFactory(code=f"t{n:03}")
    with django_assert_max_num_queries(1):
        response = taxonomy_client.get(f"/api/v1/category-trees?page_size={size}")
    assert len(response.json()["results"]) == size
