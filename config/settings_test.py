"""Test overlay: the real settings module, with what tests need to be fast and isolated.

The tier is chosen by the same environment variables as production: with DATABASE_URL,
REDIS_URL, CELERY_BROKER_URL and AWS_* set, the suite runs against the real services.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "x" * 50)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("TESSERA_VAR_DIR", tempfile.mkdtemp(prefix="tessera-test-"))

from config.settings import *  # noqa: F403

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
