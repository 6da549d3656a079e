import pytest

from governance.models import Category, Channel, Term, Vocabulary
from tests.governance.factories import (
    CategoryFactory,
    ChannelFactory,
    CurrencyFactory,
    LocaleFactory,
    TermFactory,
    VocabularyFactory,
)

pytestmark = pytest.mark.django_db


def test_admin_adds_a_channel_through_the_service(admin_client):
    en = LocaleFactory(code="en_US")
    eur = CurrencyFactory(code="EUR")
    response = admin_client.post(
        "/admin/governance/channel/add/",
        {
            "code": "ecommerce",
            "label": "Web",
            "locales": [en.pk],
            "currencies": [eur.pk],
            "approval_min_completeness": 100,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(code="ecommerce")
    assert [loc.code for loc in channel.locales.all()] == ["en_US"]


def test_admin_shows_the_service_error_inline_and_saves_nothing(admin_client):
    inactive = LocaleFactory(code="de_DE", is_active=False)
    response = admin_client.post(
        "/admin/governance/channel/add/", {"code": "print", "label": "", "locales": [inactive.pk]}
    )
    assert response.status_code == 200
    assert "de_DE is not active." in response.content.decode()
    assert not Channel.objects.exists()


def test_admin_cannot_change_a_code(admin_client):
    channel = ChannelFactory(code="mobile")
    page = admin_client.get(f"/admin/governance/channel/{channel.pk}/change/").content.decode()
    assert 'name="code"' not in page


def test_admin_lists_render(admin_client):
    ChannelFactory()
    for model in ("locale", "currency", "channel", "workerheartbeat"):
        assert admin_client.get(f"/admin/governance/{model}/").status_code == 200


def term_rows(*rows, initial=0):
    """POST data for the vocabulary admin's term inline."""
    data = {
        "terms-TOTAL_FORMS": str(len(rows)),
        "terms-INITIAL_FORMS": str(initial),
        "terms-MIN_NUM_FORMS": "0",
        "terms-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"terms-{index}-{key}": value for key, value in row.items()})
    return data


def test_admin_adds_a_vocabulary_with_terms_through_the_services(admin_client):
    LocaleFactory(code="en_US")
    response = admin_client.post(
        "/admin/governance/vocabulary/add/",
        {
            "code": "colors",
            "labels": '{"en_US": " Colours "}',
            **term_rows(
                {"code": "red", "labels": '{"en_US": "Red"}', "sort_order": "1"},
                {"code": "blue", "labels": "{}", "sort_order": "0", "is_deprecated": "on"},
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    vocabulary = Vocabulary.objects.get(code="colors")
    assert vocabulary.labels == {"en_US": "Colours"}  # trimmed: the service saved it
    assert [(t.code, t.is_deprecated) for t in vocabulary.terms.order_by("sort_order")] == [
        ("blue", True),
        ("red", False),
    ]


def test_admin_shows_term_errors_on_their_row_and_saves_nothing(admin_client):
    response = admin_client.post(
        "/admin/governance/vocabulary/add/",
        {
            "code": "colors",
            "labels": "{}",
            **term_rows(
                {"code": "red", "labels": '{"xx_XX": "Red"}', "sort_order": "0"},
                {"code": "blue", "labels": "{}", "sort_order": "0"},
            ),
        },
    )
    assert response.status_code == 200
    assert "Unknown locale xx_XX." in response.content.decode()
    assert not Vocabulary.objects.exclude(code="media_roles").exists()
    assert not Term.objects.exclude(vocabulary__code="media_roles").exists()


def test_admin_edits_and_deletes_terms_through_the_services(admin_client):
    vocabulary = VocabularyFactory(code="colors")
    red = TermFactory(vocabulary=vocabulary, code="red")
    green = TermFactory(vocabulary=vocabulary, code="green")
    response = admin_client.post(
        f"/admin/governance/vocabulary/{vocabulary.pk}/change/",
        {
            "labels": "{}",
            **term_rows(
                {
                    "id": red.pk,
                    "vocabulary": vocabulary.pk,
                    "code": "red",
                    "labels": "{}",
                    "sort_order": "0",
                    "DELETE": "on",
                },
                {
                    "id": green.pk,
                    "vocabulary": vocabulary.pk,
                    "code": "green",
                    "labels": "{}",
                    "sort_order": "0",
                    "is_deprecated": "on",
                },
                {"code": "red", "labels": "{}", "sort_order": "5"},
                initial=2,
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    terms = {t.code: t for t in vocabulary.terms.all()}
    assert sorted(terms) == ["green", "red"]
    assert terms["red"].pk != red.pk and terms["red"].sort_order == 5
    assert terms["green"].is_deprecated


def test_admin_refuses_to_delete_a_vocabulary_with_terms(admin_client):
    vocabulary = TermFactory(vocabulary=VocabularyFactory(code="colors")).vocabulary
    url = f"/admin/governance/vocabulary/{vocabulary.pk}/delete/"
    assert "still has terms" in admin_client.get(url).content.decode()
    admin_client.post(url, {"post": "yes"})
    assert Vocabulary.objects.filter(code="colors").exists()


def category_form(code=None, *, position="sorted-child", ref=None, labels="{}"):
    data = {"labels": labels, "treebeard_position": position, "treebeard_ref_node": ref or ""}
    return {**data, "code": code} if code else data


def test_admin_adds_categories_through_the_service(admin_client):
    response = admin_client.post("/admin/governance/category/add/", category_form("clothing"))
    assert response.status_code == 302, response.content.decode()[:3000]
    clothing = Category.objects.get(code="clothing")
    for code, position in [("shirts", "sorted-child"), ("shoes", "sorted-child")]:
        response = admin_client.post(
            "/admin/governance/category/add/",
            category_form(code, position=position, ref=clothing.pk),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
    shirts = Category.objects.get(code="shirts")
    response = admin_client.post(
        "/admin/governance/category/add/",
        category_form("socks", position="sorted-sibling", ref=shirts.pk),
    )
    assert response.status_code == 302
    children = Category.objects.get_children(Category.objects.get(code="clothing"))
    assert [c.code for c in children] == ["shirts", "shoes", "socks"]


def test_admin_moves_a_category_through_the_service(admin_client):
    clothing, outlet = CategoryFactory(code="clothing"), CategoryFactory(code="outlet")
    shirts = CategoryFactory(code="shirts", parent=clothing)
    CategoryFactory(code="tees", parent=shirts)
    response = admin_client.post(
        f"/admin/governance/category/{shirts.pk}/change/",
        category_form(ref=Category.objects.get(code="outlet").pk, labels='{"en_US": "Shirts"}'),
    )
    assert response.status_code == 200  # en_US does not exist: the service said so
    assert "Unknown locale en_US." in response.content.decode()
    assert Category.objects.get(code="shirts").depth == 2

    response = admin_client.post(
        f"/admin/governance/category/{shirts.pk}/change/", category_form(ref=outlet.pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    tees = Category.objects.get(code="tees")
    assert (tees.depth, Category.objects.get_root(tees).code) == (3, "outlet")


def test_admin_drag_and_drop_moves_through_the_service(admin_client):
    clothing, outlet = CategoryFactory(code="clothing"), CategoryFactory(code="outlet")
    shirts = CategoryFactory(code="shirts", parent=clothing)
    tees = CategoryFactory(code="tees", parent=shirts)
    move = "/admin/governance/category/move/"
    refused = admin_client.post(
        move,
        {"node": Category.objects.get(code="shirts").pk, "target": tees.pk, "relation": "child"},
    )
    assert refused.status_code == 400
    assert Category.objects.get(code="shirts").depth == 2
    moved = admin_client.post(
        move,
        {
            "node": Category.objects.get(code="shirts").pk,
            "target": outlet.pk,
            "relation": "sibling",
        },
    )
    assert moved.status_code == 200
    assert Category.objects.get(code="shirts").depth == 1  # a sibling of a root: a root
    assert Category.objects.get(code="tees").depth == 2


def test_admin_refuses_to_delete_a_category_with_children(admin_client):
    clothing = CategoryFactory(code="clothing")
    CategoryFactory(code="shirts", parent=clothing)
    url = f"/admin/governance/category/{clothing.pk}/delete/"
    assert "has children" in admin_client.get(url).content.decode()
    admin_client.post(url, {"post": "yes"})
    assert Category.objects.filter(code="clothing").exists()


def test_admin_bulk_deletes_a_subtree_children_first(admin_client):
    clothing = CategoryFactory(code="clothing")
    shirts = CategoryFactory(code="shirts", parent=clothing)
    CategoryFactory(code="tees", parent=shirts)
    response = admin_client.post(
        "/admin/governance/category/",
        {
            "action": "delete_selected",
            "_selected_action": list(Category.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Category.objects.exists()


def test_admin_sets_a_channel_category_tree(admin_client):
    en, eur = LocaleFactory(code="en_US"), CurrencyFactory(code="EUR")
    clothing = CategoryFactory(code="clothing")
    shirts = CategoryFactory(code="shirts", parent=clothing)
    data = {"code": "web", "label": "", "locales": [en.pk], "currencies": [eur.pk]}
    response = admin_client.post(
        "/admin/governance/channel/add/", {**data, "category_tree": shirts.pk}
    )
    assert response.status_code == 200  # only roots are offered
    assert not Channel.objects.exists()
    response = admin_client.post(
        "/admin/governance/channel/add/", {**data, "category_tree": clothing.pk}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Channel.objects.get(code="web").category_tree == clothing


def test_taxonomy_admin_pages_render(admin_client):
    clothing = CategoryFactory(code="clothing")
    CategoryFactory(code="shirts", parent=clothing)
    vocabulary = TermFactory(vocabulary=VocabularyFactory(code="colors")).vocabulary
    for url in (
        "/admin/governance/vocabulary/",
        f"/admin/governance/vocabulary/{vocabulary.pk}/change/",
        "/admin/governance/vocabulary/add/",
        "/admin/governance/category/",
        f"/admin/governance/category/{clothing.pk}/change/",
        "/admin/governance/category/add/",
        f"/admin/governance/category/children/{clothing.pk}/",
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", ["locale", "currency"])
def test_locales_and_currencies_are_deactivated_never_deleted(admin_client, model):
    from tests.governance.factories import CurrencyFactory, LocaleFactory

    row = LocaleFactory(code="en_US") if model == "locale" else CurrencyFactory(code="EUR")
    response = admin_client.post(f"/admin/governance/{model}/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()
