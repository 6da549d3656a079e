"""Tessera settings: one module, driven by environment variables with safe defaults.

The embedded default (SQLite, a local folder, eager Celery, local-memory cache) needs no
variable but DJANGO_DEBUG=true; production sets the service variables listed in README.md.
"""

import secrets
from pathlib import Path

import environ
from botocore.config import Config as BotoConfig
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("TESSERA_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _secret_key() -> str:
    """The configured key; in DEBUG only, a random one kept in var/ so sessions survive restarts."""
    key = env.str("DJANGO_SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_guid",
    "guardian",
    "treebeard",
    "governance",
    "pim",
    "dam",
    "linking",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "governance.audit.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.refuse_nul_in_query",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tessera.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # No JIT: it compiles any query the planner costs above 100,000 (a search over a large
    # table), 7-50 ms of compilation for requests that run in a few milliseconds.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite serialises writers; waiting beats failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # SQLite cannot make unique constraints whose NULLs collide (a link without locale or
    # channel); the link services check duplicates under a row lock instead.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and throttling --------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        # Fails open: reads go on while Redis is away (config/cache.py).
        {"BACKEND": "config.cache.FailOpenRedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- files --------------------------------------------------------------------------------
MEDIA_ROOT = Path(env.str("TESSERA_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STATIC_ROOT = Path(env.str("TESSERA_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_URL = "static/"
MEDIA_URL = "/files/"
STATICFILES_DIRS = [BASE_DIR / "static"]
SIGNED_URL_MAX_AGE = env.int("TESSERA_SIGNED_URL_MAX_AGE", default=300)
# Renditions of approved assets are sent to this public base (a CDN in front of the bucket's
# renditions/ prefix) instead of a short-lived signed link. Empty: always signed.
TESSERA_PUBLIC_RENDITION_BASE_URL = env.str("TESSERA_PUBLIC_RENDITION_BASE_URL", default="")
# This site's public origin: channel documents carry absolute rendition URLs built on it.
TESSERA_SITE_URL = env.str("TESSERA_SITE_URL", default="http://localhost:8000")

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": SIGNED_URL_MAX_AGE,
            # With a client_config, django-storages takes signature and addressing from it alone.
            # Timeouts fail fast: a hung store must not hang requests or /readyz.
            "client_config": BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path")},
                connect_timeout=3,
                read_timeout=30,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        },
    }
else:
    default_storage = {
        "BACKEND": "config.storage.SignedFileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temp file
TESSERA_MAX_UPLOAD_BYTES = env.int("TESSERA_MAX_UPLOAD_BYTES", default=5 * 1024**3)
TESSERA_IMPORT_MAX_BYTES = env.int("TESSERA_IMPORT_MAX_BYTES", default=2 * 1024**3)  # CSV/XLSX
TESSERA_MAX_IMAGE_PIXELS = env.int("TESSERA_MAX_IMAGE_PIXELS", default=100_000_000)
# What a raster other than JPEG (decoded whole, never at reduced scale) may take once decoded:
# a media worker holds it, and a copy while resampling, within 512 MB. 128 MiB is 33 MP in
# RGB(A) or CMYK, 67 MP in 16-bit grey, the pixel limit in 8-bit grey or palette.
TESSERA_MAX_DECODED_IMAGE_BYTES = env.int("TESSERA_MAX_DECODED_IMAGE_BYTES", default=128 * 1024**2)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("TESSERA_MAX_REQUEST_BODY", default=10 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Celery ----------------------------------------------------------------------------------
# Without a broker, tasks run in-process; `delay_on_commit` still waits for the commit.
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"*.tasks.media_*": {"queue": "media"}}
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# A task redelivered after a worker died is acknowledged on the redelivery; with acks_late
# the visibility timeout bounds how long a lost task waits before it is delivered again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("TESSERA_BROKER_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "governance.tasks.worker_heartbeat", "schedule": 60.0},
    # Sends the on-commit tasks a broker outage kept in the database (governance.on_commit).
    "unsent-tasks-send": {"task": "governance.tasks.unsent_tasks_send", "schedule": 60.0},
    "rights-expiry-report": {"task": "dam.tasks.rights_expiry_report", "schedule": 24 * 3600.0},
    # Withdraws assets whose usage rights ended from the stored channel documents.
    "channel-documents-sweep": {
        "task": "linking.tasks.documents.channel_documents_sweep",
        "schedule": 3600.0,
    },
    # At night (server time), away from working hours: a run reads the whole catalog.
    "quality-run-nightly": {
        "task": "governance.tasks.quality_run_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    # Publishes events whose on-commit relay was lost; queues webhook retries too far off to
    # wait in the broker (Redis re-delivers a task held past its visibility timeout).
    "events-relay": {"task": "linking.tasks.webhooks.events_relay", "schedule": 60.0},
    "webhook-deliveries-due": {
        "task": "linking.tasks.webhooks.webhook_deliveries_due",
        "schedule": 60.0,
    },
    # Starts the scheduled channel exports that are due (a schedule's rhythm is its own).
    "scheduled-exports": {
        "task": "linking.tasks.exports.scheduled_exports_run",
        "schedule": 120.0,
    },
}

# --- product media ----------------------------------------------------------------------------
# The rendition profile whose URL product media lists give as each asset's thumbnail (none
# while no profile has this code).
TESSERA_MEDIA_THUMBNAIL_PROFILE = env.str("TESSERA_MEDIA_THUMBNAIL_PROFILE", default="thumb")

# --- media import -----------------------------------------------------------------------------
# A ZIP is refused whole beyond this many entries or this much uncompressed data.
TESSERA_MEDIA_IMPORT_MAX_ENTRIES = env.int("TESSERA_MEDIA_IMPORT_MAX_ENTRIES", default=10_000)
TESSERA_MEDIA_IMPORT_MAX_TOTAL_BYTES = env.int(
    "TESSERA_MEDIA_IMPORT_MAX_TOTAL_BYTES", default=20 * 1024**3
)
# Media fetched from URLs: seconds for a whole download; private, loopback and link-local
# destinations only for tests and local sources, never in production (request forgery).
TESSERA_MEDIA_FETCH_TIMEOUT = env.float("TESSERA_MEDIA_FETCH_TIMEOUT", default=60.0)
TESSERA_MEDIA_FETCH_ALLOW_PRIVATE = env.bool("TESSERA_MEDIA_FETCH_ALLOW_PRIVATE", default=False)

# --- webhooks ---------------------------------------------------------------------------------
# Let webhook endpoints be http:// and resolve to private, loopback or link-local addresses:
# for tests and local receivers only, never in production (server-side request forgery).
TESSERA_WEBHOOKS_ALLOW_PRIVATE = env.bool("TESSERA_WEBHOOKS_ALLOW_PRIVATE", default=False)
# Seconds between a failed attempt and the next (±10 % jitter); the default is Standard
# Webhooks' schedule: 8 attempts over about 27.6 hours.
TESSERA_WEBHOOK_RETRY_SCHEDULE = env.list(
    "TESSERA_WEBHOOK_RETRY_SCHEDULE", cast=int, default=[5, 300, 1800, 7200, 18000, 36000, 36000]
)
# An endpoint is disabled after this many failed attempts in a row, once the first of them
# is at least TESSERA_WEBHOOK_DISABLE_AFTER_HOURS old (a short outage does not disable it).
TESSERA_WEBHOOK_DISABLE_AFTER = env.int("TESSERA_WEBHOOK_DISABLE_AFTER", default=100)
TESSERA_WEBHOOK_DISABLE_AFTER_HOURS = env.float("TESSERA_WEBHOOK_DISABLE_AFTER_HOURS", default=24)

# --- auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: anonymous users get no object permissions
# Four-eyes: whoever submitted or last edited an item may not approve or reject it.
TESSERA_FOUR_EYES = env.bool("TESSERA_FOUR_EYES", default=True)

# --- email (reviewers are notified) -----------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.com:587; in DEBUG mails go to the console.
EMAIL_URL_DEFAULT = "consolemail://" if DEBUG else "smtp://localhost:25"
vars().update(env.email_url("EMAIL_URL", default=EMAIL_URL_DEFAULT))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tessera@localhost")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- security ---------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preload only permits submitting the domain to the browsers' list; it submits nothing.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP inside the pod
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["governance.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["governance.api.renderers.ORJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "governance.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.problems.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "governance.throttling.PersonRateThrottle",
        "governance.throttling.ApiKeyRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("TESSERA_THROTTLE_ANON", default="60/min"),
        "user": env.str("TESSERA_THROTTLE_USER", default="6000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Each API key's request budget (governance.throttling.ApiKeyRateThrottle).
TESSERA_THROTTLE_KEY = env.str("TESSERA_THROTTLE_KEY", default="1200/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Tessera API",
    "DESCRIPTION": "Product information and digital assets in one model. "
    "Errors are application/problem+json (RFC 9457).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.problem_responses",
    ],
    # Several serializers have an `action` field; the workflow's gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "WorkflowActionEnum": "governance.workflow.ACTION_CHOICES",
        "AuditActionEnum": "governance.models.AuditAction",
        "ChangeKindEnum": "governance.models.ChangeKind",
        "ImportKindEnum": "linking.models.ImportKind",
    },
}

# --- logging ----------------------------------------------------------------------------------
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "VALIDATE_GUID": True,
    "UUID_LENGTH": 32,
    # The request id travels into Celery tasks, so a worker's log lines name the request.
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=False)],
}
LOG_FORMAT = env.str("TESSERA_LOG_FORMAT", default="text" if DEBUG else "json")
LOG_LEVEL = env.str("TESSERA_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(correlation_id)s %(message)s",
            "rename_fields": {"correlation_id": "request_id", "asctime": "time"},
        },
        "text": {
            "format": "%(asctime)s %(levelname)-7s [%(correlation_id)s] %(name)s: %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django_guid": {"level": "WARNING"}},
}
