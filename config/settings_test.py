"""Test overlay: the real settings module, with what tests need to be fast and isolated.

The tier is chosen by the same environment variables as production: with DATABASE_URL,
REDIS_URL, CELERY_BROKER_URL and AWS_* set, the suite runs against the real services.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "x" * 50)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
if os.environ.get("PYTEST_XDIST_WORKER") or "TESSERA_VAR_DIR" not in os.environ:
    # Its own files per test process (xdist workers inherit the controller's environment).
    os.environ["TESSERA_VAR_DIR"] = tempfile.mkdtemp(prefix="tessera-test-")


def _per_xdist_worker() -> None:
    """Under pytest-xdist each worker gets its own Redis databases (cache, broker) and its own
    S3-protocol server port, as pytest-django gives each its own test database: worker gwN's
    Celery worker must never take gwM's tasks, nor one worker's cache.clear() empty another's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    n = int(worker[2:])
    for name, offset in (("REDIS_URL", 0), ("CELERY_BROKER_URL", 1)):
        url = os.environ.get(name, "")
        if url.startswith("redis://"):
            base = url.rsplit("/", 1)[0]
            os.environ[name] = f"{base}/{2 * n + offset}"
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    host, _, port = endpoint.rpartition(":")
    if endpoint and port.isdigit():
        os.environ["AWS_S3_ENDPOINT_URL"] = f"{host}:{int(port) + n}"


_per_xdist_worker()

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True  # serve static files without a collectstatic step
WHITENOISE_AUTOREFRESH = True
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/min", "user": "100000/min"}  # noqa: F405
TESSERA_THROTTLE_KEY = "100000/min"
# Connections close after each request: live_server's request threads would otherwise keep
# theirs open past the session, and the test database could not be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
