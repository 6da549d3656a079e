"""The audit trail's core: append-only records, the actor and request of each, the shared
language's writes, the trail across objects (`/api/v1/audit`) and its admin."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from governance import services
from governance.audit import (
    acting_as,
    audit_many,
    audit_record,
    diff,
    history,
    recording_as,
    values_diff,
)
from governance.models import (
    ApiKey,
    AuditAction,
    AuditRecord,
    Category,
    Channel,
    Currency,
    Locale,
    Term,
    Vocabulary,
)
from governance.models.audit import AppendOnly
from tests.governance.factories import UserFactory


@pytest.fixture
def reference(db):
    for code in ("en_US", "fr_FR"):
        services.code_entry_create(model=Locale, code=code)
    services.code_entry_create(model=Currency, code="EUR")


def api_key(prefix="tk_audit1"):
    return ApiKey.objects.create(
        name="integration",
        prefix=prefix,
        secret_hash=prefix.ljust(64, "0"),
        scope="write",
        role=Group.objects.get_or_create(name="integration")[0],
    )


def last(obj):
    return history(obj).first()


# --- append-only ---------------------------------------------------------------------------


def test_a_record_cannot_be_saved_again_or_deleted(reference):
    record = last(services.vocabulary_create(code="colors"))
    record.action = AuditAction.DELETE
    with pytest.raises(AppendOnly):
        record.save()
    with pytest.raises(AppendOnly):
        record.delete()
    assert AuditRecord.objects.get(pk=record.pk).action == AuditAction.CREATE


def test_records_cannot_be_changed_or_deleted_in_bulk(reference):
    services.vocabulary_create(code="colors")
    with pytest.raises(AppendOnly):
        AuditRecord.objects.all().update(actor_label="someone else")
    with pytest.raises(AppendOnly):
        AuditRecord.objects.filter(action="create").delete()
    assert AuditRecord.objects.filter(actor_label="someone else").count() == 0


# --- the core ------------------------------------------------------------------------------


def test_diff_and_values_diff_name_every_changed_place():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}
    assert values_diff(
        {"name": {"|en_US": "Tee", "|fr_FR": "T"}},
        {"name": {"|en_US": "Shirt", "|fr_FR": "T"}, "weight": {"ecommerce|": 1}},
    ) == {"values.name[|en_US]": ["Tee", "Shirt"], "values.weight[ecommerce|]": [None, 1]}


def test_an_update_without_changes_records_nothing(reference):
    vocabulary = services.vocabulary_create(code="colors")
    assert audit_record(obj=vocabulary, action=AuditAction.UPDATE, changes={}) is None
    assert audit_many([(vocabulary, AuditAction.UPDATE, {}, None)]) == 0
    assert history(vocabulary).count() == 1


def test_recording_as_turns_updates_into_restores_with_a_note(reference):
    vocabulary = services.vocabulary_create(code="colors")
    with recording_as(action=AuditAction.RESTORE, note={"restored_record": [None, 7]}):
        services.vocabulary_update(vocabulary=vocabulary, changes={"labels": {"en_US": "C"}})
    record = last(vocabulary)
    assert record.action == AuditAction.RESTORE
    assert record.changes == {"labels": [{}, {"en_US": "C"}], "restored_record": [None, 7]}


def test_the_actor_is_a_user_a_key_or_the_system(reference):
    user = UserFactory(username="meta")
    key = api_key()
    with acting_as(user=user):
        by_user = services.vocabulary_create(code="by_user")
    with acting_as(api_key=key):
        by_key = services.vocabulary_create(code="by_key")
    by_system = services.vocabulary_create(code="by_system")
    assert (last(by_user).actor_id, last(by_user).api_key_id, last(by_user).actor_label) == (
        user.pk,
        None,
        "meta",
    )
    assert (last(by_key).actor_id, last(by_key).api_key_id, last(by_key).actor_label) == (
        None,
        key.pk,
        "key:tk_audit1",
    )
    assert (last(by_system).actor_id, last(by_system).api_key_id) == (None, None)
    assert last(by_system).actor_label == "system"


def test_a_task_records_the_system(reference, run_tasks_on_commit):
    from celery import shared_task

    @shared_task
    def create_vocabulary():
        services.vocabulary_create(code="from_task")

    with run_tasks_on_commit(execute=True):
        create_vocabulary.delay_on_commit()
    record = last(Vocabulary.objects.get(code="from_task"))
    assert (record.actor_label, record.actor_id, record.api_key_id) == ("system", None, None)


# --- the shared language's writes -----------------------------------------------------------


def test_vocabulary_and_term_writes_through_the_api_are_audited(reference, api_client):
    user = UserFactory(
        username="taxonomist",
        permissions=[
            f"governance.{a}_{m}"
            for a in ("add", "change", "delete", "view")
            for m in ("vocabulary", "term")
        ],
    )
    api_client.force_login(user)
    response = api_client.post("/api/v1/vocabularies", {"code": "colors"}, format="json")
    assert response.status_code == 201, response.json()
    vocabulary = Vocabulary.objects.get(code="colors")
    created = last(vocabulary)
    assert (created.action, created.actor_id) == (AuditAction.CREATE, user.pk)
    assert created.request_id == response["X-Request-ID"]
    assert created.changes == {
        "code": [None, "colors"],
        "labels": [None, {}],
        "is_governed": [None, False],
    }

    api_client.patch("/api/v1/vocabularies/colors", {"labels": {"en_US": "Colours"}}, format="json")
    assert last(vocabulary).changes == {"labels": [{}, {"en_US": "Colours"}]}

    url = "/api/v1/vocabularies/colors/terms"
    assert api_client.post(url, {"code": "red"}, format="json").status_code == 201
    term = Term.objects.get(code="red")
    assert last(term).changes["vocabulary"] == [None, "colors"]
    api_client.patch(f"{url}/red", {"is_deprecated": True}, format="json")
    assert last(term).changes == {"is_deprecated": [False, True]}
    assert api_client.delete(f"{url}/red").status_code == 204
    deleted = last(term)
    assert deleted.action == AuditAction.DELETE
    assert deleted.changes["code"] == ["red", None]
    assert api_client.delete("/api/v1/vocabularies/colors").status_code == 204
    assert last(vocabulary).action == AuditAction.DELETE


def test_category_writes_record_labels_and_moves(reference):
    services.category_create(code="master")
    services.category_create(code="other")
    summer = services.category_create(code="summer", parent="master", labels={"en_US": "Summer"})
    assert last(summer).changes == {
        "code": [None, "summer"],
        "labels": [None, {"en_US": "Summer"}],
        "is_governed": [None, False],
        "parent": [None, "master"],
    }
    summer = Category.objects.get(code="summer")
    services.category_update(category=summer, changes={}, parent="other")
    assert last(summer).changes == {"parent": ["master", "other"]}
    services.category_delete(category=Category.objects.get(code="summer"))
    assert last(summer).action == AuditAction.DELETE


def test_channel_writes_record_locales_currencies_and_tree(reference):
    services.category_create(code="master")
    channel = services.channel_create(code="web", locales=["en_US"], currencies=["EUR"])
    assert last(channel).changes["locales"] == [None, ["en_US"]]
    services.channel_update(
        channel=channel,
        changes={"label": "Web"},
        locales=["en_US", "fr_FR"],
        category_tree="master",
    )
    assert last(channel).changes == {
        "label": ["", "Web"],
        "locales": [["en_US"], ["en_US", "fr_FR"]],
        "category_tree": [None, "master"],
    }
    services.channel_delete(channel=Channel.objects.get(code="web"))
    assert last(channel).action == AuditAction.DELETE


def test_locale_and_currency_writes_are_audited(reference):
    locale = Locale.objects.get(code="fr_FR")
    services.code_entry_update(entry=locale, changes={"is_active": False})
    assert last(locale).changes == {"is_active": [True, False]}
    assert last(Currency.objects.get(code="EUR")).action == AuditAction.CREATE


# --- across objects -------------------------------------------------------------------------


@pytest.fixture
def auditor(api_client, db):
    api_client.force_authenticate(
        UserFactory(username="auditor", permissions=["governance.view_auditrecord"])
    )
    return api_client


def test_the_trail_across_objects_filters_by_object_actor_action_and_request(reference, auditor):
    with acting_as(user=UserFactory(username="meta")):
        colors = services.vocabulary_create(code="colors")
        services.vocabulary_update(vocabulary=colors, changes={"labels": {"en_US": "C"}})
    with acting_as(api_key=api_key("tk_other")):
        services.vocabulary_create(code="sizes")

    def listed(query):
        response = auditor.get(f"/api/v1/audit?{query}")
        assert response.status_code == 200, response.json()
        return [(r["object_repr"], r["action"]) for r in response.json()["results"]]

    assert listed(f"object_type=vocabulary&object_id={colors.pk}") == [
        ("colors", "update"),
        ("colors", "create"),
    ]
    assert listed("object_type=governance.vocabulary&actor=meta") == [
        ("colors", "update"),
        ("colors", "create"),
    ]
    assert listed("actor=tk_other") == [("sizes", "create")]
    assert listed("object_type=vocabulary&action=update") == [("colors", "update")]
    entry = auditor.get("/api/v1/audit?actor=tk_other").json()["results"][0]
    assert entry["object_type"] == "governance.vocabulary"
    assert (entry["actor_kind"], entry["api_key_prefix"]) == ("api_key", "tk_other")
    assert "state" not in entry


def test_the_trail_finds_a_requests_records(reference, auditor, client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    written = client.post("/api/v1/vocabularies", {"code": "x"}, content_type="application/json")
    assert written.status_code == 201
    client.post("/api/v1/vocabularies", {"code": "y"}, content_type="application/json")
    found = auditor.get(f"/api/v1/audit?request_id={written['X-Request-ID']}").json()["results"]
    assert [(r["object_repr"], r["action"]) for r in found] == [("x", "create")]
    refused = auditor.post("/api/v1/vocabularies", {"code": "z"}, format="json")
    assert refused.status_code == 403  # the auditor only reads; nothing was recorded
    assert (
        auditor.get(f"/api/v1/audit?request_id={refused['X-Request-ID']}").json()["results"] == []
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("object_type=nothing", "object_type"),
        ("object_id=abc", "object_id"),
        ("object_id=3", "object_type"),
    ],
)
def test_bad_filters_answer_422(auditor, query, field):
    response = auditor.get(f"/api/v1/audit?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_the_trail_needs_the_view_auditrecord_permission(api_client, db):
    api_client.force_authenticate(UserFactory(username="editor", permissions=["pim.view_product"]))
    assert api_client.get("/api/v1/audit").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/audit").status_code in (401, 403)


# --- admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_audit_records_are_read_only_in_the_admin(reference, admin_client):
    record = last(services.vocabulary_create(code="colors"))
    assert admin_client.get("/admin/governance/auditrecord/add/").status_code == 403
    response = admin_client.get(f"/admin/governance/auditrecord/{record.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content  # viewed, not edited
    assert (
        admin_client.post(
            f"/admin/governance/auditrecord/{record.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_the_admin_lists_records_filtered_and_searched(reference, admin_client):
    services.vocabulary_create(code="colors")
    services.vocabulary_create(code="sizes")
    content_type = ContentType.objects.get_for_model(Vocabulary)
    response = admin_client.get(
        f"/admin/governance/auditrecord/?action=create&content_type__id__exact={content_type.pk}&q=colors"
    )
    assert response.status_code == 200
    assert b"colors" in response.content and b"sizes" not in response.content


def test_an_objects_admin_history_page_shows_its_audit_trail(reference, admin_client):
    vocabulary = services.vocabulary_create(code="colors")
    services.vocabulary_update(vocabulary=vocabulary, changes={"labels": {"en_US": "Colours"}})
    response = admin_client.get(f"/admin/governance/vocabulary/{vocabulary.pk}/history/")
    assert response.status_code == 200
    assert b"Colours" in response.content and b"labels" in response.content
