import pytest

from dam.models import AssetVersion, MetadataStatus
from tests.dam import media
from tests.dam.conftest import upload
from tests.governance.factories import UserFactory
from tests.services.test_celery_worker import wait_for


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_stored_on_s3_and_its_metadata_read_by_a_worker(
    celery_worker, s3_server, api_client, tmp_path
):
    from django.core.files.storage import default_storage

    api_client.force_authenticate(UserFactory(permissions=["dam.add_asset", "dam.view_asset"]))
    path = media.jpeg_with_keywords(tmp_path / "boot.jpg", ["Waterproof"])
    response = api_client.post(
        "/api/v1/assets", {"file": [upload("boot.jpg", path.read_bytes())]}, format="multipart"
    )
    assert response.status_code == 201, response.content[:300]
    version = AssetVersion.objects.get()
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    assert default_storage.exists(version.file)
    done = lambda: AssetVersion.objects.get(pk=version.pk).metadata_status != MetadataStatus.PENDING  # noqa: E731
    assert wait_for(done, timeout=60), "the worker did not process the media queue"
    version.refresh_from_db()
    assert version.metadata_status == MetadataStatus.DONE, version.metadata_error
    assert "waterproof" in {t.name for t in version.asset.tags.all()}
