import pytest
from django.core.files.base import ContentFile

pytestmark = pytest.mark.django_db


def test_signed_url_serves_the_file(client, local_storage):
    name = local_storage.save("demo/photo.png", ContentFile(b"\x89PNG\r\n\x1a\nfake"))
    response = client.get(local_storage.url(name))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\nfake"
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_active_content_is_downloaded_never_rendered(client, local_storage):
    name = local_storage.save("evil.html", ContentFile(b"<script>alert(1)</script>"))
    response = client.get(local_storage.url(name))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_a_tampered_link_is_refused(client, local_storage):
    name = local_storage.save("a.txt", ContentFile(b"secret"))
    url = local_storage.url(name)
    token = url.split("/")[2]
    assert client.get(url.replace(token, token[:-2] + "xx")).status_code == 404


def test_an_expired_link_is_refused(client, local_storage, settings):
    name = local_storage.save("a.txt", ContentFile(b"secret"))
    url = local_storage.url(name)
    settings.SIGNED_URL_MAX_AGE = -1
    assert client.get(url).status_code == 404


def test_files_never_overwrite_each_other(local_storage):
    first = local_storage.save("same.txt", ContentFile(b"one"))
    second = local_storage.save("same.txt", ContentFile(b"two"))
    assert first != second
    assert local_storage.open(first).read() == b"one"
