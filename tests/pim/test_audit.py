"""The catalog's audit trail: every write records who, when, which request and what changed
(values per attribute × channel × locale); a product can be restored to an earlier revision."""

import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from governance.audit import acting_as, audit_record, history
from governance.models import ApiKey, AuditAction, AuditRecord, Category
from pim.audit import product_state_at, stored_product_state
from pim.models import Attribute, AttributeGroup, Family, FamilyVariant, Product, ProductModel
from pim.services import catalog as catalog_services
from pim.services.product_models import product_model_save
from pim.services.products import product_delete
from pim.services.revisions import product_restore
from tests.governance.factories import UserFactory
from tests.pim.builders import save, value

pytestmark = pytest.mark.usefixtures("catalog")
NDJSON = "application/x-ndjson"


@pytest.fixture
def editor(api_client):
    user = UserFactory(
        username="editor",
        permissions=[f"pim.{a}_product" for a in ("add", "change", "delete", "view")]
        + [f"pim.{a}_productmodel" for a in ("add", "change", "view")]
        + [f"pim.{a}_attribute" for a in ("add", "change", "delete", "view")],
    )
    api_client.force_login(user)  # a session, as the workbench and the browsable API have
    return api_client


@pytest.fixture
def categories(db):
    from governance import services as governance

    governance.category_create(code="master")
    governance.category_create(code="summer", parent="master")
    governance.category_create(code="winter", parent="master")
    return Category.objects.all()


def tee(**fields):
    return {"sku": "tee-1", "family": "shirts", **fields}


def records(obj):
    return list(history(obj).order_by("id"))


def test_create_through_the_api_records_the_user_the_request_and_each_value(editor):
    response = editor.post(
        "/api/v1/products",
        tee(values={"name": value("Tee", locale="en_US"), "pieces": value(3)}),
    )
    assert response.status_code == 201, response.json()
    product = Product.objects.get()
    [record] = records(product)
    assert record.action == AuditAction.CREATE
    assert record.actor.username == "editor" and record.api_key_id is None
    assert record.actor_label == "editor"
    assert record.request_id == response["X-Request-ID"] != ""
    assert record.object_repr == "tee-1"
    assert record.changes == {
        "sku": [None, "tee-1"],
        "family": [None, "shirts"],
        "enabled": [None, True],
        "categories": [None, []],
        "values.name[|en_US]": [None, "Tee"],
        "values.pieces[|]": [None, 3],
    }
    assert record.state is None  # revisions are rebuilt from the diffs
    assert product_state_at(product, record) == {
        "sku": "tee-1",
        "family": "shirts",
        "parent": None,
        "enabled": True,
        "categories": [],
        "values": {"name": {"|en_US": "Tee"}, "pieces": {"|": 3}},
    }


