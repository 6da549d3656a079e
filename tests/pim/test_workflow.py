"""Products and product models in the approval workflow: who may move them, their gates, their
snapshots, and the API and admin that drive them."""

import pytest
from django.core.exceptions import ValidationError

from governance import roles, workflow
from governance.audit import acting_as, history
from governance.models import Channel, PublishedSnapshot, WorkflowTransition
from pim.models import Attribute, Product, ProductModel
from pim.services import catalog as catalog_services
from pim.services.product_models import product_model_save
from tests.governance.people import member
from tests.pim.builders import save, value

pytestmark = pytest.mark.django_db

# The state each action starts from, and the roles whose permissions allow it on products.
START = {
    "submit": "draft",
    "approve": "in_review",
    "reject": "in_review",
    "retire": "approved",
    "reopen": "retired",
}
TARGET = {
    "submit": "in_review",
    "approve": "approved",
    "reject": "draft",
    "retire": "retired",
    "reopen": "draft",
}
OWNERS = {roles.ADMINISTRATOR, roles.PRODUCT_DATA_OWNER}
ALLOWED = {
    "submit": OWNERS | {roles.PRODUCT_EDITOR},
    "approve": OWNERS,
    "reject": OWNERS,
    "retire": OWNERS,
    "reopen": OWNERS,
}


def mug(catalog, sku="mug-1"):
    """A product of a family without requirements: complete everywhere."""
    outcome = save({"sku": sku, "family": "mugs", "values": {"name": value("Mug", locale="en_US")}})
    assert outcome.ok, outcome.errors
    return outcome.product


def complete_shirt(sku="shirt-1"):
    outcome = save(
        {
            "sku": sku,
            "family": "shirts",
            "values": {
                "name": [
                    {"channel": None, "locale": loc, "data": f"Shirt {loc}"}
                    for loc in ("en_US", "fr_FR", "de_DE")
                ],
                "description": value("Soft", "print", "de_DE"),
                "price": value([{"amount": "10", "currency": "EUR"}], "ecommerce"),
                "weight": value({"amount": "200", "unit": "gram"}),
            },
        }
    )
    assert outcome.ok, outcome.errors
    return outcome.product


def in_state(obj, state):
    type(obj).objects.filter(pk=obj.pk).update(workflow_state=state)
    obj.refresh_from_db()
    return obj


def move(user, obj, action, comment=""):
    with acting_as(user=user):
        return workflow.transition(obj=obj, action=action, comment=comment)


def codes(exc: pytest.ExceptionInfo) -> set[str]:
    return {error["code"] for error in workflow.error_list(exc.value)}


@pytest.mark.parametrize("action", list(START))
@pytest.mark.parametrize("role", roles.ORDER)
def test_each_role_may_make_exactly_its_product_transitions(catalog, role, action):
    product = in_state(mug(catalog), START[action])
    user = member(role)
    if role in ALLOWED[action]:
        move(user, product, action, comment="not yet")
        product.refresh_from_db()
        assert product.workflow_state == TARGET[action]
    else:
        with pytest.raises(ValidationError) as refused:
            move(user, product, action, comment="not yet")
        assert codes(refused) == {"permission_denied"}
        product.refresh_from_db()
        assert product.workflow_state == START[action]


@pytest.mark.parametrize("action", list(START))
@pytest.mark.parametrize("role", [roles.PRODUCT_DATA_OWNER, roles.PRODUCT_EDITOR])
def test_each_role_may_make_exactly_its_product_model_transitions(catalog, role, action):
    model = product_model_save(
        data={"code": "tee", "family_variant": "shirts_by_size", "values": {}}
    )
    model = in_state(model, START[action])
    user = member(role)
    if role in ALLOWED[action]:
        move(user, model, action, comment="not yet")
        assert ProductModel.objects.get(pk=model.pk).workflow_state == TARGET[action]
    else:
        with pytest.raises(ValidationError) as refused:
            move(user, model, action, comment="not yet")
        assert codes(refused) == {"permission_denied"}


FORBIDDEN_BY_STATE = [
    (action, state)
    for action in START
    for state in ("draft", "in_review", "approved", "retired")
    if state not in workflow.TRANSITIONS[action].sources
]


@pytest.mark.parametrize(("action", "state"), FORBIDDEN_BY_STATE)
def test_a_transition_from_the_wrong_state_is_refused(catalog, action, state):
    product = in_state(mug(catalog), state)
    with pytest.raises(ValidationError) as refused:
        move(member(roles.ADMINISTRATOR), product, action, comment="why")
    assert codes(refused) == {"invalid_transition"}
    assert Product.objects.get(pk=product.pk).workflow_state == state


