"""Views that belong to no app: signed file delivery and the probes."""

import logging
import mimetypes
import os
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connections
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from config.storage import name_from_token

logger = logging.getLogger(__name__)

# Raster images may be shown inline; everything else downloads, so nothing renders as a page.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"}


@require_GET
def signed_file(request, token, filename):
    try:
        name = name_from_token(token)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise Http404("This link is invalid or has expired.") from exc
    if not default_storage.exists(name):
        raise Http404("No such file.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        default_storage.open(name, "rb"),
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=os.path.basename(name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = f"private, max-age={settings.SIGNED_URL_MAX_AGE}"
    return response


@never_cache
@require_GET
def healthz(request):
    """The process is alive; says nothing of its dependencies."""
    return JsonResponse({"status": "ok"})


def _check_database():
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    return "ok"


def _check_storage():
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:
        bucket.meta.client.head_bucket(Bucket=bucket.name)
        return f"s3 bucket {bucket.name}"
    location = default_storage.location
    os.makedirs(location, exist_ok=True)  # as the storage itself would on the first save
    if not os.access(location, os.W_OK):
        raise PermissionError(f"{location} is not writable")
    return "local folder"


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (no broker configured)"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _check_cache():
    cache.set("readyz", "1", timeout=5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not return what was written")
    return "ok"


CHECKS = {
    "database": _check_database,
    "storage": _check_storage,
    "broker": _check_broker,
    "cache": _check_cache,
}


@never_cache
@require_GET
def readyz(request):
    """Ready to serve: every dependency answers. 503 names each part that does not."""
    results, failing = {}, []
    for part, check in CHECKS.items():
        started = time.monotonic()
        try:
            results[part] = {"ok": True, "detail": check()}
        except Exception as exc:
            logger.warning("readyz: %s unavailable", part, exc_info=True)
            failing.append(part)
            # The class name only: messages may carry hosts or credentials.
            results[part] = {"ok": False, "detail": f"{type(exc).__name__}"}
        results[part]["ms"] = round((time.monotonic() - started) * 1000, 1)
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "checks": results}
    return JsonResponse(body, status=503 if failing else 200)
