"""The workflow engine: four-eyes, every reason of a refusal at once, the log, the audit trail,
domain events (written iff the transaction commits), bulk reports, notifications and email,
and the channel's approval threshold. Products are the objects moved (any registered model
behaves the same)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from governance import roles, services, workflow
from governance.audit import acting_as, audit_record
from governance.models import (
    AuditRecord,
    Category,
    CategoryUserObjectPermission,
    Channel,
    Event,
    Notification,
    PublishedSnapshot,
    WorkflowTransition,
)
from governance.policies import WORK_IN_CATEGORY
from pim.models import Product
from tests.governance.factories import CategoryFactory, LocaleFactory
from tests.governance.people import member
from tests.pim.builders import save, value
from tests.pim.conftest import catalog  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(catalog):  # noqa: F811
    outcome = save(
        {"sku": "mug-1", "family": "mugs", "values": {"name": value("Mug", None, "en_US")}}
    )
    assert outcome.ok, outcome.errors
    return outcome.product


@pytest.fixture
def editor(db):
    return member(roles.PRODUCT_EDITOR)


@pytest.fixture
def owner(db):
    return member(roles.PRODUCT_DATA_OWNER)


def move(user, obj, action, comment=""):
    with acting_as(user=user):
        return workflow.transition(obj=obj, action=action, comment=comment)


def refusal(user, obj, action, comment="") -> list[dict]:
    with pytest.raises(ValidationError) as refused:
        move(user, obj, action, comment)
    return workflow.error_list(refused.value)


def test_the_submitter_may_not_approve_someone_else_may(product, owner):
    move(owner, product, "submit")
    assert [e["code"] for e in refusal(owner, product, "approve")] == ["four_eyes_submitter"]
    assert [e["code"] for e in refusal(owner, product, "reject", "no")] == ["four_eyes_submitter"]
    move(member(roles.PRODUCT_DATA_OWNER, "second_owner"), product, "approve")
    assert product.workflow_state == "approved"


def test_the_last_editor_may_not_approve(product, editor, owner):
    move(editor, product, "submit")
    with acting_as(user=owner):
        audit_record(obj=product, action="update", changes={"enabled": [True, False]})
    assert [e["code"] for e in refusal(owner, product, "approve")] == ["four_eyes_editor"]


def test_four_eyes_can_be_switched_off(product, owner, settings):
    settings.TESSERA_FOUR_EYES = False
    move(owner, product, "submit")
    move(owner, product, "approve")
    assert product.workflow_state == "approved"


def test_a_refusal_lists_every_reason_at_once(catalog, settings):  # noqa: F811
    outcome = save({"sku": "shirt-1", "family": "shirts"})
    product = outcome.product
    Product.objects.filter(pk=product.pk).update(workflow_state="approved")
    product.refresh_from_db()
    viewer = member(roles.VIEWER)
    errors = refusal(viewer, product, "approve")
    found = [(e["field"], e["code"]) for e in errors]
    assert ("workflow_state", "invalid_transition") in found
    assert (None, "permission_denied") in found
    assert sum(code == "incomplete" for _, code in found) == 3  # one per channel × locale
    assert len(found) == 5


def test_a_transition_is_logged_audited_and_announced(product, editor):
    with acting_as(user=editor):
        workflow.transition(obj=product, action="submit", comment="ready")
    record = WorkflowTransition.objects.get()
    assert (record.from_state, record.to_state, record.actor, record.comment) == (
        "draft",
        "in_review",
        editor,
        "ready",
    )
    audit = AuditRecord.objects.get(action="transition")
    assert audit.changes == {"workflow_state": ["draft", "in_review"]}
    assert audit.actor_id == editor.pk
    event = Event.objects.get(name="pim.product.submitted")
    assert (event.object_type, event.object_ref) == ("product", "mug-1")
    assert event.payload["to"] == "in_review"


def test_the_event_is_written_iff_the_transaction_commits(product, editor):
    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        move(editor, product, "submit")
        raise Abandon
    assert not Event.objects.filter(name="pim.product.submitted").exists()
    assert not WorkflowTransition.objects.exists()
    assert Product.objects.get(pk=product.pk).workflow_state == "draft"
    move(editor, product, "submit")
    assert Event.objects.filter(name="pim.product.submitted").count() == 1


def test_each_transition_has_its_own_event(product, editor, owner):
    move(editor, product, "submit")
    move(owner, product, "reject", "again")
    move(editor, product, "submit")
    assert Event.objects.filter(name="pim.product.submitted").count() == 2
    assert Event.objects.filter(name="pim.product.rejected").count() == 1


def test_bulk_reports_each_item_and_a_failure_stops_nothing(catalog, editor):  # noqa: F811
    good = save({"sku": "mug-1", "family": "mugs"}).product
    bad = save({"sku": "shirt-1", "family": "shirts"}).product
    other = save({"sku": "mug-2", "family": "mugs"}).product
    with acting_as(user=editor):
        reports = workflow.transition_many(objects=[good, bad, other], action="submit")
    assert [(r.obj.sku, r.ok, r.state) for r in reports] == [
        ("mug-1", True, "in_review"),
        ("shirt-1", False, "draft"),
        ("mug-2", True, "in_review"),
    ]
    assert {e["code"] for e in reports[1].errors} == {"incomplete"}
    assert Event.objects.filter(name="pim.product.submitted").count() == 2


def test_a_bulk_transition_is_bounded_for_every_entry_point(catalog, editor, monkeypatch):  # noqa: F811
    monkeypatch.setattr(workflow, "MAX_BULK_ITEMS", 1)  # the admin's "select all" meets it too
    mugs = [save({"sku": f"mug-{n}", "family": "mugs"}).product for n in (1, 2)]
    with acting_as(user=editor), pytest.raises(ValidationError) as refused:
        workflow.transition_many(objects=mugs, action="submit")
    assert refused.value.error_dict["items"][0].code == "too_many"
    assert not Event.objects.filter(name="pim.product.submitted").exists()


def test_submitting_notifies_the_reviewers_in_scope_by_row_and_mail(
    product, editor, owner, django_capture_on_commit_callbacks
):
    admin_user = member(roles.ADMINISTRATOR)
    boss = member(roles.VIEWER, "boss", is_superuser=True)
    elsewhere = member(roles.PRODUCT_DATA_OWNER, "owner_elsewhere")
    tree = CategoryFactory(code="garden")
    CategoryUserObjectPermission.objects.create(
        user=elsewhere,
        content_object=tree,
        permission=_permission(WORK_IN_CATEGORY),
    )
    member(roles.PRODUCT_EDITOR, "other_editor")
    with django_capture_on_commit_callbacks(execute=True):
        move(editor, product, "submit")
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {owner.username, admin_user.username, boss.username}
    assert Notification.objects.filter(verb="review_requested").count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"{u.username}@example.com" for u in (owner, admin_user, boss)
    )
    assert "mug-1" in mail.outbox[0].subject


def _permission(codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.get(codename=codename, content_type__app_label="governance")


def test_no_mail_leaves_when_the_transition_rolls_back(
    product, editor, owner, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        move(editor, product, "submit")
        raise RuntimeError
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_rejection_notifies_the_submitter_with_the_comment(
    product, editor, owner, django_capture_on_commit_callbacks
):
    move(editor, product, "submit")
    with django_capture_on_commit_callbacks(execute=True):
        move(owner, product, "reject", "Photos missing")
    note = Notification.objects.get(verb="rejected")
    assert note.recipient == editor and "Photos missing" in note.message
    assert mail.outbox[-1].to == [editor.email]


@pytest.mark.parametrize(("action", "comment"), [("approve", ""), ("reject", "Blurry")])
def test_leaving_review_settles_the_review_requests_for_everyone(
    product, editor, owner, action, comment
):
    other = member(roles.PRODUCT_DATA_OWNER, "second_owner")
    move(editor, product, "submit")
    unread = Notification.objects.filter(verb="review_requested", read_at__isnull=True)
    assert set(unread.values_list("recipient", flat=True)) == {owner.pk, other.pk}
    move(other, product, action, comment)
    assert not unread.exists()  # nobody is left asked to review what was decided


def test_rejection_needs_a_comment(product, editor, owner):
    move(editor, product, "submit")
    assert [e["code"] for e in refusal(owner, product, "reject", " ")] == ["comment_required"]


def test_approval_writes_one_snapshot_and_reapproval_replaces_it(product, editor, owner):
    move(editor, product, "submit")
    move(owner, product, "approve")
    first = PublishedSnapshot.objects.get()
    assert first.approved_by == owner and first.revision == product.version
    move(owner, product, "retire")
    assert not PublishedSnapshot.objects.exists()
    move(owner, product, "reopen")
    move(editor, product, "submit")
    move(owner, product, "approve")
    assert PublishedSnapshot.objects.get().revision == product.version


def test_the_system_cannot_move_the_workflow(product):
    with pytest.raises(ValidationError) as refused:
        workflow.transition(obj=product, action="submit")
    assert [e["code"] for e in workflow.error_list(refused.value)] == ["actor_required"]


def test_an_owner_outside_the_products_categories_may_not_act(product):
    scoped = member(roles.PRODUCT_DATA_OWNER, "scoped")
    tree = CategoryFactory(code="garden")
    CategoryUserObjectPermission.objects.create(
        user=scoped, content_object=tree, permission=_permission(WORK_IN_CATEGORY)
    )
    assert [e["code"] for e in refusal(scoped, product, "retire")] == ["out_of_scope"]
    product.categories.add(Category.objects.get(code="garden"))
    move(member(roles.PRODUCT_DATA_OWNER, "scoped"), product, "retire")


# --- notifications API -----------------------------------------------------------------


def test_notifications_api_lists_only_my_own_and_marks_them_read(
    product, editor, owner, api_client
):
    move(editor, product, "submit")
    move(member(roles.PRODUCT_DATA_OWNER, "other_owner"), product, "reject", "no")
    api_client.force_authenticate(owner)
    [mine] = api_client.get("/api/v1/notifications").json()["results"]
    assert mine["verb"] == "review_requested" and mine["object_type"] == "pim.product"
    editor_note = Notification.objects.get(recipient=editor)
    assert api_client.post(f"/api/v1/notifications/{editor_note.pk}/read").status_code == 404
    response = api_client.post(f"/api/v1/notifications/{mine['id']}/read")
    assert response.status_code == 200 and response.json()["read_at"]
    assert api_client.get("/api/v1/notifications?unread=true").json()["results"] == []
    assert len(api_client.get("/api/v1/notifications").json()["results"]) == 1
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/notifications").status_code in (401, 403)


# --- channel approval threshold -----------------------------------------------------------


@pytest.mark.parametrize("minimum", [-1, 101, "high", True])
def test_the_channel_threshold_is_a_percentage(db, minimum):
    LocaleFactory(code="en_US")
    with pytest.raises(ValidationError) as refused:
        services.channel_create(code="web", locales=["en_US"], approval_min_completeness=minimum)
    assert "approval_min_completeness" in refused.value.error_dict
    assert not Channel.objects.exists()


def test_the_channel_threshold_through_the_api(db, staff_client):
    LocaleFactory(code="en_US")
    body = {"code": "web", "locales": ["en_US"], "approval_min_completeness": 80}
    created = staff_client.post("/api/v1/channels", body, format="json")
    assert created.status_code == 201 and created.json()["approval_min_completeness"] == 80
    changed = staff_client.patch(
        "/api/v1/channels/web", {"approval_min_completeness": 150}, format="json"
    )
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["field"] == "approval_min_completeness"
    ok = staff_client.patch("/api/v1/channels/web", {"approval_min_completeness": 0}, format="json")
    assert ok.json()["approval_min_completeness"] == 0


def test_the_channel_threshold_in_the_admin(db, admin_client):
    en = LocaleFactory(code="en_US")
    data = {"code": "web", "label": "", "locales": [en.pk], "approval_min_completeness": "90"}
    assert admin_client.post("/admin/governance/channel/add/", data).status_code == 302
    assert Channel.objects.get(code="web").approval_min_completeness == 90
    refused = admin_client.post(
        "/admin/governance/channel/add/",
        {**data, "code": "app", "approval_min_completeness": "120"},
    )
    assert "A percentage" in refused.content.decode()