def test_retire_also_takes_a_draft_out_of_use(catalog):
    product = mug(catalog)
    move(member(roles.PRODUCT_DATA_OWNER), product, "retire")
    assert product.workflow_state == "retired"


def test_an_incomplete_product_lists_each_channel_and_locale_with_missing_attributes(catalog):
    outcome = save(
        {"sku": "shirt-1", "family": "shirts", "values": {"name": value("Tee", None, "en_US")}}
    )
    with pytest.raises(ValidationError) as refused:
        move(member(roles.PRODUCT_EDITOR), outcome.product, "submit")
    problems = {e["field"]: e for e in workflow.error_list(refused.value)}
    assert set(problems) == {
        "completeness[channel=ecommerce, locale=en_US]",
        "completeness[channel=ecommerce, locale=fr_FR]",
        "completeness[channel=print, locale=de_DE]",
    }
    assert {e["code"] for e in problems.values()} == {"incomplete"}
    en = problems["completeness[channel=ecommerce, locale=en_US]"]["message"]
    assert en == "33% complete on ecommerce in en_US, 100% needed; missing: price, weight."
    assert (
        "missing: name, price, weight."
        in problems["completeness[channel=ecommerce, locale=fr_FR]"]["message"]
    )
    assert (
        "missing: description, name."
        in problems["completeness[channel=print, locale=de_DE]"]["message"]
    )
    assert Product.objects.get(pk=outcome.product.pk).workflow_state == "draft"


def test_the_channel_threshold_decides_how_complete_is_complete_enough(catalog):
    outcome = save(
        {"sku": "shirt-1", "family": "shirts", "values": {"name": value("Tee", None, "en_US")}}
    )
    Channel.objects.filter(code="ecommerce").update(approval_min_completeness=30)
    Channel.objects.filter(code="print").update(approval_min_completeness=0)
    with pytest.raises(ValidationError) as refused:
        move(member(roles.PRODUCT_EDITOR), outcome.product, "submit")
    [problem] = workflow.error_list(refused.value)  # fr_FR: 0% < 30%; en_US: 33% passes
    assert problem["field"] == "completeness[channel=ecommerce, locale=fr_FR]"
    Channel.objects.filter(code="ecommerce").update(approval_min_completeness=0)
    move(member(roles.PRODUCT_EDITOR), outcome.product, "submit")
    assert outcome.product.workflow_state == "in_review"


def test_a_stored_value_that_breaks_todays_rules_blocks_approval(catalog):
    product = mug(catalog)
    catalog_services.attribute_save(
        code="name", changes={"max_length": 2}, attribute=Attribute.objects.get(code="name")
    )
    with pytest.raises(ValidationError) as refused:
        move(member(roles.PRODUCT_EDITOR), product, "submit")
    [problem] = workflow.error_list(refused.value)
    assert problem["field"] == "values.name[locale=en_US]"


def test_approval_publishes_a_snapshot_that_later_edits_do_not_change(catalog):
    product = complete_shirt()
    editor, owner = member(roles.PRODUCT_EDITOR), member(roles.PRODUCT_DATA_OWNER)
    move(editor, product, "submit")
    move(owner, product, "approve")
    snapshot = workflow.snapshot_of(product)
    assert snapshot.revision == product.version
    published = snapshot.payload
    assert published["sku"] == "shirt-1"
    assert published["channels"]["ecommerce"]["fr_FR"]["name"] == "Shirt fr_FR"
    assert published["channels"]["ecommerce"]["en_US"]["weight"] == {
        "amount": "200",
        "unit": "gram",
    }
    assert "description" not in published["channels"]["ecommerce"]["en_US"]
    assert published["channels"]["print"]["de_DE"]["description"] == "Soft"

    with acting_as(user=editor):
        edited = save({"sku": "shirt-1", "values": {"name": value("New", None, "fr_FR")}})
    assert edited.ok
    product.refresh_from_db()
    assert product.workflow_state == "draft"  # a new draft revision
    assert workflow.snapshot_of(product).payload == published  # channels see the approved one
    assert workflow.snapshot_of(product).revision == snapshot.revision

    move(editor, product, "submit")
    move(owner, product, "approve")
    assert workflow.snapshot_of(product).payload["channels"]["ecommerce"]["fr_FR"]["name"] == "New"


def test_editing_an_item_in_review_keeps_it_in_review(catalog):
    product = in_state(mug(catalog), "in_review")
    assert save({"sku": product.sku, "enabled": False}).ok
    assert Product.objects.get(pk=product.pk).workflow_state == "in_review"