def test_update_records_only_what_changed_per_attribute_channel_and_locale(editor, categories):
    save(tee(values={"name": value("Tee", locale="en_US"), "pieces": value(3)}))
    response = editor.patch(
        "/api/v1/products/tee-1",
        {
            "categories": ["summer"],
            "values": {
                "name": value("Shirt", locale="en_US") + value("Chemise", locale="fr_FR"),
                "description": value("Soft", channel="ecommerce", locale="en_US"),
                "pieces": value(None),
            },
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    record = records(Product.objects.get())[-1]
    assert record.action == AuditAction.UPDATE
    assert record.request_id == response["X-Request-ID"]
    assert record.changes == {
        "categories": [[], ["summer"]],
        "values.name[|en_US]": ["Tee", "Shirt"],
        "values.name[|fr_FR]": [None, "Chemise"],
        "values.description[ecommerce|en_US]": [None, "Soft"],
        "values.pieces[|]": [3, None],
    }


def test_an_update_that_changes_nothing_records_nothing():
    save(tee(values={"name": value("Tee", locale="en_US")}))
    save(tee(values={"name": value("Tee", locale="en_US")}))
    assert len(records(Product.objects.get())) == 1


def test_a_write_made_with_an_api_key_is_recorded_to_the_key():
    key = ApiKey.objects.create(
        name="erp",
        prefix="tk_erp01",
        secret_hash="0" * 64,
        scope="write",
        role=Group.objects.create(name="integration"),
    )
    with acting_as(api_key=key):
        save(tee())
    [record] = records(Product.objects.get())
    assert (record.api_key_id, record.actor_id, record.actor_label) == (
        key.pk,
        None,
        "key:tk_erp01",
    )


def test_a_write_outside_any_request_is_the_systems():
    save(tee())
    [record] = records(Product.objects.get())
    assert (record.actor_id, record.api_key_id, record.actor_label) == (None, None, "system")
    assert record.request_id == ""


def lines(skus, **fields):
    return "\n".join(json.dumps(tee(sku=sku, **fields)) for sku in skus)


def test_bulk_upsert_writes_one_record_per_changed_product_in_constant_queries(api_client):
    api_client.force_authenticate(
        UserFactory(
            username="loader", permissions=[f"pim.{a}_product" for a in ("add", "change", "view")]
        )
    )

    def upsert(body):
        response = api_client.generic("PATCH", "/api/v1/products", body, content_type=NDJSON)
        assert response.status_code == 200
        return response

    upsert(lines(["warm-1"]))  # content types and the catalog are cached from here on
    named = {"name": value("Tee", locale="en_US")}
    with CaptureQueriesContext(connection) as two:
        upsert(lines([f"a-{n}" for n in range(2)], values=named))
    with CaptureQueriesContext(connection) as twenty:
        upsert(lines([f"b-{n}" for n in range(20)], values=named))
    assert len(twenty.captured_queries) == len(two.captured_queries)
    products = AuditRecord.objects.filter(content_type__model="product")
    assert products.filter(action="create").count() == 23

    renamed = {"name": value("Shirt", locale="en_US")}
    with CaptureQueriesContext(connection) as two:
        upsert(lines([f"a-{n}" for n in range(2)], values=renamed))
    with CaptureQueriesContext(connection) as twenty:
        response = upsert(
            lines([f"b-{n}" for n in range(19)], values=renamed) + "\n" + lines(["b-19"])
        )
    assert len(twenty.captured_queries) == len(two.captured_queries)
    assert {json.loads(line)["status_code"] for line in response.content.splitlines()} == {200}
    updates = products.filter(action="update")
    assert updates.count() == 2 + 19  # b-19 was sent unchanged
    assert {r.request_id for r in updates.filter(object_repr__startswith="b-")} == {
        response["X-Request-ID"]
    }
    assert {tuple(r.changes) for r in updates} == {("values.name[|en_US]",)}


def test_bulk_upsert_failures_record_nothing(api_client):
    api_client.force_authenticate(
        UserFactory(
            username="loader", permissions=[f"pim.{a}_product" for a in ("add", "change", "view")]
        )
    )
    body = lines(["ok-1"]) + "\n" + json.dumps({"sku": "bad", "family": "nope"})
    response = api_client.generic("PATCH", "/api/v1/products", body, content_type=NDJSON)
    assert [json.loads(line)["status_code"] for line in response.content.splitlines()] == [
        201,
        422,
    ]
    products = AuditRecord.objects.filter(content_type__model="product")
    assert list(products.values_list("object_repr", flat=True)) == ["ok-1"]


def test_delete_through_the_api_records_what_the_product_held(editor):
    save(tee(values={"name": value("Tee", locale="en_US")}))
    product = Product.objects.get()
    response = editor.delete("/api/v1/products/tee-1")
    assert response.status_code == 204
    record = records(product)[-1]
    assert record.action == AuditAction.DELETE
    assert record.request_id == response["X-Request-ID"]
    assert record.changes["values.name[|en_US]"] == ["Tee", None]
    assert record.changes["sku"] == ["tee-1", None]
    assert record.state["values"] == {"name": {"|en_US": "Tee"}}


def test_restore_returns_values_categories_and_enabled_and_is_itself_audited(categories):
    save(tee(categories=["summer"], values={"name": value("Tee", locale="en_US")}))
    product = Product.objects.get()
    first = records(product)[0]
    save(
        tee(
            enabled=False,
            categories=["winter"],
            values={"name": value("Shirt", locale="en_US"), "pieces": value(4)},
        )
    )
    restored = product_restore(product=product, record_id=first.pk)
    restored = Product.objects.get(pk=restored.pk)
    assert restored.values == {"name": {"|en_US": "Tee"}}
    assert restored.is_enabled is True
    assert list(restored.categories.values_list("code", flat=True)) == ["summer"]
    record = records(product)[-1]
    assert record.action == AuditAction.RESTORE
    assert record.changes == {
        "enabled": [False, True],
        "categories": [["winter"], ["summer"]],
        "values.name[|en_US]": ["Shirt", "Tee"],
        "values.pieces[|]": [4, None],
        "restored_record": [None, first.pk],
    }
    assert product_state_at(product, record) == product_state_at(product, first)


def test_restore_through_the_api_answers_the_restored_product(editor):
    save(tee(values={"name": value("Tee", locale="en_US")}))
    product = Product.objects.get()
    first = records(product)[0]
    save(tee(values={"name": value("Shirt", locale="en_US")}))
    response = editor.post("/api/v1/products/tee-1/restore", {"record": first.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["values"]["name"] == [
        {"channel": None, "locale": "en_US", "data": "Tee"}
    ]
    assert records(product)[-1].request_id == response["X-Request-ID"]


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ("other", "unknown"),
        ("no_state", "not_restorable"),
        ("missing", "unknown"),
        ("text", "invalid"),
        (None, "invalid"),
    ],
)
def test_restore_refuses_a_record_that_is_not_this_products_revision(editor, record, code):
    save(tee())
    save(tee(sku="tee-2"))
    product, other = Product.objects.order_by("sku_key")
    transition = audit_record(obj=product, action=AuditAction.TRANSITION, changes={"x": [1, 2]})
    record_id = {
        "other": records(other)[0].pk,
        "no_state": transition.pk,
        "missing": 10**9,
        "text": "1",
        None: None,
    }[record]
    response = editor.post("/api/v1/products/tee-1/restore", {"record": record_id}, format="json")
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("record", code)]


def test_restore_of_values_todays_catalog_refuses_answers_422():
    save(tee(values={"pieces": value(3)}))
    product = Product.objects.get()
    first = records(product)[0]
    catalog_services.family_save(
        code="shirts",
        family=Family.objects.get(code="shirts"),
        changes={"attributes": ["name", "color", "size"]},
    )
    with pytest.raises(Exception) as refused:
        product_restore(product=product, record_id=first.pk)
    assert "values.pieces" in refused.value.message_dict


def test_restore_needs_the_change_permission(api_client):
    save(tee())
    api_client.force_authenticate(UserFactory(username="reader", permissions=["pim.view_product"]))
    record = records(Product.objects.get())[0]
    response = api_client.post("/api/v1/products/tee-1/restore", {"record": record.pk})
    assert response.status_code == 403


def test_history_lists_the_records_newest_first_without_their_state(editor):
    save(tee(values={"name": value("Tee", locale="en_US")}))
    save(tee(values={"name": value("Shirt", locale="en_US")}))
    response = editor.get("/api/v1/products/TEE-1/history")
    assert response.status_code == 200
    body = response.json()["results"]
    assert [r["action"] for r in body] == ["update", "create"]
    assert set(body[0]) == {
        "id",
        "action",
        "actor",
        "actor_kind",
        "api_key_prefix",
        "request_id",
        "created_at",
        "changes",
    }
    assert body[0]["changes"] == {"values.name[|en_US]": ["Tee", "Shirt"]}
    assert (body[0]["actor"], body[0]["actor_kind"], body[0]["api_key_prefix"]) == (
        "system",
        "system",
        None,
    )
    page = editor.get("/api/v1/products/tee-1/history?page_size=1").json()
    assert [r["action"] for r in page["results"]] == ["update"]
    assert [r["action"] for r in editor.get(page["next"]).json()["results"]] == ["create"]


def test_history_names_the_api_key_that_acted(editor):
    key = ApiKey.objects.create(
        name="erp",
        prefix="tk_erp02",
        secret_hash="1" * 64,
        scope="write",
        role=Group.objects.create(name="integration"),
    )
    with acting_as(api_key=key):
        save(tee())
    [entry] = editor.get("/api/v1/products/tee-1/history").json()["results"]
    assert (entry["actor_kind"], entry["api_key_prefix"]) == ("api_key", "tk_erp02")


def test_history_of_an_unknown_product_is_404(editor):
    assert editor.get("/api/v1/products/nope/history").status_code == 404
    assert editor.get("/api/v1/product-models/nope/history").status_code == 404


def test_history_needs_the_view_permission(api_client):
    save(tee())
    api_client.force_authenticate(UserFactory(username="nobody"))
    assert api_client.get("/api/v1/products/tee-1/history").status_code == 403
    assert api_client.get("/api/v1/product-models/any/history").status_code == 403


def test_history_queries_do_not_grow_with_the_records(editor, django_assert_max_num_queries):
    for n in range(12):
        save(tee(values={"pieces": value(n + 1)}))
    with django_assert_max_num_queries(12):
        response = editor.get("/api/v1/products/tee-1/history")
    assert len(response.json()["results"]) == 12


def test_product_model_writes_are_audited_with_value_diffs(editor):
    model = product_model_save(
        data={
            "code": "tee",
            "family_variant": "shirts_by_color_size",
            "values": {"name": value("Tee", locale="en_US")},
        }
    )
    product_model_save(
        data={"values": {"name": value("Shirt", locale="en_US")}}, product_model=model
    )
    created, updated = records(model)
    assert created.changes["family_variant"] == [None, "shirts_by_color_size"]
    assert created.changes["values.name[|en_US]"] == [None, "Tee"]
    assert updated.changes == {"values.name[|en_US]": ["Tee", "Shirt"]}
    response = editor.get("/api/v1/product-models/tee/history")
    assert [r["action"] for r in response.json()["results"]] == ["update", "create"]


def test_deleting_a_product_model_is_audited():
    model = product_model_save(data={"code": "tee", "family_variant": "shirts_by_color_size"})
    from pim.services.product_models import product_model_delete

    product_model_delete(product_model=model)
    assert not ProductModel.objects.exists()
    assert records(model)[-1].action == AuditAction.DELETE
    assert records(model)[-1].changes["code"] == ["tee", None]


def test_product_delete_service_records_the_delete():
    save(tee())
    product = Product.objects.get()
    product_delete(product=product)
    assert [r.action for r in records(product)] == ["create", "delete"]


def test_attribute_writes_are_audited_field_by_field(editor):
    response = editor.post(
        "/api/v1/attributes", {"code": "fit", "type": "text", "group": "general"}, format="json"
    )
    assert response.status_code == 201, response.json()
    attribute = Attribute.objects.get(code="fit")
    editor.patch("/api/v1/attributes/fit", {"max_length": 20}, format="json")
    created, updated = records(attribute)
    assert created.changes["type"] == [None, "text"]
    assert created.changes["group"] == [None, "general"]
    assert created.request_id == response["X-Request-ID"]
    assert updated.changes == {"max_length": [None, 20]}
    assert editor.delete("/api/v1/attributes/fit").status_code == 204
    assert records(attribute)[-1].action == AuditAction.DELETE


def test_family_and_family_variant_writes_are_audited():
    family = Family.objects.get(code="mugs")
    catalog_services.family_save(
        code="mugs",
        family=family,
        changes={"attributes": ["name", "pieces", "organic"], "requirements": {"print": ["name"]}},
    )
    [record] = records(family)[-1:]
    assert record.changes == {
        "attributes": [["name", "pieces"], ["name", "organic", "pieces"]],
        "requirements": [{}, {"print": ["name"]}],
    }
    variant = FamilyVariant.objects.get(code="shirts_by_size")
    catalog_services.family_variant_save(
        code="shirts_by_size",
        variant=variant,
        changes={"labels": {"en_US": "By size"}},
    )
    assert records(variant)[-1].changes == {"labels": [{}, {"en_US": "By size"}]}
    assert records(variant)[0].changes["levels"] == [
        None,
        [{"axes": ["size"], "attributes": ["ean", "weight"]}],
    ]


def test_the_admin_history_page_lists_the_audit_records(client):
    save(tee(values={"name": value("Tee", locale="en_US")}))
    save(tee(values={"name": value("Shirt", locale="en_US")}))
    product = Product.objects.get()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get(f"/admin/pim/product/{product.pk}/history/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "values.name[|en_US]" in page and "Shirt" in page
    assert page.count("<del>") >= 2


def test_deleting_in_the_admin_goes_through_the_audited_service(client):
    save(tee())
    product = Product.objects.get()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(f"/admin/pim/product/{product.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Product.objects.exists()
    assert records(product)[-1].action == AuditAction.DELETE


def test_every_revision_is_rebuilt_exactly_from_the_diffs(categories):
    """Each revision's state, as seen right after it was saved, is what product_state_at
    rebuilds later, however many changes (values set, changed and erased, categories,
    enabled, transitions) came after it."""
    steps = [
        tee(categories=["summer"], values={"name": value("Tee", locale="en_US")}),
        tee(values={"pieces": value(3), "name": value("Shirt", locale="en_US")}),
        tee(enabled=False, categories=["summer", "winter"], values={"pieces": value(None)}),
        tee(categories=[], values={"name": value(None, locale="en_US"), "pieces": value(5)}),
        tee(enabled=True, values={"name": value("Polo", locale="en_US")}),
    ]
    seen = []
    for step in steps:
        assert save(step).ok
        product = Product.objects.get()
        seen.append((records(product)[-1], stored_product_state(product)))
        audit_record(obj=product, action=AuditAction.TRANSITION, changes={"x": [1, 2]})
    for record, state in seen:
        assert product_state_at(product, record) == state
    restored = product_restore(product=product, record_id=seen[1][0].pk)
    assert stored_product_state(restored) == seen[1][1]


def test_a_delete_the_database_refuses_leaves_no_record():
    """The delete record is written before the row is deleted; when the database refuses (a
    protected reference), the record goes with the rolled-back transaction."""
    group = AttributeGroup.objects.filter(attributes__isnull=False).first()
    with pytest.raises(ProtectedError), transaction.atomic():
        catalog_services.catalog_entry_delete(instance=group)
    assert AttributeGroup.objects.filter(pk=group.pk).exists()
    assert not history(group).filter(action=AuditAction.DELETE).exists()
