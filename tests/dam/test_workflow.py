"""Assets in the approval workflow: who may move them, the preset gates, the approved version
as the published snapshot, and the API."""

import io

import pytest
from django.core.exceptions import ValidationError

from dam import services
from dam.models import Asset
from dam.presets import upload_preset_save
from governance import roles, workflow
from governance import services as governance
from governance.audit import acting_as
from governance.models import Locale
from tests.dam.conftest import image_bytes
from tests.governance.people import member

pytestmark = pytest.mark.django_db

START = {
    "submit": "draft",
    "approve": "in_review",
    "reject": "in_review",
    "retire": "approved",
    "reopen": "retired",
}
LIBRARIANS = {roles.ADMINISTRATOR, roles.ASSET_LIBRARIAN}
ALLOWED = {
    "submit": LIBRARIANS | {roles.ASSET_CONTRIBUTOR},
    "approve": LIBRARIANS,
    "reject": LIBRARIANS,
    "retire": LIBRARIANS,
    "reopen": LIBRARIANS,
}


@pytest.fixture
def locales(db):
    for code in ("en_US", "fr_FR"):
        governance.code_entry_create(model=Locale, code=code)


def ingest(uploader=None, color=(200, 30, 30)) -> Asset:
    [result] = services.assets_ingest(
        uploads=[("photo.jpg", io.BytesIO(image_bytes(color=color)))], actor=uploader
    )
    return result.asset


def in_state(asset, state):
    Asset.objects.filter(pk=asset.pk).update(workflow_state=state)
    asset.refresh_from_db()
    return asset


def move(user, obj, action, comment=""):
    with acting_as(user=user):
        return workflow.transition(obj=obj, action=action, comment=comment)


def refusal(user, obj, action, comment="") -> list[dict]:
    with pytest.raises(ValidationError) as refused:
        move(user, obj, action, comment)
    return workflow.error_list(refused.value)


@pytest.mark.parametrize("action", list(START))
@pytest.mark.parametrize("role", roles.ORDER)
def test_each_role_may_make_exactly_its_asset_transitions(locales, role, action):
    user = member(role)
    asset = in_state(ingest(uploader=user), START[action])  # their own upload
    if role in ALLOWED[action]:
        move(user, asset, action, comment="why")
        assert asset.workflow_state != START[action]
    else:
        assert [e["code"] for e in refusal(user, asset, action, "why")] == ["permission_denied"]


def test_a_contributor_submits_only_their_own_drafts(locales):
    mine, theirs = member(roles.ASSET_CONTRIBUTOR), member(roles.ASSET_CONTRIBUTOR, "other")
    asset = ingest(uploader=theirs)
    assert [e["code"] for e in refusal(mine, asset, "submit")] == ["out_of_scope"]
    move(theirs, asset, "submit")
    assert asset.workflow_state == "in_review"


def test_presets_field_rules_and_a_current_version_gate_approval(locales):
    upload_preset_save(
        code="web", changes={"alt_text_locales": ["en_US", "fr_FR"], "requires_rights": True}
    )
    librarian = member(roles.ASSET_LIBRARIAN)
    asset = ingest()
    services.asset_update(asset=asset, changes={"alt_text": {"en_US": "A red square"}})
    messages = [e["message"] for e in refusal(librarian, asset, "submit")]
    assert messages == [
        "web: alt text is missing in fr_FR.",
        "web: a usage right is required.",
    ]
    Asset.objects.filter(pk=asset.pk).update(current_version=None)
    asset.refresh_from_db()
    codes = [e["code"] for e in refusal(librarian, asset, "submit")]
    assert codes == ["no_version", "preset_rule", "preset_rule"]