def test_retiring_removes_the_snapshot(catalog):
    product = in_state(mug(catalog), "in_review")
    owner = member(roles.PRODUCT_DATA_OWNER)
    move(owner, product, "approve")
    assert PublishedSnapshot.objects.count() == 1
    move(owner, product, "retire")
    assert workflow.snapshot_of(product) is None


def test_a_variant_snapshot_resolves_values_inherited_from_its_model(catalog):
    model = product_model_save(
        data={
            "code": "tee",
            "family_variant": "shirts_by_size",
            "values": {"name": value("Tee", None, "en_US"), "color": value("red")},
        }
    )
    outcome = save(
        {
            "sku": "tee-s",
            "parent": model.code,
            "values": {"size": value("s"), "weight": value({"amount": "1", "unit": "kilogram"})},
        }
    )
    assert outcome.ok, outcome.errors
    payload = workflow.spec_for(Product).snapshot(outcome.product)
    shown = payload["channels"]["ecommerce"]["en_US"]
    assert shown["name"] == "Tee" and shown["color"] == "red" and shown["size"] == "s"
    assert payload["parent"] == "tee"


def test_product_model_gates_are_validation_only(catalog):
    model = product_model_save(
        data={"code": "tee", "family_variant": "shirts_by_size", "values": {}}
    )
    owner = member(roles.PRODUCT_DATA_OWNER)
    move(member(roles.PRODUCT_EDITOR), model, "submit")
    move(owner, model, "approve")
    assert workflow.snapshot_of(model).payload["code"] == "tee"
    product_model_save(
        data={"values": {"name": value("Later", None, "en_US")}}, product_model=model
    )
    model.refresh_from_db()
    assert model.workflow_state == "draft"
    assert "name" not in workflow.snapshot_of(model).payload["channels"]["ecommerce"]["en_US"]


def test_workflow_state_is_not_written_by_edits(catalog):
    product = mug(catalog)
    outcome = save({"sku": product.sku, "workflow_state": "approved"})
    assert [(e["field"], e["code"]) for e in outcome.errors] == [("workflow_state", "read_only")]
    model = product_model_save(data={"code": "tee", "family_variant": "shirts_by_size"})
    with pytest.raises(ValidationError) as refused:
        product_model_save(data={"workflow_state": "approved"}, product_model=model)
    assert codes(refused) == {"read_only"}


# --- API ----------------------------------------------------------------------------------


def test_api_moves_a_product_and_lists_its_log(catalog, api_client):
    product = mug(catalog)
    api_client.force_authenticate(member(roles.PRODUCT_EDITOR))
    response = api_client.post(f"/api/v1/products/{product.sku}/transitions", {"action": "submit"})
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "in_review"
    assert api_client.get(f"/api/v1/products/{product.sku}").json()["workflow_state"] == "in_review"
    [line] = api_client.get(f"/api/v1/products/{product.sku}/transitions").json()
    assert (line["action"], line["from_state"], line["to_state"], line["actor"]) == (
        "submit",
        "draft",
        "in_review",
        "product_editor",
    )


def test_api_status_codes_for_refused_transitions(catalog, api_client):
    product = in_state(mug(catalog), "in_review")
    api_client.force_authenticate(member(roles.PRODUCT_EDITOR))
    url = f"/api/v1/products/{product.sku}/transitions"
    assert api_client.post(url, {"action": "approve"}).status_code == 403  # role lacks it
    assert (
        api_client.post("/api/v1/products/nope/transitions", {"action": "submit"}).status_code
        == 404
    )
    api_client.force_authenticate(member(roles.PRODUCT_DATA_OWNER))
    response = api_client.post(url, {"action": "reject", "comment": "  "})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("comment", "comment_required")
    ]
    assert api_client.post(url, {"action": "fly"}).status_code == 422
    assert api_client.post(url, {"action": "submit", "extra": 1}).status_code == 422
    api_client.force_authenticate(None)
    assert api_client.post(url, {"action": "submit"}).status_code in (401, 403)


def test_api_bulk_transition_reports_each_item(catalog, api_client):
    mug(catalog, "mug-1")
    mug(catalog, "mug-2")
    save({"sku": "shirt-1", "family": "shirts"})
    api_client.force_authenticate(member(roles.PRODUCT_EDITOR))
    response = api_client.post(
        "/api/v1/products/transitions",
        {"action": "submit", "items": ["mug-1", "shirt-1", "ghost", "MUG-2"]},
    )
    assert response.status_code == 200
    report = {row["sku"]: row for row in response.json()}
    assert report["mug-1"] == {"sku": "mug-1", "ok": True, "state": "in_review"}
    assert report["MUG-2"]["ok"] is True
    assert report["shirt-1"]["ok"] is False
    assert {e["code"] for e in report["shirt-1"]["errors"]} == {"incomplete"}
    assert report["ghost"]["errors"][0]["code"] == "not_found"
    assert Product.objects.get(sku="shirt-1").workflow_state == "draft"
    assert WorkflowTransition.objects.count() == 2


