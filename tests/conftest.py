import os
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests import tiers

ARTIFACTS = Path(os.environ.get("TESSERA_TEST_ARTIFACTS", "test-artifacts")).resolve()


def pytest_collection_modifyitems(config, items):
    """Tests under tests/services and tests/browser belong to those tiers."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in ("services", "browser"):
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))


def _tier_counts(reporter) -> dict[str, Counter]:
    """Outcomes per tier; a test counts once: by its call, or by a setup that failed or skipped."""
    counts = {tier: Counter() for tier in ("default", "services", "browser")}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in reporter.stats.get(outcome, []):
            when = getattr(report, "when", None)
            if when == "call" or (when == "setup" and outcome != "passed"):
                tier = next((t for t in ("services", "browser") if t in report.keywords), "default")
                counts[tier][outcome] += 1
    return counts


def pytest_terminal_summary(terminalreporter):
    terminalreporter.section("tiers")
    for tier, counter in _tier_counts(terminalreporter).items():
        line = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counter.items())) or "none run"
        terminalreporter.write_line(f"{tier:>8}: {line}")


def pytest_sessionfinish(session, exitstatus):
    """A required tier in which no test passed fails the run, whatever deselected its tests."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or exitstatus != 0:
        return
    counts = _tier_counts(reporter)
    for tier, required in tiers.REQUIRED.items():
        if required and counts[tier]["passed"] == 0:
            reporter.write_line(
                f"FAIL: REQUIRE_{tier.upper()}=1 but no {tier} test passed", red=True
            )
            session.exitstatus = 1


def _wait_for_port(host, port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout}s")


def _port_is_open(host, port) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


class S3Server:
    """moto_server on a loopback port: a real S3-protocol server speaking HTTP."""

    def __init__(self, host, port, bucket):
        self.host, self.port, self.bucket = host, port, bucket
        self.process = None

    def start(self):
        if _port_is_open(self.host, self.port):
            raise RuntimeError(f"{self.host}:{self.port} is taken; set TEST_S3_PORT to a free port")
        self.process = subprocess.Popen(
            [tiers.MOTO_SERVER, "-H", self.host, "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.host, self.port)
        from django.core.files.storage import default_storage

        default_storage.connection.meta.client.create_bucket(Bucket=self.bucket)

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session", autouse=True)
def s3_server():
    """Started for the whole session when the settings store files on a loopback S3 server."""
    endpoint = tiers.s3_endpoint()
    if endpoint is None:
        yield None
        return
    from django.conf import settings

    server = S3Server(*endpoint, settings.AWS_STORAGE_BUCKET_NAME)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def staff_client(api_client, db):
    """Logged in as a user allowed to manage the shared language."""
    from tests.governance.factories import UserFactory

    user = UserFactory(
        username="manager",
        permissions=[
            f"governance.{action}_{model}"
            for action in ("add", "change", "delete", "view")
            for model in ("locale", "currency", "channel")
        ],
    )
    api_client.force_authenticate(user)
    return api_client


def use_local_storage(settings, location):
    """Switch the default storage to the local signed-URL storage at `location`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "config.storage.SignedFileSystemStorage",
            "OPTIONS": {"location": location, "base_url": "/files/"},
        },
    }


@pytest.fixture
def local_storage(settings, tmp_path):
    """Files on the local signed-URL storage, whatever the tier's default storage is."""
    from django.core.files.storage import default_storage

    use_local_storage(settings, tmp_path / "media")
    return default_storage


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The service tier's cache is a Redis that outlives the run: start every test empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_tasks_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Run tasks queued on commit in this process, whatever the tier's broker: for tests of what
    a task does. (tests/services proves delivery through Redis to a real worker.)"""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    return django_capture_on_commit_callbacks
