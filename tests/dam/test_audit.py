"""The asset library's audit trail: uploads, metadata edits, versions, rights and deletes are
recorded with their actor and request; an asset can be restored to an earlier revision."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from dam import services
from dam.models import Asset, AssetVersion, UsageRight
from governance.audit import acting_as, audit_record, history
from governance.models import ApiKey, AuditAction
from tests.dam.conftest import image_bytes, upload
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db


def ingest(color=(200, 30, 30)):
    """An asset uploaded by the librarian (when there is one): contributors change only what
    they uploaded."""
    [result] = services.assets_ingest(
        uploads=[("tee.jpg", upload("tee.jpg", image_bytes(color=color)))],
        actor=get_user_model().objects.filter(username="librarian").first(),
    )
    return result.asset


def records(obj):
    return list(history(obj).order_by("id"))


def test_an_upload_through_the_api_records_the_asset_and_its_version(librarian):
    response = librarian.post(
        "/api/v1/assets", {"file": [upload("tee.jpg", image_bytes())]}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    asset = Asset.objects.get()
    [created] = records(asset)
    assert created.action == AuditAction.CREATE
    assert created.actor.username == "librarian"
    assert created.request_id == response["X-Request-ID"]
    assert created.changes["current_version"] == [None, 1]
    assert created.state["current_version"] == 1
    [version_created] = records(AssetVersion.objects.get())
    assert version_created.changes["original_filename"] == [None, "tee.jpg"]
    assert version_created.request_id == created.request_id


def test_a_metadata_edit_records_each_changed_field(librarian):
    asset = ingest()
    response = librarian.patch(
        f"/api/v1/assets/{asset.uuid}",
        {"title": {"en_US": "Red tee"}, "credit": "Studio", "tags": ["Summer"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    record = records(asset)[-1]
    assert record.action == AuditAction.UPDATE
    assert record.actor.username == "librarian"
    assert record.request_id == response["X-Request-ID"]
    assert record.changes == {
        "title": [{}, {"en_US": "Red tee"}],
        "credit": ["", "Studio"],
        "tags": [[], ["summer"]],
    }


def test_an_edit_that_changes_nothing_records_nothing(librarian):
    asset = ingest()
    services.asset_update(asset=asset, changes={"credit": ""})
    assert len(records(asset)) == 1


def test_a_new_version_records_the_change_of_current_file(librarian):
    asset = ingest()
    response = librarian.post(
        f"/api/v1/assets/{asset.uuid}/versions",
        {"file": upload("tee-2.jpg", image_bytes(color=(10, 200, 10)))},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    record = records(asset)[-1]
    assert (record.action, record.changes) == (AuditAction.UPDATE, {"current_version": [1, 2]})
    restored = librarian.post(f"/api/v1/assets/{asset.uuid}/versions/1/restore", format="json")
    assert restored.status_code == 201
    assert records(asset)[-1].changes == {"current_version": [2, 3]}
    version = AssetVersion.objects.get(number=3)
    assert records(version)[0].changes["restored_from"] == [None, 1]


def test_usage_right_writes_are_audited(librarian):
    asset = ingest()
    url = f"/api/v1/assets/{asset.uuid}/rights"
    response = librarian.post(url, {"licence": "owned", "territories": ["FR"]}, format="json")
    assert response.status_code == 201, response.json()
    right = UsageRight.objects.get()
    created = records(right)[0]
    assert created.changes["licence"] == [None, "owned"]
    assert created.changes["asset"] == [None, str(asset.uuid)]
    assert created.request_id == response["X-Request-ID"]
    librarian.patch(f"{url}/{right.pk}", {"territories": ["FR", "DE"]}, format="json")
    assert records(right)[-1].changes == {"territories": [["FR"], ["DE", "FR"]]}
    assert librarian.delete(f"{url}/{right.pk}").status_code == 204
    assert records(right)[-1].action == AuditAction.DELETE


def test_deleting_an_asset_through_the_api_is_audited(librarian):
    asset = ingest()
    response = librarian.delete(f"/api/v1/assets/{asset.uuid}")
    assert response.status_code == 204
    record = records(asset)[-1]
    assert (record.action, record.request_id) == (AuditAction.DELETE, response["X-Request-ID"])
    assert record.state["current_version"] == 1


def test_a_change_made_with_an_api_key_is_recorded_to_the_key(librarian):
    asset = ingest()
    key = ApiKey.objects.create(
        name="cms",
        prefix="tk_cms001",
        secret_hash="2" * 64,
        scope="write",
        role=Group.objects.create(name="integration"),
    )
    with acting_as(api_key=key):
        services.asset_update(asset=asset, changes={"credit": "Agency"})
    record = records(asset)[-1]
    assert (record.api_key_id, record.actor_id, record.actor_label) == (
        key.pk,
        None,
        "key:tk_cms001",
    )


def test_restore_returns_metadata_and_file_and_is_itself_audited(librarian):
    asset = ingest()
    services.asset_update(asset=asset, changes={"title": {"en_US": "Red tee"}, "credit": "A"})
    revision = records(asset)[-1]
    services.asset_update(
        asset=asset,
        changes={"title": {"en_US": "Green tee", "fr_FR": "Tee vert"}, "credit": "B"},
    )
    services.version_add(
        asset=asset, name="green.jpg", file=upload("green.jpg", image_bytes(color=(0, 200, 0)))
    )
    response = librarian.post(
        f"/api/v1/assets/{asset.uuid}/restore-revision", {"record": revision.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == {"en_US": "Red tee"}
    assert body["credit"] == "A"
    assert body["current_version"]["number"] == 3  # version 1's file, as a new version
    asset.refresh_from_db()
    assert asset.current_version.restored_from == 1
    metadata, file = records(asset)[-2:]
    assert metadata.action == file.action == AuditAction.RESTORE
    assert metadata.changes == {
        "title": [{"en_US": "Green tee", "fr_FR": "Tee vert"}, {"en_US": "Red tee"}],
        "credit": ["B", "A"],
        "restored_record": [None, revision.pk],
    }
    assert file.changes == {"current_version": [2, 3], "restored_record": [None, revision.pk]}
    assert {metadata.request_id, file.request_id} == {response["X-Request-ID"]}


@pytest.mark.parametrize(
    ("record", "code"),
    [("other", "unknown"), ("no_state", "not_restorable"), ("text", "invalid")],
)
def test_restore_refuses_a_record_that_is_not_this_assets_revision(librarian, record, code):
    asset, other = ingest(), ingest(color=(0, 0, 200))
    transition = audit_record(obj=asset, action=AuditAction.TRANSITION, changes={"x": [1, 2]})
    record_id = {"other": records(other)[0].pk, "no_state": transition.pk, "text": "7"}[record]
    response = librarian.post(
        f"/api/v1/assets/{asset.uuid}/restore-revision", {"record": record_id}, format="json"
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("record", code)]


def test_history_lists_the_assets_records_newest_first(librarian):
    asset = ingest()
    services.asset_update(asset=asset, changes={"credit": "A"})
    response = librarian.get(f"/api/v1/assets/{asset.uuid}/history")
    assert response.status_code == 200
    body = response.json()["results"]
    assert [r["action"] for r in body] == ["update", "create"]
    assert body[0]["changes"] == {"credit": ["", "A"]}
    assert "state" not in body[0]


def test_history_of_an_unknown_asset_is_404(librarian):
    response = librarian.get("/api/v1/assets/00000000-0000-0000-0000-000000000000/history")
    assert response.status_code == 404


def test_history_and_restore_need_their_permissions(api_client):
    asset = ingest()
    api_client.force_authenticate(UserFactory(username="nobody"))
    assert api_client.get(f"/api/v1/assets/{asset.uuid}/history").status_code == 403
    api_client.force_authenticate(UserFactory(username="reader", permissions=["dam.view_asset"]))
    assert api_client.get(f"/api/v1/assets/{asset.uuid}/history").status_code == 200
    response = api_client.post(
        f"/api/v1/assets/{asset.uuid}/restore-revision",
        {"record": records(asset)[0].pk},
        format="json",
    )
    assert response.status_code == 403


def test_the_admin_history_page_and_delete_use_the_audit_trail(client):
    asset = ingest()
    services.asset_update(asset=asset, changes={"credit": "Studio"})
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/dam/asset/{asset.pk}/history/")
    assert page.status_code == 200 and b"Studio" in page.content
    assert client.post(f"/admin/dam/asset/{asset.pk}/delete/", {"post": "yes"}).status_code == 302
    assert records(asset)[-1].action == AuditAction.DELETE
