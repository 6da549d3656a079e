"""The workbench's product grid: filters, keyset paging, scope, bulk actions, saved views."""

import re

import pytest

from governance import roles
from governance.services_access import category_grant
from linking.models import SavedView
from pim.models import Product
from pim.services.products import product_upsert_many
from tests.governance.factories import CategoryFactory
from tests.governance.people import member
from tests.pim.builders import save as pim_save
from tests.pim.builders import value

pytestmark = pytest.mark.django_db
GRID = "/products/"
COMPLETE = {
    "name": value("Full", locale="en_US")
    + value("Plein", locale="fr_FR")
    + value("Voll", locale="de_DE"),
    "description": value("Lang", "print", "de_DE"),
    "price": value(
        [{"amount": "10", "currency": "EUR"}, {"amount": "12", "currency": "USD"}], "ecommerce"
    ),
    "weight": value({"amount": "1", "unit": "kilogram"}),
}


def make(sku, family="shirts", categories=(), **values):
    outcome = pim_save(
        {"sku": sku, "family": family, "categories": list(categories), "values": values}
    )
    assert outcome.ok, outcome.errors
    return Product.objects.get(sku=sku)


def skus(page: str) -> list[str]:
    return re.findall(r'name="items" value="([^"]+)"', page) or re.findall(
        r"<a href=\"/products/[^\"]+/\"><code>([^<]+)</code>", page
    )


@pytest.fixture
def editor(catalog, client):
    user = member(roles.PRODUCT_EDITOR)
    client.force_login(user)
    return client


def test_the_grid_needs_a_login(client):
    response = client.get(GRID)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_search_family_and_incomplete_filters(editor):
    make("shirt-full", **COMPLETE)
    make("shirt-half", name=value("Half shirt", locale="en_US"))
    make("mug-half", family="mugs", name=value("Half mug", locale="en_US"))
    page = editor.get(
        GRID,
        {"q": "half", "family": "shirts", "scope": "ecommerce|en_US", "completeness": "incomplete"},
    ).content.decode()
    assert skus(page) == ["shirt-half"]
    assert "Half shirt" in page and 'title="Missing: price, weight"' in page
    complete = editor.get(GRID, {"scope": "ecommerce|en_US", "completeness": "complete"})
    assert skus(complete.content.decode()) == ["shirt-full"]
    assert 'aria-current="page"' in complete.content.decode()


def test_htmx_gets_only_the_results(editor):
    make("a-1")
    response = editor.get(GRID, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="grid-results")
    page = response.content.decode()
    assert "<h1>" not in page and "a-1" in page


def test_keyset_pages_forward_and_back(editor):
    for n in range(12):
        make(f"p-{n:02}")
    first = editor.get(GRID, {"per_page": 5}).content.decode()
    assert skus(first) == [f"p-{n:02}" for n in range(5)]
    assert 'rel="prev"' not in first
    second_url = re.search(r'href="([^"]+)"[^>]*rel="next"', first).group(1).replace("&amp;", "&")
    second = editor.get(second_url).content.decode()
    assert skus(second) == [f"p-{n:02}" for n in range(5, 10)]
    back_url = re.search(r'href="([^"]+)"[^>]*rel="prev"', second).group(1).replace("&amp;", "&")
    assert skus(editor.get(back_url).content.decode()) == skus(first)
    newest = editor.get(GRID, {"per_page": 5, "sort": "sku", "dir": "desc"}).content.decode()
    assert skus(newest)[0] == "p-11"
    Product.objects.filter(sku="p-03").update(updated_at=Product.objects.get(sku="p-11").updated_at)
    seen, url = [], f"{GRID}?per_page=5&sort=updated&dir=desc"
    while url:  # ties on updated_at are broken by id, so each product shows once
        page = editor.get(url).content.decode()
        seen += skus(page)
        found = re.search(r'href="([^"]+)"[^>]*rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert sorted(seen) == [f"p-{n:02}" for n in range(12)] and seen[0] in ("p-11", "p-03")


def test_sort_by_completeness_and_columns(editor):
    make("full", **COMPLETE)
    make("empty")
    page = editor.get(
        GRID, {"sort": "completeness", "dir": "desc", "cols": ["completeness", "enabled"]}
    ).content.decode()
    assert skus(page) == ["full", "empty"]
    assert 'aria-sort="descending"' in page
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page)
    assert [re.sub("<[^>]+>", "", h) for h in headers[1:]] == ["SKU", "Completeness", "Enabled"]


