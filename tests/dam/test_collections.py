import pytest

from dam.models import Collection
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(api_client):
    api_client.force_authenticate(
        UserFactory(
            permissions=[f"dam.{a}_collection" for a in ("add", "change", "delete", "view")]
        )
    )
    return api_client


def test_collections_nest_and_refuse_cycles(manager):
    assert manager.post("/api/v1/collections", {"code": "spring"}).status_code == 201
    assert (
        manager.post(
            "/api/v1/collections", {"code": "spring_shoes", "parent": "spring"}
        ).status_code
        == 201
    )
    response = manager.patch("/api/v1/collections/spring", {"parent": "spring_shoes"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "cyclic"
    assert manager.get("/api/v1/collections/spring_shoes").json()["parent"] == "spring"


def test_a_collection_holding_assets_is_not_deleted(manager):
    from dam.models import Asset

    collection = Collection.objects.create(code="campaign")
    Asset.objects.create(code="a", kind="image", collection=collection)
    response = manager.delete("/api/v1/collections/campaign")
    assert response.status_code == 409
    assert Collection.objects.filter(code="campaign").exists()
