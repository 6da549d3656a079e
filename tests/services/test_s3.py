import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

pytestmark = pytest.mark.django_db


def test_files_round_trip_through_the_s3_server(s3_server):
    assert type(storages["default"]).__name__ == "S3Storage"
    name = default_storage.save("probe/hello.txt", ContentFile(b"hello, s3"))
    assert default_storage.exists(name)
    assert default_storage.open(name).read() == b"hello, s3"
    _, files = default_storage.listdir("probe")
    assert name.rsplit("/", 1)[-1] in files
    url = default_storage.url(name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url
    response = requests.get(url, timeout=5)
    assert response.status_code == 200 and response.content == b"hello, s3"
    unsigned = requests.get(url.split("?")[0], timeout=5)
    assert unsigned.status_code == 403  # private: no signature, no file


def test_a_second_file_of_the_same_name_does_not_overwrite_the_first(s3_server):
    first = default_storage.save("same.txt", ContentFile(b"one"))
    second = default_storage.save("same.txt", ContentFile(b"two"))
    assert first != second
    assert default_storage.open(first).read() == b"one"
