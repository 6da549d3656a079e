"""Product and product-model scopes: a category grant narrows a role to a subtree; everything
outside it answers 404; lists stay constant in queries."""

import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import roles
from governance.audit import history
from governance.services_access import category_grant, category_revoke
from pim.models import Product, ProductModel
from pim.policies import product_model_policy, product_policy
from pim.services.product_models import product_model_save
from tests.governance.factories import CategoryFactory, UserFactory
from tests.pim.builders import save


def member(role: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def tree(catalog):
    """master > shoes > boots, and a separate tree toys; a product in each, and one in none."""
    master = CategoryFactory(code="master")
    shoes = CategoryFactory(code="shoes", parent=master)
    boots = CategoryFactory(code="boots", parent=shoes)
    toys = CategoryFactory(code="toys")
    for sku, categories in (("boot", ["boots"]), ("toy", ["toys"]), ("loose", [])):
        assert save({"sku": sku, "family": "mugs", "categories": categories}).ok
    product_model_save(
        data={"code": "boot_model", "family_variant": "shirts_by_size", "categories": ["shoes"]}
    )
    product_model_save(data={"code": "toy_model", "family_variant": "shirts_by_size"})
    return {"master": master, "shoes": shoes, "boots": boots, "toys": toys}


def skus(user):
    return sorted(product_policy.visible(user, Product.objects.all()).values_list("sku", flat=True))


def test_an_unscoped_editor_sees_every_product(tree):
    editor = member(roles.PRODUCT_EDITOR, "editor")
    assert skus(editor) == ["boot", "loose", "toy"]


def test_a_grant_scopes_the_user_to_the_subtree(tree):
    editor = member(roles.PRODUCT_EDITOR, "editor")
    category_grant(category=tree["shoes"], user=editor)
    editor = type(editor).objects.get(pk=editor.pk)  # scopes are cached per user object
    assert skus(editor) == ["boot"]
    models = product_model_policy.visible(editor, ProductModel.objects.all())
    assert [m.code for m in models] == ["boot_model"]


def test_a_group_grant_scopes_its_members(tree):
    editor = member(roles.PRODUCT_EDITOR, "editor")
    team = Group.objects.create(name="Toy team")
    editor.groups.add(team)
    category_grant(category=tree["toys"], group=team)
    assert skus(editor) == ["toy"]


def test_a_revoked_grant_leaves_the_user_unscoped(tree):
    editor = member(roles.PRODUCT_EDITOR, "editor")
    category_grant(category=tree["boots"], user=editor)
    category_revoke(category=tree["boots"], user=editor)
    assert skus(editor) == ["boot", "loose", "toy"]


@pytest.mark.parametrize(
    ("role", "action", "sku", "allowed"),
    [
        (roles.PRODUCT_EDITOR, "change", "boot", True),
        (roles.PRODUCT_EDITOR, "change", "toy", False),  # outside the scope
        (roles.PRODUCT_EDITOR, "submit", "boot", True),
        (roles.PRODUCT_EDITOR, "approve", "boot", False),  # the role cannot approve
        (roles.PRODUCT_EDITOR, "reject", "boot", False),
        (roles.PRODUCT_EDITOR, "delete", "boot", False),
        (roles.PRODUCT_DATA_OWNER, "approve", "boot", True),
        (roles.PRODUCT_DATA_OWNER, "reject", "boot", True),
        (roles.PRODUCT_DATA_OWNER, "reopen", "boot", True),
        (roles.PRODUCT_DATA_OWNER, "approve", "toy", False),
        (roles.PRODUCT_DATA_OWNER, "retire", "loose", False),  # unclassified: outside
        (roles.VIEWER, "view", "boot", True),
        (roles.VIEWER, "change", "boot", False),
    ],
)
def test_allows_needs_the_permission_and_the_scope(tree, role, action, sku, allowed):
    user = member(role, "someone")
    category_grant(category=tree["shoes"], user=user)
    assert product_policy.allows(user, action, Product.objects.get(sku=sku)) is allowed


def test_a_superuser_is_never_scoped(tree):
    admin = UserFactory(username="root", is_superuser=True)
    category_grant(category=tree["toys"], user=admin)
    assert skus(admin) == ["boot", "loose", "toy"]
    assert product_policy.allows(admin, "approve", Product.objects.get(sku="boot"))


def test_anonymous_and_unknown_actions(tree):
    from django.contrib.auth.models import AnonymousUser

    boot = Product.objects.get(sku="boot")
    assert skus(AnonymousUser()) == []
    assert not product_policy.allows(AnonymousUser(), "view", boot)
    with pytest.raises(ValueError, match="Unknown action"):
        product_policy.allows(member(roles.VIEWER, "v"), "publish", boot)


def test_api_hides_what_is_out_of_scope_with_404(tree, api_client):
    editor = member(roles.PRODUCT_EDITOR, "editor")
    category_grant(category=tree["shoes"], user=editor)
    api_client.force_authenticate(editor)
    listed = api_client.get("/api/v1/products").json()["results"]
    assert [p["sku"] for p in listed] == ["boot"]
    assert api_client.get("/api/v1/products/boot").status_code == 200
    assert api_client.get("/api/v1/products/toy").status_code == 404
    patch = api_client.patch("/api/v1/products/toy", {"enabled": False}, format="json")
    assert patch.status_code == 404
    assert Product.objects.get(sku="toy").is_enabled
    assert api_client.get("/api/v1/product-models/toy_model").status_code == 404
    assert api_client.get("/api/v1/product-models/boot_model").status_code == 200
    models = api_client.get("/api/v1/product-models").json()["results"]
    assert [m["code"] for m in models] == ["boot_model"]


def test_bulk_upsert_refuses_lines_out_of_scope_with_404(tree, api_client):
    editor = member(roles.PRODUCT_EDITOR, "editor")
    category_grant(category=tree["shoes"], user=editor)
    api_client.force_authenticate(editor)
    body = '{"sku": "toy", "enabled": false}\n{"sku": "boot", "enabled": false}'
    response = api_client.generic(
        "PATCH", "/api/v1/products", body, content_type="application/x-ndjson"
    )
    statuses = [line["status_code"] for line in _ndjson(response)]
    assert statuses == [404, 200]
    assert Product.objects.get(sku="toy").is_enabled
    assert not Product.objects.get(sku="boot").is_enabled


def _ndjson(response):
    import json

    return [json.loads(line) for line in response.content.decode().splitlines() if line]


def test_scoped_list_query_count_is_constant(tree, api_client, django_assert_max_num_queries):
    editor = member(roles.PRODUCT_EDITOR, "editor")
    category_grant(category=tree["master"], user=editor)
    api_client.force_authenticate(editor)
    api_client.get("/api/v1/products")  # permissions and scope, cached on the user object
    counts = []
    for extra in (0, 30):
        for n in range(extra):
            save({"sku": f"more{extra}_{n}", "family": "mugs", "categories": ["boots"]})
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get("/api/v1/products?page_size=100")
        assert response.status_code == 200
        counts.append(len(queries))
    assert len(response.json()["results"]) == 31
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(counts[0]):
        api_client.get("/api/v1/products?page_size=100")
    with django_assert_max_num_queries(8):
        api_client.get("/api/v1/product-models")


def test_admin_changelist_and_change_page_follow_the_scope(tree, client):
    editor = member(roles.PRODUCT_EDITOR, "editor")
    editor.is_staff = True
    editor.save()
    category_grant(category=tree["shoes"], user=editor)
    client.force_login(editor)
    page = client.get("/admin/pim/product/")
    assert page.status_code == 200
    assert [p.sku for p in page.context["cl"].result_list] == ["boot"]
    toy = Product.objects.get(sku="toy")
    hidden = client.get(f"/admin/pim/product/{toy.pk}/change/")
    assert hidden.status_code == 302  # the admin's "does not exist" redirect
    boot = Product.objects.get(sku="boot")
    assert client.get(f"/admin/pim/product/{boot.pk}/change/").status_code == 200
    assert client.get(f"/admin/pim/product/{boot.pk}/delete/").status_code == 403


def bearer(api_client, *, scope="read", channel=None, role=None):
    from governance.api_keys import api_key_create

    _, raw = api_key_create(name=f"key {scope}", scope=scope, channel=channel, role=role)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def test_a_channel_restricted_key_sees_its_channels_tree_only(tree, api_client):
    from governance.models import Channel

    Channel.objects.filter(code="ecommerce").update(category_tree=tree["master"])
    client = bearer(api_client, channel=Channel.objects.get(code="ecommerce"))
    listed = client.get("/api/v1/products").json()["results"]
    assert [p["sku"] for p in listed] == ["boot"]
    assert client.get("/api/v1/products/toy").status_code == 404
    assert client.get("/api/v1/products/boot").status_code == 200
    assert client.get("/api/v1/product-models/toy_model").status_code == 404
    assert [c["code"] for c in client.get("/api/v1/channels").json()["results"]] == ["ecommerce"]
    assert client.get("/api/v1/channels/print").status_code == 404
    assert client.get("/api/v1/products?channel=ecommerce").status_code == 200
    assert client.get("/api/v1/products?channel=print").status_code == 403
    assert client.get("/api/v1/products/boot?channel=print").status_code == 403
    assert client.get("/api/v1/product-models?channel=print").status_code == 403


def test_a_key_without_channel_sees_every_product_and_channel(tree, api_client):
    client = bearer(api_client)
    listed = client.get("/api/v1/products").json()["results"]
    assert sorted(p["sku"] for p in listed) == ["boot", "loose", "toy"]
    assert client.get("/api/v1/products?channel=print").status_code == 200
    assert len(client.get("/api/v1/channels").json()["results"]) == 2


def test_a_key_on_a_channel_without_a_tree_sees_no_product(tree, api_client):
    from governance.models import Channel

    client = bearer(api_client, channel=Channel.objects.get(code="print"))
    assert client.get("/api/v1/products").json()["results"] == []


@pytest.fixture
def scoped_editor(tree, api_client):
    editor = member(roles.PRODUCT_EDITOR, "scoped")
    category_grant(category=tree["shoes"], user=editor)
    api_client.force_authenticate(editor)
    return api_client


def _codes(response):
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_a_scoped_editor_creates_products_only_inside_their_scope(scoped_editor):
    created = scoped_editor.post(
        "/api/v1/products", {"sku": "sandal", "family": "mugs", "categories": ["boots"]}
    )
    assert created.status_code == 201, created.json()
    outside = scoped_editor.post(
        "/api/v1/products", {"sku": "ball", "family": "mugs", "categories": ["toys"]}
    )
    assert outside.status_code == 422
    assert ("categories", "out_of_scope") in _codes(outside)
    unclassified = scoped_editor.post("/api/v1/products", {"sku": "lost", "family": "mugs"})
    assert unclassified.status_code == 422  # it would vanish from the editor's own view
    assert not Product.objects.filter(sku__in=["ball", "lost"]).exists()


def test_a_scoped_editor_neither_adds_nor_removes_other_teams_categories(scoped_editor):
    assert save({"sku": "both", "family": "mugs", "categories": ["boots", "toys"]}).ok
    keeps_toys = scoped_editor.patch("/api/v1/products/both", {"categories": ["shoes", "toys"]})
    assert keeps_toys.status_code == 200, keeps_toys.json()  # toys untouched: not theirs to drop
    drops_toys = scoped_editor.patch("/api/v1/products/both", {"categories": ["shoes"]})
    assert drops_toys.status_code == 422 and _codes(drops_toys) == [("categories", "out_of_scope")]
    leaves = scoped_editor.patch("/api/v1/products/both", {"categories": ["toys"]})
    assert leaves.status_code == 422  # removing shoes is theirs, but nothing of theirs remains
    product = Product.objects.get(sku="both")
    assert sorted(product.categories.values_list("code", flat=True)) == ["shoes", "toys"]


def test_bulk_lines_outside_the_scope_fail_on_their_own(scoped_editor):
    body = "\n".join(
        [
            '{"sku": "in", "family": "mugs", "categories": ["boots"]}',
            '{"sku": "out", "family": "mugs", "categories": ["toys"]}',
        ]
    )
    response = scoped_editor.generic(
        "PATCH", "/api/v1/products", body, content_type="application/x-ndjson"
    )
    statuses = [json.loads(line)["status_code"] for line in response.content.splitlines()]
    assert statuses == [201, 422]


def test_a_scoped_editor_cannot_restore_a_product_into_another_teams_categories(
    tree, scoped_editor
):
    assert save({"sku": "moved", "family": "mugs", "categories": ["toys"]}).ok
    product = Product.objects.get(sku="moved")
    first = history(product).order_by("id").first()
    assert save({"sku": "moved", "categories": ["boots"]}).ok  # now in the editor's scope
    refused = scoped_editor.post(
        "/api/v1/products/moved/restore", {"record": first.pk}, format="json"
    )
    assert refused.status_code == 422
    assert ("categories", "out_of_scope") in _codes(refused)
    assert list(product.categories.values_list("code", flat=True)) == ["boots"]
