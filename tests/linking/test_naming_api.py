"""Naming rules over HTTP: CRUD, the tester, problem+json refusals, and the admin."""

import pytest
from django.contrib.auth.models import Group

from governance import roles
from governance.models import Job
from linking.models import NamingRule
from linking.services import naming
from tests.governance.factories import UserFactory
from tests.linking.builders import product

RULES = "/api/v1/naming-rules"


def person(role: str, username: str, **extra):
    user = UserFactory(username=username, **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def librarian(api_client, catalog):
    api_client.force_authenticate(person(roles.ASSET_LIBRARIAN, "librarian"))
    return api_client


@pytest.fixture
def viewer(api_client, catalog):
    api_client.force_authenticate(person(roles.VIEWER, "viewer"))
    return api_client


def test_a_librarian_creates_lists_changes_and_deletes_rules(librarian):
    created = librarian.post(
        RULES, {"code": "by_position", "pattern": "{sku}_{role}_{position}.{ext}"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["pattern"] == "{sku}_{role}_{position}.{ext}"
    librarian.post(
        RULES, {"code": "early", "pattern": "{sku}.{ext}", "default_role": "packshot", "priority": 5},
        format="json",
    )  # fmt: skip
    listed = librarian.get(RULES).json()["results"]
    assert [r["code"] for r in listed] == ["early", "by_position"]  # the order they are tried in
    changed = librarian.patch(f"{RULES}/early", {"is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert librarian.get(f"{RULES}/early").json()["is_active"] is False
    assert librarian.delete(f"{RULES}/early").status_code == 204
    assert not NamingRule.objects.filter(code="early").exists()


def test_a_bad_pattern_is_a_problem_naming_the_field_and_rule(librarian):
    response = librarian.post(
        RULES, {"code": "broken", "pattern": "{sku}_{colour}.{ext}"}, format="json"
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert ("pattern", "unknown_part") in errors
    patched = librarian.patch(f"{RULES}/missing", {"priority": 1}, format="json")
    assert patched.status_code == 404


def test_a_viewer_reads_and_tests_rules_but_does_not_write_them(viewer):
    naming.naming_rule_save(changes={"code": "plain", "pattern": "{sku}_{role}.{ext}"})
    assert viewer.get(RULES).status_code == 200
    assert (
        viewer.post(RULES, {"code": "x", "pattern": "{sku}.jpg"}, format="json").status_code == 403
    )
    assert viewer.delete(f"{RULES}/plain").status_code == 403
    tested = viewer.post(f"{RULES}/test", {"filename": "AB_hero.jpg"}, format="json")
    assert tested.status_code == 200 and tested.json()["matched"] is True


def test_the_tester_answers_what_a_name_yields(librarian):
    product("AB_1")
    naming.naming_rule_save(changes={"code": "plain", "pattern": "{sku}_{role}_{position}.{ext}"})
    answer = librarian.post(f"{RULES}/test", {"filename": "ab_1_Hero_3.JPG"}, format="json").json()
    assert answer == {
        "matched": True,
        "rule": "plain",
        "parts": {"sku": "ab_1", "role": "Hero", "position": "3", "ext": "JPG"},
        "outcome": "linkable",
        "target": {"type": "product", "sku": "AB_1"},
        "role": "hero",
        "position": 3,
        "locale": None,
        "channel": None,
        "message": "Links to product 'AB_1' as hero, position 3 (rule 'plain').",
    }
    unknown = librarian.post(f"{RULES}/test", {"filename": "ZZ_hero_1.jpg"}, format="json").json()
    assert (unknown["outcome"], unknown["target"]) == ("unknown_sku", None)
    assert unknown["message"] == "No product or product model 'ZZ': not linked."
    nothing = librarian.post(f"{RULES}/test", {"filename": "photo.jpg"}, format="json").json()
    assert (nothing["matched"], nothing["outcome"], nothing["rule"]) == (False, "no_rule", None)


def test_the_tester_tries_an_unsaved_pattern_or_one_rule(librarian):
    product("AB-1")
    naming.naming_rule_save(
        changes={"code": "off", "pattern": "{sku}.{ext}", "default_role": "packshot", "is_active": False}
    )  # fmt: skip
    draft = librarian.post(
        f"{RULES}/test",
        {"filename": "AB-1-fr_FR-back.jpg", "pattern": "{sku}-{locale}-{role}.{ext}"},
        format="json",
    ).json()
    assert (draft["matched"], draft["rule"], draft["locale"], draft["role"]) == (
        True, None, "fr_FR", "back",
    )  # fmt: skip
    assert not NamingRule.objects.exclude(code="off").exists()  # nothing saved
    one = librarian.post(f"{RULES}/test", {"filename": "AB-1.png", "rule": "off"}, format="json")
    assert (one.json()["rule"], one.json()["role"]) == ("off", "packshot")  # inactive, but asked
    everything = librarian.post(f"{RULES}/test", {"filename": "AB-1.png"}, format="json").json()
    assert everything["matched"] is False  # the inactive rule is not among the active ones


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"filename": "a.jpg", "pattern": "{sku}_{role}"}, "pattern", "extension_required"),
        ({"filename": "a.jpg", "pattern": "{sku}.{ext}"}, "default_role", "role_required"),
        ({"filename": "a.jpg", "rule": "nope"}, "rule", "unknown"),
        ({"filename": "a.jpg", "rule": "x", "pattern": "{sku}.jpg"}, "rule", "invalid"),
        ({"filename": "a.jpg", "default_role": "hero"}, "default_role", "invalid"),
        ({"filename": "a.jpg", "colour": "red"}, "colour", "unknown_field"),
        ({}, "filename", "required"),
    ],
)
def test_the_tester_refuses_bad_questions(librarian, body, field, code):
    response = librarian.post(f"{RULES}/test", body, format="json")
    assert response.status_code == 422
    assert (field, code) in {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_listing_rules_costs_the_same_queries_for_3_or_30(librarian, django_assert_max_num_queries):
    def count(n):
        NamingRule.objects.all().delete()
        for i in range(n):
            naming.naming_rule_save(changes={"code": f"r{i}", "pattern": f"{{sku}}_{i}.{{ext}}", "default_role": "hero"})  # fmt: skip
        with django_assert_max_num_queries(10) as captured:
            assert len(librarian.get(RULES).json()["results"]) == n
        return len(captured)

    librarian.get(RULES)  # the user's permissions are loaded once, then cached on it
    assert count(3) == count(30)


def test_the_admin_shows_pattern_errors_inline_and_saves_through_the_service(client, catalog):
    client.force_login(person(roles.ADMINISTRATOR, "admin", is_staff=True, is_superuser=True))
    form = {"code": "rule", "pattern": "{sku}_{role}", "default_role": "", "priority": 10, "is_active": "on", "description": ""}  # fmt: skip
    page = client.post("/admin/linking/namingrule/add/", form)
    assert page.status_code == 200
    assert "End the pattern with .{ext} or a literal extension" in page.content.decode()
    assert not NamingRule.objects.exists()
    form["pattern"] = "{sku}_{role}.{ext}"
    assert client.post("/admin/linking/namingrule/add/", form).status_code == 302
    assert NamingRule.objects.get(code="rule").pattern == "{sku}_{role}.{ext}"


def test_the_admin_action_starts_a_relink_job_with_the_selected_rules(client, catalog):
    client.force_login(person(roles.ASSET_LIBRARIAN, "lib", is_staff=True))
    rule = naming.naming_rule_save(changes={"code": "plain", "pattern": "{sku}_{role}.{ext}"})
    response = client.post(
        "/admin/linking/namingrule/",
        {"action": "relink_assets", "_selected_action": [rule.pk]},
        follow=True,
    )
    job = Job.objects.get()
    assert (job.kind, job.parameters["rules"], job.created_by.username) == (
        "relink",
        ["plain"],
        "lib",
    )
    assert f"Relink job {job.pk} started" in response.content.decode()