def test_api_product_snapshot(catalog, api_client):
    product = in_state(mug(catalog), "in_review")
    api_client.force_authenticate(member(roles.PRODUCT_DATA_OWNER))
    assert api_client.get(f"/api/v1/products/{product.sku}/snapshot").status_code == 404
    api_client.post(f"/api/v1/products/{product.sku}/transitions", {"action": "approve"})
    body = api_client.get(f"/api/v1/products/{product.sku}/snapshot").json()
    assert body["approved_by"] == "product_data_owner"
    assert body["payload"]["channels"]["ecommerce"]["en_US"]["name"] == "Mug"


def test_api_patch_cannot_write_the_workflow_state(catalog, api_client):
    product = mug(catalog)
    api_client.force_authenticate(member(roles.PRODUCT_EDITOR))
    response = api_client.patch(
        f"/api/v1/products/{product.sku}", {"workflow_state": "approved"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "read_only"


def test_api_a_product_named_transitions_is_still_reachable(catalog, api_client):
    mug(catalog, "transitions")
    api_client.force_authenticate(member(roles.VIEWER))
    assert api_client.get("/api/v1/products/transitions").json()["sku"] == "transitions"


def test_api_product_model_transitions(catalog, api_client):
    product_model_save(data={"code": "tee", "family_variant": "shirts_by_size"})
    api_client.force_authenticate(member(roles.PRODUCT_EDITOR))
    response = api_client.post("/api/v1/product-models/tee/transitions", {"action": "submit"})
    assert response.status_code == 200
    bulk = api_client.post(
        "/api/v1/product-models/transitions", {"action": "submit", "items": ["tee"]}
    ).json()
    assert bulk[0]["errors"][0]["code"] == "invalid_transition"


# --- admin --------------------------------------------------------------------------------


def test_admin_actions_report_per_item_and_reject_asks_why(catalog, client):
    draft, reviewed = mug(catalog, "mug-1"), in_state(mug(catalog, "mug-2"), "in_review")
    client.force_login(member(roles.ADMINISTRATOR, is_staff=True))
    response = client.post(
        "/admin/pim/product/",
        {"action": "submit_selected", "_selected_action": [draft.pk, reviewed.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Mug-1: now in review." in text
    assert "Mug-2: Cannot submit an item that is in review" in text
    page = client.post(
        "/admin/pim/product/", {"action": "reject_selected", "_selected_action": [reviewed.pk]}
    )
    assert page.status_code == 200 and 'name="comment"' in page.content.decode()
    client.post(
        "/admin/pim/product/",
        {"action": "reject_selected", "_selected_action": [reviewed.pk], "comment": "Typo"},
    )
    assert Product.objects.get(pk=reviewed.pk).workflow_state == "draft"
    assert WorkflowTransition.objects.get(to_state="draft").comment == "Typo"
    listing = client.get("/admin/pim/product/?workflow_state__exact=draft").content.decode()
    assert "mug-2" in listing


def test_resending_the_same_data_leaves_an_approved_product_approved(catalog, api_client):
    """An import or an integration that re-sends what is stored changes nothing: no new
    version, no audit record, no new draft."""
    product = complete_shirt()
    editor, owner = member(roles.PRODUCT_EDITOR), member(roles.PRODUCT_DATA_OWNER)
    move(editor, product, "submit")
    move(owner, product, "approve")
    product.refresh_from_db()
    version, records = product.version, history(product).count()
    api_client.force_authenticate(editor)
    same = {"values": {"name": value("Shirt fr_FR", locale="fr_FR")}, "enabled": True}
    response = api_client.patch("/api/v1/products/shirt-1", same, format="json")
    assert response.status_code == 200, response.json()
    product.refresh_from_db()
    assert (product.workflow_state, product.version) == ("approved", version)
    assert history(product).count() == records
    changed = {"values": {"name": value("Chemise", locale="fr_FR")}}
    assert api_client.patch("/api/v1/products/shirt-1", changed, format="json").status_code == 200
    product.refresh_from_db()
    assert (product.workflow_state, product.version) == ("draft", version + 1)
