"""Faults with real processes: a Celery worker killed with SIGKILL mid-rendition, the S3
endpoint stopped during an upload, Redis stopped while the API serves and writes.

(A webhook receiver that is down for the first attempts is test_webhooks_worker.py: every
event is delivered once it answers again.)"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from config.celery import app as celery_app
from dam.models import Asset, AssetVersion, MetadataStatus, Rendition, RenditionStatus
from dam.rendering import rendition_profile_save
from dam.services import assets_ingest
from governance import roles
from governance.api_keys import api_key_create
from governance.models import Event, UnsentTask
from tests.dam import media
from tests.dam.conftest import upload
from tests.governance.brokers import broker_at
from tests.governance.factories import UserFactory
from tests.pim.builders import save, value
from tests.pim.conftest import catalog  # noqa: F401 - the fixture
from tests.services.conftest import start_worker
from tests.services.test_celery_worker import wait_for

ROOT = Path(__file__).resolve().parents[2]
PROFILES = 4
# How long Redis stays down in the outage test (the minute; shorter when chasing a bug).
OUTAGE_SECONDS = float(os.environ.get("TESSERA_FAULT_OUTAGE_SECONDS", "60"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def wait_ready(process: subprocess.Popen, timeout=60) -> None:
    deadline = time.monotonic() + timeout
    while not celery_app.control.ping(destination=[process.hostname], timeout=0.5):
        assert process.poll() is None and time.monotonic() < deadline, "the worker did not start"


# --- a worker killed mid-rendition -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_rendition_leaves_each_rendition_made_once(tmp_path):
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # nothing left from elsewhere
    for n in range(PROFILES):
        rendition_profile_save(
            code=f"p{n}", changes={"width": 200 + 100 * n, "height": 200, "is_pregenerated": True}
        )
    # A big picture (a PNG decodes whole: 20 MP, within the decoded-size limit): its renditions
    # take seconds, long enough to kill the worker in the middle.
    big = tmp_path / "big.png"
    media.picture((5000, 4000), variant=1).save(big, compress_level=1)
    # A lost task comes back once it has been unacknowledged this long (production: an hour).
    env = {"TESSERA_BROKER_VISIBILITY_TIMEOUT": "1"}
    first = start_worker("killed", **env)
    try:
        wait_ready(first)
        with open(big, "rb") as file:
            [ingested] = assets_ingest(uploads=[("big.png", file)])
        version = ingested.version
        started = lambda: Rendition.objects.filter(version=version).exists()  # noqa: E731
        assert wait_for(started, timeout=30), "no rendition was started"
        os.kill(first.pid, signal.SIGKILL)  # mid-task: acks_late keeps the message unacked
        first.wait(timeout=10)
    finally:
        stop(first)
    done_before = Rendition.objects.filter(version=version, status=RenditionStatus.DONE).count()
    assert done_before < PROFILES, "the worker finished before it was killed: use a bigger file"

    second = start_worker("restarted", **env)
    try:
        all_done = lambda: (  # noqa: E731
            Rendition.objects.filter(version=version, status=RenditionStatus.DONE).count()
            == PROFILES
        )
        assert wait_for(all_done, timeout=60), list(
            Rendition.objects.filter(version=version).values("profile__code", "status", "error")
        )
    finally:
        stop(second)
    renditions = Rendition.objects.filter(version=version)
    assert renditions.count() == PROFILES  # one row per profile, never two
    folder = f"renditions/{version.sha256[:2]}/{version.sha256}"
    _, stored = default_storage.listdir(folder)
    assert sorted(f"{folder}/{name}" for name in stored) == sorted(r.file for r in renditions)


# --- S3 stopped during an upload -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_upload_while_s3_is_down_answers_503_and_keeps_nothing(
    s3_server, api_client, tmp_path, monkeypatch
):
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    api_client.force_authenticate(
        UserFactory(permissions=["dam.add_asset", "dam.change_asset", "dam.view_asset"])
    )
    first, second = (
        media.jpeg_plain(tmp_path / "one.jpg", variant=0),
        media.jpeg_plain(tmp_path / "two.jpg", variant=1),
    )
    storage = default_storage._wrapped
    real_save, saved = storage._save, []

    def save_then_stop(name, content):
        name = real_save(name, content)
        saved.append(name)
        s3_server.stop()  # the endpoint goes away after the first file is stored
        return name

    monkeypatch.setattr(storage, "_save", save_then_stop)
    try:
        response = api_client.post(
            "/api/v1/assets",
            {
                "file": [
                    upload("one.jpg", first.read_bytes()),
                    upload("two.jpg", second.read_bytes()),
                ]
            },
            format="multipart",
        )
    finally:
        monkeypatch.undo()
        if s3_server.process is None:
            s3_server.start()  # moto forgets everything: start() makes the bucket again
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert response.json()["type"].endswith("storage-unavailable")
    assert not Asset.objects.exists() and not AssetVersion.objects.exists()

    # moto forgot the first file with its restart; a durable store would still hold it, so put
    # it back: the cleanup task queued by the failed upload must remove it.
    [orphan] = saved
    with open(first, "rb") as file:
        storage.connection.meta.client.put_object(
            Bucket=s3_server.bucket, Key=orphan, Body=file.read()
        )
    assert default_storage.exists(orphan)
    worker = start_worker("cleanup")
    try:
        assert wait_for(lambda: not default_storage.exists(orphan), timeout=45), "orphan kept"
    finally:
        stop(worker)
    listed = storage.connection.meta.client.list_objects_v2(
        Bucket=s3_server.bucket, Prefix="originals/"
    )
    assert listed["KeyCount"] == 0

    # A new version of an asset while the store is down: 503 too, and the asset unchanged.
    response = api_client.post(
        "/api/v1/assets", {"file": [upload("one.jpg", first.read_bytes())]}, format="multipart"
    )
    assert response.status_code == 201, response.content[:300]
    uuid = response.json()["results"][0]["asset"]["uuid"]
    s3_server.stop()
    try:
        response = api_client.post(
            f"/api/v1/assets/{uuid}/versions",
            {"file": upload("two.jpg", second.read_bytes())},
            format="multipart",
        )
    finally:
        s3_server.start()
    assert response.status_code == 503, response.content[:300]
    assert int(response["Retry-After"]) > 0
    assert AssetVersion.objects.count() == 1


# --- Redis stopped ------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free port: never the machine's shared one."""

    def __init__(self, tmp_path):
        self.port, self.dir, self.process = _free_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", self.port)) != 0:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_reads_are_served_and_queued_events_are_redriven(
    catalog,  # noqa: F811
    api_client,
    settings,
    tmp_path,
):
    from governance.tasks import unsent_tasks_send
    from linking.tasks.webhooks import events_relay

    rendition_profile_save(
        code="outage", changes={"width": 200, "height": 200, "is_pregenerated": True}
    )
    outcome = save({"sku": "outage-1", "family": "mugs", "values": {"pieces": value(1)}})
    assert outcome.ok, outcome.errors
    _, raw = api_key_create(
        name="Outage", scope="write", role=Group.objects.get(name=roles.PRODUCT_EDITOR)
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    _, owner_key = api_key_create(
        name="Owner", scope="write", role=Group.objects.get(name=roles.PRODUCT_DATA_OWNER)
    )
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": f"{redis_server.url}/0",
        }
    }
    try:
        with broker_at(f"{redis_server.url}/1"):
            assert api_client.get("/api/v1/products/outage-1").status_code == 200
            redis_server.stop()
            down_since = time.monotonic()
            # Writes whose tasks are queued on commit: the write stands, its tasks are kept.
            before = Event.objects.count()
            response = api_client.patch(
                "/api/v1/products/outage-1", {"values": {"pieces": value(2)}}, format="json"
            )
            assert response.status_code == 200, response.content[:300]
            response = api_client.post(
                "/api/v1/products/outage-1/transitions", {"action": "submit"}, format="json"
            )
            assert response.status_code in (200, 201), response.content[:300]
            approver = APIClient()
            approver.credentials(HTTP_AUTHORIZATION=f"Bearer {owner_key}")
            response = approver.post(
                "/api/v1/products/outage-1/transitions", {"action": "approve"}, format="json"
            )
            assert response.status_code in (200, 201), response.content[:300]
            # An upload queues its metadata and renditions on commit: the upload stands.
            librarian = APIClient()
            librarian.force_authenticate(
                UserFactory(permissions=["dam.add_asset", "dam.view_asset"])
            )
            picture = media.jpeg_plain(tmp_path / "outage.jpg")
            response = librarian.post(
                "/api/v1/assets",
                {"file": [upload("outage.jpg", picture.read_bytes())]},
                format="multipart",
            )
            assert response.status_code == 201, response.content[:300]
            version = AssetVersion.objects.get(
                asset__uuid=response.json()["results"][0]["asset"]["uuid"]
            )
            waiting = Event.objects.filter(sequence__isnull=True)
            assert Event.objects.count() > before and waiting.exists()
            kept = set(UnsentTask.objects.values_list("name", flat=True))
            assert {
                "dam.tasks.media_extract_metadata",
                "dam.tasks.media_render_pregenerated",
            } <= kept
            # Reads, for the rest of the outage: each answered, none waiting on the cache.
            reads = 0
            while time.monotonic() - down_since < OUTAGE_SECONDS:
                for path in ("/api/v1/products/outage-1", "/api/v1/products", "/api/v1/families"):
                    started = time.monotonic()
                    response = api_client.get(path)
                    assert response.status_code == 200, (path, response.content[:300])
                    assert time.monotonic() - started < 5, path
                    reads += 1
                time.sleep(0.5)
            assert reads >= 3

            redis_server.start()  # back, empty: whatever the broker held is gone
            worker = start_worker(
                "redis",
                CELERY_BROKER_URL=f"{redis_server.url}/1",
                REDIS_URL=f"{redis_server.url}/0",
            )
            try:
                events_relay.delay()  # what beat sends every minute
                unsent_tasks_send.delay()
                assert wait_for(lambda: not waiting.exists(), timeout=45), list(
                    waiting.values("name", "key")
                )
                done = lambda: (  # noqa: E731
                    not UnsentTask.objects.exists()
                    and AssetVersion.objects.filter(
                        pk=version.pk, metadata_status=MetadataStatus.DONE
                    ).exists()
                    and Rendition.objects.filter(
                        version=version, status=RenditionStatus.DONE
                    ).exists()
                )
                assert wait_for(done, timeout=60), (
                    list(UnsentTask.objects.values("name", "attempts", "error")),
                    AssetVersion.objects.values_list("metadata_status", flat=True).get(
                        pk=version.pk
                    ),
                )
            finally:
                stop(worker)
    finally:
        redis_server.stop()
