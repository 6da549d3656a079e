import pytest

from tests.conftest import use_local_storage


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_each_part(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage", "broker", "cache"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_answers_503_naming_local_storage_when_its_folder_cannot_exist(
    client, tmp_path, settings
):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the media folder's parent should be")
    use_local_storage(settings, blocker / "media")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]
    assert response.json()["checks"]["storage"]["detail"] == "NotADirectoryError"