def test_the_snapshot_is_the_approved_version_and_survives_later_edits(locales):
    librarian, contributor = member(roles.ASSET_LIBRARIAN), member(roles.ASSET_CONTRIBUTOR)
    asset = ingest(uploader=contributor)
    move(contributor, asset, "submit")
    move(librarian, asset, "approve")
    snapshot = workflow.snapshot_of(asset)
    approved = asset.current_version
    assert snapshot.payload["version"]["sha256"] == approved.sha256
    assert snapshot.payload["version"]["number"] == 1
    assert snapshot.payload["version"]["file"] == approved.file

    services.version_add(asset=asset, name="new.jpg", file=io.BytesIO(image_bytes(color=(1, 2, 3))))
    asset.refresh_from_db()
    assert asset.workflow_state == "draft"
    assert asset.current_version.number == 2
    assert workflow.snapshot_of(asset).payload == snapshot.payload

    services.asset_update(asset=asset, changes={"title": {"en_US": "Later"}})
    assert workflow.snapshot_of(asset).payload["title"] == {}
    services.version_restore(asset=asset, number=1)
    assert workflow.snapshot_of(asset).payload == snapshot.payload
    move(librarian, asset, "retire")
    assert workflow.snapshot_of(asset) is None


def test_editing_an_approved_asset_makes_it_a_draft(locales):
    asset = in_state(ingest(), "approved")
    services.asset_update(asset=asset, changes={"credit": "Studio"})
    assert Asset.objects.get(pk=asset.pk).workflow_state == "draft"
    reviewed = in_state(ingest(color=(9, 9, 9)), "in_review")
    services.asset_update(asset=reviewed, changes={"credit": "Studio"})
    assert Asset.objects.get(pk=reviewed.pk).workflow_state == "in_review"


def test_asset_api_transitions_snapshot_and_bulk(locales, api_client):
    contributor = member(roles.ASSET_CONTRIBUTOR)
    asset, other = ingest(uploader=contributor), ingest(color=(5, 5, 5))
    api_client.force_authenticate(contributor)
    url = f"/api/v1/assets/{asset.uuid}/transitions"
    assert api_client.post(url, {"action": "approve"}).status_code == 403
    response = api_client.post(url, {"action": "submit"})
    assert response.status_code == 200 and response.json()["state"] == "in_review"
    assert api_client.get(f"/api/v1/assets/{asset.uuid}").json()["workflow_state"] == "in_review"
    bulk = api_client.post(
        "/api/v1/assets/transitions",
        {"action": "submit", "items": [str(asset.uuid), str(other.uuid), "not-a-uuid"]},
    ).json()
    assert [row["ok"] for row in bulk] == [False, False, False]
    assert [row["errors"][0]["code"] for row in bulk] == [
        "invalid_transition",
        "out_of_scope",
        "not_found",
    ]
    librarian = member(roles.ASSET_LIBRARIAN)
    api_client.force_authenticate(librarian)
    assert api_client.get(f"/api/v1/assets/{asset.uuid}/snapshot").status_code == 404
    assert api_client.post(url, {"action": "approve"}).status_code == 200
    snapshot = api_client.get(f"/api/v1/assets/{asset.uuid}/snapshot").json()
    assert snapshot["payload"]["uuid"] == str(asset.uuid)
    log = api_client.get(url).json()
    assert [line["action"] for line in log] == ["approve", "submit"]
    patched = api_client.patch(
        f"/api/v1/assets/{asset.uuid}", {"workflow_state": "draft"}, format="json"
    )
    assert patched.status_code == 422
    assert Asset.objects.get(pk=asset.pk).workflow_state == "approved"


def test_asset_admin_lists_and_filters_by_state(locales, client):
    waiting = in_state(ingest(), "in_review")
    draft = ingest(color=(30, 200, 30))
    client.force_login(member(roles.ADMINISTRATOR, is_staff=True))
    page = client.get("/admin/dam/asset/?workflow_state__exact=in_review")
    assert page.status_code == 200
    listed = page.context["cl"].result_list
    assert [asset.pk for asset in listed] == [waiting.pk]  # the draft is filtered out
    assert draft.pk != waiting.pk
