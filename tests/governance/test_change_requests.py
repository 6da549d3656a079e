"""Governed vocabularies and category trees: change requests filed, checked, approved (applied
in one transaction) or rejected; direct writes refused."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from governance import services
from governance.audit import acting_as, history
from governance.change_requests import (
    change_request_approve,
    change_request_reject,
    change_request_submit,
)
from governance.governed import change_request_applying
from governance.models import (
    AuditAction,
    Category,
    ChangeRequest,
    ChangeRequestStatus,
    Event,
    Term,
    Vocabulary,
)
from governance.roles import METADATA_MANAGER, PRODUCT_EDITOR, VIEWER
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db


def member(username: str, role: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor(db):
    return member("editor", PRODUCT_EDITOR)


@pytest.fixture
def manager(db):
    return member("manager", METADATA_MANAGER)


@pytest.fixture
def colours(locales):
    """A governed vocabulary: red, crimson, blue, and navy (deprecated)."""
    vocabulary = services.vocabulary_create(code="colours")
    for order, code in enumerate(["red", "crimson", "blue", "navy"]):
        services.term_create(
            vocabulary=vocabulary, code=code, labels={"en_US": code.title()}, sort_order=order
        )
    services.term_update(term=Term.objects.get(code="navy"), changes={"is_deprecated": True})
    return services.vocabulary_update(vocabulary=vocabulary, changes={"is_governed": True})


@pytest.fixture
def tree(locales):
    """A governed tree: catalog > (clothing > (shirts, tees), home)."""
    root = services.category_create(code="catalog")
    services.category_create(code="clothing", parent="catalog", labels={"en_US": "Clothing"})
    services.category_create(code="shirts", parent="clothing")
    services.category_create(code="tees", parent="clothing")
    services.category_create(code="home", parent="catalog")
    return services.category_update(category=root, changes={"is_governed": True})


def submit(user, **kwargs):
    with acting_as(user=user):
        return change_request_submit(**kwargs)


def approve(user, change_request, comment=""):
    with acting_as(user=user):
        return change_request_approve(change_request=change_request, comment=comment)


def error_codes(exc: ValidationError) -> set[tuple[str, str]]:
    return {(field, e.code) for field, errors in exc.error_dict.items() for e in errors}


def terms(vocabulary="colours") -> dict:
    return {t.code: t for t in Term.objects.filter(vocabulary__code=vocabulary)}


# Each kind, for vocabularies --------------------------------------------------------------------


def test_an_editor_files_and_a_manager_approves_a_new_term(colours, editor, manager):
    request = submit(
        editor,
        vocabulary=colours,
        kind="add",
        payload={"code": "teal", "labels": {"en_US": "Teal"}, "sort_order": 7},
        reason="New season",
    )
    assert request.status == ChangeRequestStatus.PENDING
    assert request.requested_by == editor
    assert "teal" not in terms()

    approve(manager, request, comment="ok")

    request.refresh_from_db()
    teal = terms()["teal"]
    assert (teal.labels, teal.sort_order) == ({"en_US": "Teal"}, 7)
    assert request.status == ChangeRequestStatus.APPLIED
    assert request.decided_by == manager
    assert request.decided_at is not None
    assert request.decision_comment == "ok"
    actions = [(r.action, r.actor_id) for r in history(request)]
    assert actions == [(AuditAction.UPDATE, manager.pk), (AuditAction.CREATE, editor.pk)]
    assert history(request)[0].changes["status"] == ["pending", "applied"]
    assert set(Event.objects.filter(object_ref=str(request.pk)).values_list("name", flat=True)) == {
        "governance.change_request.submitted",
        "governance.change_request.applied",
    }


def test_a_rename_merges_labels_per_locale(colours, editor, manager):
    request = submit(
        editor,
        vocabulary=colours,
        kind="rename",
        payload={"code": "red", "labels": {"fr_FR": "Rouge", "en_US": None}},
    )
    approve(manager, request)
    assert terms()["red"].labels == {"fr_FR": "Rouge"}


def test_deprecating_a_term(colours, editor, manager):
    approve(manager, submit(editor, vocabulary=colours, kind="deprecate", payload={"code": "red"}))
    assert terms()["red"].is_deprecated


def test_merging_terms_deletes_the_sources(colours, editor, manager):
    request = submit(
        editor,
        vocabulary=colours,
        kind="merge",
        payload={"sources": ["red", "red", "blue"], "target": "crimson"},
    )
    assert request.payload["sources"] == ["red", "blue"]
    approve(manager, request)
    assert sorted(terms()) == ["crimson", "navy"]


def test_a_merge_source_something_still_holds_is_deprecated_instead(colours, editor, manager):
    from django.db.models.signals import pre_delete

    def veto(sender, instance, **kwargs):
        if instance.code == "blue":
            raise ValidationError("still used", code="in_use")

    pre_delete.connect(veto, sender=Term, dispatch_uid="test-veto")
    try:
        request = submit(
            editor,
            vocabulary=colours,
            kind="merge",
            payload={"sources": ["red", "blue"], "target": "crimson"},
        )
        approve(manager, request)
    finally:
        pre_delete.disconnect(sender=Term, dispatch_uid="test-veto")
    left = terms()
    assert "red" not in left
    assert left["blue"].is_deprecated


# Each kind, for category trees ------------------------------------------------------------------


def test_adding_a_category_defaults_to_under_the_root(tree, editor, manager):
    approve(manager, submit(editor, category_tree=tree, kind="add", payload={"code": "garden"}))
    approve(
        manager,
        submit(
            editor,
            category_tree=tree,
            kind="add",
            payload={"code": "polos", "parent": "clothing", "labels": {"en_US": "Polos"}},
        ),
    )
    garden, polos = Category.objects.get(code="garden"), Category.objects.get(code="polos")
    assert Category.objects.get_parent(garden).code == "catalog"
    assert Category.objects.get_parent(polos).code == "clothing"
    assert polos.labels == {"en_US": "Polos"}


def test_renaming_and_deleting_categories(tree, editor, manager):
    approve(
        manager,
        submit(
            editor,
            category_tree=tree,
            kind="rename",
            payload={"code": "clothing", "labels": {"fr_FR": "Vêtements"}},
        ),
    )
    approve(manager, submit(editor, category_tree=tree, kind="deprecate", payload={"code": "home"}))
    assert Category.objects.get(code="clothing").labels == {
        "en_US": "Clothing",
        "fr_FR": "Vêtements",
    }
    assert not Category.objects.filter(code="home").exists()


def test_merging_categories_deletes_the_sources(tree, editor, manager):
    approve(
        manager,
        submit(
            editor,
            category_tree=tree,
            kind="merge",
            payload={"sources": ["shirts", "tees"], "target": "home"},
        ),
    )
    assert sorted(Category.objects.values_list("code", flat=True)) == [
        "catalog",
        "clothing",
        "home",
    ]


# Invalid payloads -------------------------------------------------------------------------------

VOCABULARY_CASES = [
    ("add", {"code": "red"}, "payload.code", "unique"),
    ("add", {"code": "Not A Code"}, "payload.code", "invalid_code"),
    ("add", {"code": "teal", "labels": {"xx_XX": "Teal"}}, "payload.labels", "unknown_locale"),
    ("add", {"code": "teal", "labels": {"en_US": ""}}, "payload.labels", "invalid_labels"),
    ("add", {"code": "teal", "sort_order": -1}, "payload.sort_order", "invalid"),
    ("add", {"code": "teal", "parent": "red"}, "payload.parent", "unknown_field"),
    ("add", {"code": "teal", "colour": "x"}, "payload.colour", "unknown_field"),
    ("add", {}, "payload.code", "required"),
    ("add", {"code": 5}, "payload.code", "invalid"),
    ("rename", {"code": "teal", "labels": {"en_US": "Teal"}}, "payload.code", "unknown"),
    ("rename", {"code": "red"}, "payload.labels", "required"),
    ("rename", {"code": "red", "labels": {"en_US": "Red"}}, "payload.labels", "no_change"),
    ("deprecate", {"code": "navy"}, "payload.code", "already_deprecated"),
    ("deprecate", {"code": "teal"}, "payload.code", "unknown"),
    ("merge", {"sources": ["red"], "target": "red"}, "payload.target", "target_in_sources"),
    ("merge", {"sources": ["red"], "target": "teal"}, "payload.target", "unknown"),
    ("merge", {"sources": ["teal"], "target": "red"}, "payload.sources", "unknown"),
    ("merge", {"sources": ["cotton"], "target": "red"}, "payload.sources", "other_vocabulary"),
    ("merge", {"sources": ["red"], "target": "navy"}, "payload.target", "target_deprecated"),
    ("merge", {"sources": [], "target": "red"}, "payload.sources", "required"),
    ("merge", {"sources": "red", "target": "blue"}, "payload.sources", "invalid"),
    ("shuffle", {"code": "red"}, "kind", "invalid_choice"),
]


@pytest.mark.parametrize(("kind", "payload", "field", "code"), VOCABULARY_CASES)
def test_an_invalid_vocabulary_change_is_refused_when_filed(
    colours, editor, kind, payload, field, code
):
    materials = services.vocabulary_create(code="materials")
    services.term_create(vocabulary=materials, code="cotton")
    with pytest.raises(ValidationError) as refused:
        submit(editor, vocabulary=colours, kind=kind, payload=payload)
    assert (field, code) in error_codes(refused.value)
    assert not ChangeRequest.objects.exists()


TREE_CASES = [
    ("add", {"code": "home"}, "payload.code", "unique"),
    ("add", {"code": "garden", "parent": "elsewhere"}, "payload.parent", "other_tree"),
    ("add", {"code": "garden", "parent": "nowhere"}, "payload.parent", "unknown"),
    ("add", {"code": "garden", "sort_order": 1}, "payload.sort_order", "unknown_field"),
    ("rename", {"code": "elsewhere", "labels": {"en_US": "X"}}, "payload.code", "other_tree"),
    ("deprecate", {"code": "clothing"}, "payload.code", "has_children"),
    ("deprecate", {"code": "catalog"}, "payload.code", "is_root"),
    ("merge", {"sources": ["clothing"], "target": "home"}, "payload.sources", "has_children"),
    ("merge", {"sources": ["shirts"], "target": "elsewhere"}, "payload.target", "other_tree"),
    ("merge", {"sources": ["shirts"], "target": "shirts"}, "payload.target", "target_in_sources"),
    ("merge", {"sources": ["ghost"], "target": "home"}, "payload.sources", "unknown"),
]


@pytest.mark.parametrize(("kind", "payload", "field", "code"), TREE_CASES)
def test_an_invalid_tree_change_is_refused_when_filed(tree, editor, kind, payload, field, code):
    services.category_create(code="elsewhere")
    with pytest.raises(ValidationError) as refused:
        submit(editor, category_tree=tree, kind=kind, payload=payload)
    assert (field, code) in error_codes(refused.value)


def test_every_problem_is_reported_at_once(colours, editor):
    with pytest.raises(ValidationError) as refused:
        submit(
            editor,
            vocabulary=colours,
            kind="merge",
            payload={"sources": ["teal", "red"], "target": "red"},
        )
    assert error_codes(refused.value) == {
        ("payload.sources", "unknown"),
        ("payload.target", "target_in_sources"),
    }


def test_the_target_must_be_one_governed_vocabulary_or_tree(colours, tree, editor):
    plain = services.vocabulary_create(code="plain")
    plain_tree = services.category_create(code="plain_tree")
    cases = [
        ({"vocabulary": plain}, ("vocabulary", "not_governed")),
        ({"category_tree": plain_tree}, ("category_tree", "not_governed")),
        ({"category_tree": Category.objects.get(code="clothing")}, ("category_tree", "not_a_tree")),
        ({"vocabulary": colours, "category_tree": tree}, ("__all__", "one_target")),
        ({}, ("__all__", "one_target")),
    ]
    for target, expected in cases:
        with pytest.raises(ValidationError) as refused:
            submit(editor, kind="add", payload={"code": "new_one"}, **target)
        assert expected in error_codes(refused.value), target


# Approval rules -------------------------------------------------------------------------------


def test_a_change_that_no_longer_applies_is_refused_and_stays_pending(colours, editor, manager):
    first = submit(editor, vocabulary=colours, kind="add", payload={"code": "teal"})
    second = submit(editor, vocabulary=colours, kind="add", payload={"code": "teal"})
    approve(manager, first)
    with pytest.raises(ValidationError) as refused:
        approve(manager, second)
    assert ("payload.code", "unique") in error_codes(refused.value)
    second.refresh_from_db()
    assert (second.status, second.decided_by) == (ChangeRequestStatus.PENDING, None)


def test_the_requester_may_not_approve_their_own_request(colours, manager, settings):
    request = submit(manager, vocabulary=colours, kind="add", payload={"code": "teal"})
    with pytest.raises(ValidationError) as refused:
        approve(manager, request)
    assert error_codes(refused.value) == {("__all__", "four_eyes")}
    assert "teal" not in terms()

    settings.TESSERA_FOUR_EYES = False
    approve(manager, request)
    assert "teal" in terms()


def test_an_editor_may_file_but_not_decide(colours, editor):
    other = member("other_editor", PRODUCT_EDITOR)
    request = submit(other, vocabulary=colours, kind="add", payload={"code": "teal"})
    with pytest.raises(PermissionDenied):
        approve(editor, request)
    with pytest.raises(PermissionDenied), acting_as(user=editor):
        change_request_reject(change_request=request, comment="no")
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.PENDING


def test_rejecting_needs_a_comment_and_changes_nothing(colours, editor, manager):
    request = submit(editor, vocabulary=colours, kind="deprecate", payload={"code": "red"})
    for comment in ("", "   "):
        with pytest.raises(ValidationError) as refused, acting_as(user=manager):
            change_request_reject(change_request=request, comment=comment)
        assert error_codes(refused.value) == {("comment", "required")}
    with acting_as(user=manager):
        change_request_reject(change_request=request, comment="Red is still sold")
    request.refresh_from_db()
    assert (request.status, request.decision_comment) == ("rejected", "Red is still sold")
    assert not terms()["red"].is_deprecated
    assert Event.objects.filter(name="governance.change_request.rejected").count() == 1


def test_a_decided_request_is_not_decided_again(colours, editor, manager):
    request = submit(editor, vocabulary=colours, kind="deprecate", payload={"code": "red"})
    approve(manager, request)
    for decide in (
        lambda: approve(manager, request),
        lambda: change_request_reject(change_request=request, comment="late"),
    ):
        with pytest.raises(ValidationError) as refused, acting_as(user=manager):
            decide()
        assert error_codes(refused.value) == {("__all__", "not_pending")}


# The guard on direct writes ---------------------------------------------------------------------


def governed_refusal(write) -> None:
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        write()
    assert error_codes(refused.value) == {("__all__", "governed")}
    return refused.value


def test_every_direct_term_write_on_a_governed_vocabulary_is_refused(colours):
    red = terms()["red"]
    refusal = governed_refusal(lambda: services.term_create(vocabulary=colours, code="teal"))
    assert refusal.messages == ["Vocabulary colours is governed: submit a change request."]
    governed_refusal(lambda: services.term_update(term=red, changes={"labels": {"en_US": "R"}}))
    governed_refusal(lambda: services.term_update(term=red, changes={"is_deprecated": True}))
    governed_refusal(lambda: services.term_delete(term=red))
    assert sorted(terms()) == ["blue", "crimson", "navy", "red"]
    assert terms()["red"].labels == {"en_US": "Red"}


def test_a_governed_vocabulary_still_reorders_and_can_be_ungoverned(colours):
    services.term_update(term=terms()["red"], changes={"sort_order": 9})
    services.term_update(term=terms()["red"], changes={"labels": {"en_US": "Red"}})  # no change
    services.vocabulary_update(vocabulary=colours, changes={"is_governed": False})
    services.term_create(vocabulary=colours, code="teal")
    assert terms()["red"].sort_order == 9
    assert "teal" in terms()


def test_the_guard_reads_the_stored_vocabulary(colours):
    stale = Vocabulary.objects.get(pk=colours.pk)
    stale.is_governed = False  # an instance read before the vocabulary was governed
    governed_refusal(lambda: services.term_create(vocabulary=stale, code="teal"))


def test_every_direct_category_write_in_a_governed_tree_is_refused(tree):
    shirts = Category.objects.get(code="shirts")
    services.category_create(code="outside")
    refusal = governed_refusal(lambda: services.category_create(code="x", parent="shirts"))
    assert refusal.messages == ["Category tree catalog is governed: submit a change request."]
    governed_refusal(
        lambda: services.category_update(category=shirts, changes={"labels": {"en_US": "S"}})
    )
    governed_refusal(lambda: services.category_update(category=shirts, changes={}, parent="home"))
    governed_refusal(lambda: services.category_update(category=shirts, changes={}, parent=None))
    governed_refusal(
        lambda: services.category_update(
            category=Category.objects.get(code="outside"), changes={}, parent="home"
        )
    )
    governed_refusal(lambda: services.category_delete(category=shirts))
    governed_refusal(lambda: services.category_delete(category=tree))
    assert Category.objects.count() == 6


def test_only_a_root_is_governed(db):
    services.category_create(code="outside")
    inside = services.category_create(code="inside", parent="outside")
    for write in (
        lambda: services.category_update(category=inside, changes={"is_governed": True}),
        lambda: services.category_create(code="x", parent="outside", is_governed=True),
    ):
        with pytest.raises(ValidationError) as refused:
            write()
        assert error_codes(refused.value) == {("is_governed", "not_a_tree")}


def test_the_change_request_service_passes_the_guard(colours):
    with change_request_applying():
        services.term_create(vocabulary=colours, code="teal")
    assert "teal" in terms()
    governed_refusal(lambda: services.term_create(vocabulary=colours, code="mint"))


def test_ungoverning_a_tree_opens_it_again(tree):
    services.category_update(category=tree, changes={"is_governed": False})
    services.category_create(code="garden", parent="catalog")
    assert Category.objects.filter(code="garden").exists()


# API --------------------------------------------------------------------------------------------


def client_for(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def problem_codes(response) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_api_files_lists_approves_and_rejects(api_client, colours, editor, manager):
    client = client_for(api_client, editor)
    response = client.post(
        "/api/v1/change-requests",
        {"vocabulary": "colours", "kind": "add", "payload": {"code": "teal"}, "reason": "why"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["vocabulary"] == "colours"
    assert (body["status"], body["requested_by"], body["reason"]) == ("pending", "editor", "why")
    assert client.post(f"/api/v1/change-requests/{body['id']}/approve", {}).status_code == 403

    client = client_for(api_client, manager)
    response = client.post(
        f"/api/v1/change-requests/{body['id']}/approve", {"comment": "fine"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["decided_by"]) == ("applied", "manager")
    assert "teal" in terms()

    second = submit(editor, vocabulary=colours, kind="deprecate", payload={"code": "red"})
    url = f"/api/v1/change-requests/{second.pk}/reject"
    response = client.post(url, {}, format="json")
    assert response.status_code == 422
    assert problem_codes(response) == {("comment", "required")}
    assert client.post(url, {"comment": "no"}, format="json").json()["status"] == "rejected"

    response = client.get(f"/api/v1/change-requests/{second.pk}")
    assert response.json()["decision_comment"] == "no"


def test_api_list_filters(api_client, colours, tree, editor, django_assert_max_num_queries):
    submit(editor, vocabulary=colours, kind="add", payload={"code": "teal"})
    applied = submit(editor, vocabulary=colours, kind="deprecate", payload={"code": "red"})
    approve(member("boss", METADATA_MANAGER), applied)
    submit(editor, category_tree=tree, kind="add", payload={"code": "garden"})
    client = client_for(api_client, member("reader", VIEWER))
    with django_assert_max_num_queries(6):
        rows = client.get("/api/v1/change-requests").json()["results"]
    assert [r["kind"] for r in rows] == ["add", "deprecate", "add"]  # newest first

    def kinds(query):
        return [r["kind"] for r in client.get(f"/api/v1/change-requests?{query}").json()["results"]]

    assert kinds("status=applied") == ["deprecate"]
    assert kinds("vocabulary=colours") == ["deprecate", "add"]
    assert kinds("category_tree=catalog") == ["add"]
    assert kinds("status=pending&vocabulary=colours") == ["add"]


def test_api_refusals(api_client, colours, manager):
    viewer = client_for(api_client, member("reader", VIEWER))
    payload = {"vocabulary": "colours", "kind": "add", "payload": {"code": "teal"}}
    assert viewer.post("/api/v1/change-requests", payload, format="json").status_code == 403

    client = client_for(api_client, manager)
    response = client.post(
        "/api/v1/change-requests",
        {
            "vocabulary": "colours",
            "kind": "merge",
            "payload": {"sources": ["red"], "target": "red"},
        },
        format="json",
    )
    assert response.status_code == 422
    assert problem_codes(response) == {("payload.target", "target_in_sources")}
    response = client.post(
        "/api/v1/change-requests",
        {"vocabulary": "nope", "kind": "add", "payload": {"code": "teal"}},
        format="json",
    )
    assert problem_codes(response) == {("vocabulary", "unknown")}
    own = client.post("/api/v1/change-requests", payload, format="json").json()
    response = client.post(f"/api/v1/change-requests/{own['id']}/approve", {}, format="json")
    assert response.status_code == 422
    assert problem_codes(response) == {(None, "four_eyes")}
    assert client.get("/api/v1/change-requests/999").status_code == 404


def test_api_direct_writes_to_governed_entries_answer_422(api_client, colours, tree, manager):
    client = client_for(api_client, manager)
    writes = [
        ("post", "/api/v1/vocabularies/colours/terms", {"code": "teal"}),
        ("patch", "/api/v1/vocabularies/colours/terms/red", {"labels": {"en_US": "R"}}),
        ("patch", "/api/v1/vocabularies/colours/terms/red", {"is_deprecated": True}),
        ("delete", "/api/v1/vocabularies/colours/terms/red", None),
        ("post", "/api/v1/categories", {"code": "garden", "parent": "catalog"}),
        ("patch", "/api/v1/categories/home", {"labels": {"en_US": "Home"}}),
        ("patch", "/api/v1/categories/home", {"parent": "clothing"}),
        ("delete", "/api/v1/categories/home", None),
    ]
    for method, url, data in writes:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 422, (method, url, response.content)
        assert problem_codes(response) == {(None, "governed")}, (method, url)


def test_api_only_a_manager_switches_governance(api_client, colours, tree):
    taxonomist = UserFactory(
        username="taxonomist",
        permissions=[
            f"governance.{action}_{model}"
            for action in ("add", "change", "view")
            for model in ("vocabulary", "category")
        ],
    )
    client = client_for(api_client, taxonomist)
    switches = [
        ("patch", "/api/v1/vocabularies/colours", {"is_governed": False}),
        ("patch", "/api/v1/categories/catalog", {"is_governed": False}),
        ("post", "/api/v1/vocabularies", {"code": "sizes", "is_governed": True}),
        ("post", "/api/v1/categories", {"code": "other", "is_governed": True}),
    ]
    for method, url, data in switches:
        assert getattr(client, method)(url, data, format="json").status_code == 403, url
    assert (
        client.patch(
            "/api/v1/vocabularies/colours", {"is_governed": True}, format="json"
        ).status_code
        == 200
    )  # no switch: unchanged

    client = client_for(api_client, member("boss", METADATA_MANAGER))
    response = client.patch("/api/v1/vocabularies/colours", {"is_governed": False}, format="json")
    assert (response.status_code, response.json()["is_governed"]) == (200, False)
    response = client.post(
        "/api/v1/categories", {"code": "other", "is_governed": True}, format="json"
    )
    assert (response.status_code, response.json()["is_governed"]) == (201, True)
    response = client.patch("/api/v1/categories/home", {"is_governed": True}, format="json")
    assert problem_codes(response) == {("is_governed", "not_a_tree")}


# Admin ------------------------------------------------------------------------------------------


def staff(user):
    user.is_staff = True
    user.save()
    return user


def test_admin_approves_and_rejects_item_by_item(client, colours, editor, manager):
    good = submit(editor, vocabulary=colours, kind="add", payload={"code": "teal"})
    stale = submit(editor, vocabulary=colours, kind="add", payload={"code": "teal"})
    client.force_login(staff(manager))
    response = client.post(
        "/admin/governance/changerequest/",
        {"action": "approve", "_selected_action": [good.pk, stale.pk], "comment": ""},
        follow=True,
    )
    page = response.content.decode()
    assert f"#{good.pk} applied" in page
    assert f"#{stale.pk} refused" in page
    good.refresh_from_db()
    stale.refresh_from_db()
    assert (good.status, stale.status) == ("applied", "pending")

    client.post(
        "/admin/governance/changerequest/",
        {"action": "reject", "_selected_action": [stale.pk], "comment": ""},
    )
    stale.refresh_from_db()
    assert stale.status == "pending"  # a rejection needs a comment
    client.post(
        "/admin/governance/changerequest/",
        {"action": "reject", "_selected_action": [stale.pk], "comment": "duplicate"},
    )
    stale.refresh_from_db()
    assert (stale.status, stale.decision_comment) == ("rejected", "duplicate")


def test_admin_offers_decisions_to_managers_only(client, colours, editor):
    submit(editor, vocabulary=colours, kind="add", payload={"code": "teal"})
    client.force_login(staff(editor))
    page = client.get("/admin/governance/changerequest/").content.decode()
    assert 'value="approve"' not in page
    client.force_login(staff(member("boss", METADATA_MANAGER)))
    page = client.get("/admin/governance/changerequest/").content.decode()
    assert 'value="approve"' in page and 'value="reject"' in page


def test_admin_files_a_request_and_shows_payload_errors(client, colours, editor):
    client.force_login(staff(editor))
    url = "/admin/governance/changerequest/add/"
    data = {"vocabulary": colours.pk, "kind": "add", "reason": ""}
    response = client.post(url, {**data, "payload": '{"code": "red"}'})
    assert response.status_code == 200
    assert "Vocabulary colours already has red." in response.content.decode()
    response = client.post(url, {**data, "payload": '{"code": "teal"}'})
    assert response.status_code == 302
    assert ChangeRequest.objects.get().requested_by == editor


def test_admin_is_governed_is_editable_by_managers_only(client, colours):
    taxonomist = UserFactory(
        username="taxonomist",
        permissions=[f"governance.{a}_vocabulary" for a in ("change", "view")],
    )
    client.force_login(staff(taxonomist))
    page = client.get(f"/admin/governance/vocabulary/{colours.pk}/change/").content.decode()
    assert 'name="is_governed"' not in page
    client.force_login(staff(member("boss", METADATA_MANAGER)))
    page = client.get(f"/admin/governance/vocabulary/{colours.pk}/change/").content.decode()
    assert 'name="is_governed"' in page


@pytest.mark.parametrize("target", ["vocabulary", "tree"])
def test_only_a_metadata_manager_switches_governance_whatever_the_entry_point(
    colours, tree, editor, manager, target
):
    """The rule lives in the services: an import, a task or a shell with an acting user meets
    it as the API does; the system itself (commands, migrations) may switch."""

    def ungovern():
        if target == "vocabulary":
            return services.vocabulary_update(vocabulary=colours, changes={"is_governed": False})
        return services.category_update(category=tree, changes={"is_governed": False})

    with acting_as(user=editor), pytest.raises(PermissionDenied):
        ungovern()
    with acting_as(user=editor), pytest.raises(PermissionDenied):
        services.vocabulary_create(code="sizes", is_governed=True)
    with acting_as(user=manager):
        assert ungovern().is_governed is False
