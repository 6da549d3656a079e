"""Which test tiers can run here, and what happens when one cannot.

Locally a tier whose parts are missing is skipped with a loud reason; with
REQUIRE_SERVICES=1 / REQUIRE_BROWSER=1 (as .ci/run sets them) the same situation fails.
"""

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("TESSERA_CHROMIUM", "/usr/bin/chromium")
# The project's own moto (a dev dependency), beside this interpreter; else one on PATH.
_venv_moto = Path(sys.executable).with_name("moto_server")
MOTO_SERVER = str(_venv_moto) if _venv_moto.exists() else shutil.which("moto_server")
REQUIRED = {
    "services": os.environ.get("REQUIRE_SERVICES") == "1",
    "browser": os.environ.get("REQUIRE_BROWSER") == "1",
}


def unavailable(tier: str, reason: str):
    message = f"{tier} tier cannot run: {reason}"
    if REQUIRED[tier]:
        pytest.fail(f"{message} (REQUIRE_{tier.upper()}=1 forbids skipping)", pytrace=False)
    pytest.skip(f"{message}. Run `make test-services` to start it.")


def s3_endpoint():
    """(host, port) of the S3-protocol test server, when the settings point at one on loopback."""
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    if not settings.AWS_STORAGE_BUCKET_NAME or not endpoint:
        return None
    url = urlparse(endpoint)
    return (url.hostname, url.port) if url.hostname in ("127.0.0.1", "localhost") else None


def missing_services() -> list[str]:
    missing = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing.append("DATABASE_URL is not PostgreSQL")
    if not settings.REDIS_URL:
        missing.append("REDIS_URL is not set")
    if not settings.CELERY_BROKER_URL:
        missing.append("CELERY_BROKER_URL is not set")
    if s3_endpoint() is None:
        missing.append(
            "AWS_STORAGE_BUCKET_NAME / AWS_S3_ENDPOINT_URL do not name a loopback S3 server"
        )
    if not MOTO_SERVER:
        missing.append("moto_server is not installed")
    return missing


def missing_browser() -> list[str]:
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return missing