@pytest.mark.parametrize("rows", [5, 50])
def test_queries_do_not_grow_with_the_rows(editor, rows, django_assert_max_num_queries):
    pim_save_many = [
        {"sku": f"q-{n:03}", "family": "shirts", "values": {"name": value(f"N{n}", locale="en_US")}}
        for n in range(rows)
    ]
    assert all(o.ok for o in product_upsert_many(items=pim_save_many))
    editor.get(GRID)  # warm the catalog memo
    with django_assert_max_num_queries(15):  # on PostgreSQL the search's probe is one of them
        page = editor.get(GRID, {"q": "q", "completeness": "incomplete"}).content.decode()
    assert len(skus(page)) == rows


def test_a_scoped_editor_sees_only_their_subtree(catalog, client):
    shoes = CategoryFactory(code="shoes")
    CategoryFactory(code="toys")
    make("boot", categories=["shoes"])
    make("toy", categories=["toys"])
    user = member(roles.PRODUCT_EDITOR, "scoped")
    category_grant(category=shoes, user=user)
    client.force_login(user)
    assert skus(client.get(GRID).content.decode()) == ["boot"]
    response = client.post(GRID + "_bulk/", {"action": "disable", "items": ["toy"]})
    assert "<strong>toy</strong>:\n      refused — Not found." in response.content.decode()


def test_bulk_submit_reports_each_item(editor):
    make("ready", **COMPLETE)
    make("again", **COMPLETE)
    editor.post(GRID + "_bulk/", {"action": "submit", "items": ["again"]})
    response = editor.post(
        GRID + "_bulk/", {"action": "submit", "items": ["ready", "again"], "back": "q=re"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>ready</strong>:\n      done" in page
    assert (
        "<strong>again</strong>:\n      refused — Cannot submit an item that is in review" in page
    )
    assert Product.objects.get(sku="ready").workflow_state == "in_review"
    assert 'value="re"' in page  # the grid shows the same filters again


def test_bulk_enable_disable_and_add_category(editor):
    CategoryFactory(code="sale")
    make("one")
    editor.post(GRID + "_bulk/", {"action": "disable", "items": ["one"]})
    assert Product.objects.get(sku="one").is_enabled is False
    editor.post(GRID + "_bulk/", {"action": "add_category", "category": "sale", "items": ["one"]})
    assert list(Product.objects.get(sku="one").categories.values_list("code", flat=True)) == [
        "sale"
    ]
    response = editor.post(GRID + "_bulk/", {"action": "add_category", "items": ["one"]})
    assert response.status_code == 400 and "Choose a category." in response.content.decode()
    refused = editor.post(GRID + "_bulk/", {"action": "approve", "items": ["one"]})
    assert refused.status_code == 400 and "You may not do that." in refused.content.decode()


def test_a_viewer_gets_no_bulk_controls(catalog, client):
    make("seen")
    client.force_login(member(roles.VIEWER))
    page = client.get(GRID).content.decode()
    assert "seen" in page and 'name="action"' not in page and 'name="items"' not in page
    assert client.post(GRID + "_bulk/", {"action": "submit", "items": ["seen"]}).status_code == 403


def test_saved_views_are_per_person(editor, django_user_model):
    response = editor.post(
        GRID + "_views/", {"name": "Half done", "query": "completeness=incomplete"}
    )
    assert response.status_code == 302 and response["Location"].endswith("completeness=incomplete")
    page = editor.get(GRID).content.decode()
    assert "Half done" in page and "/products/?completeness=incomplete" in page
    assert editor.post(GRID + "_views/", {"name": " ", "query": ""}).status_code == 302
    assert SavedView.objects.count() == 1
    other = django_user_model.objects.create_user("other")
    view = SavedView.objects.get()
    editor.force_login(other)
    assert "Half done" not in editor.get(GRID).content.decode()
    editor.post(f"{GRID}_views/{view.pk}/delete/")
    assert SavedView.objects.count() == 1  # not theirs


def test_category_subtree_and_missing_media_filters(editor):
    from governance.models import Channel, Locale
    from linking.models import MediaReadiness

    root = CategoryFactory(code="clothes")
    CategoryFactory(code="tops", parent=root)
    top, bare = make("top", categories=["tops"]), make("bare")
    assert skus(editor.get(GRID, {"category": "clothes"}).content.decode()) == ["top"]
    scope = {
        "channel": Channel.objects.get(code="ecommerce"),
        "locale": Locale.objects.get(code="en_US"),
    }
    MediaReadiness.objects.create(product=top, score=50, required=2, ready=1, **scope)
    MediaReadiness.objects.create(product=bare, score=100, required=1, ready=1, **scope)
    page = editor.get(GRID, {"scope": "ecommerce|en_US", "missing_media": "on"}).content.decode()
    assert skus(page) == ["top"] and "50 %" in page
