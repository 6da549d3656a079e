"""Assets fetched from a URL (an import's image column, an API call): downloaded by the worker
through governance.net's guard (public addresses only, no redirect followed, the upload size
limit, a time limit for the whole download), streamed to a temporary file, then ingested as
any upload (sniffed, validated, deduplicated by hash: the same bytes are the same asset)."""

import os
import tempfile
import time
from urllib.parse import unquote, urlsplit

from django.conf import settings
from urllib3.exceptions import HTTPError

from dam.models import Collection
from dam.services import Ingested, UploadsRefused, assets_ingest, safe_filename
from dam.validators import max_upload_bytes
from governance import net

CHUNK = 256 * 1024
MAX_URL_LENGTH = 2048


class FetchRefused(ValueError):
    """A URL whose file was not taken: `code` for machines ("private_address", "too_large",
    "timeout", "http_status", "redirect", "request_failed", "invalid_url", or the upload rule
    the file broke, e.g. "type_not_allowed"), `message` for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def url_filename(url: str) -> str:
    """The file name a URL's path ends with (percent-decoding undone), made safe; "download"
    when the path names none. It is a label and what naming rules read, never a storage key."""
    path = unquote(urlsplit(url).path or "")
    name = safe_filename(path.rstrip("/").rsplit("/", 1)[-1])
    return "download" if name == "unnamed" else name


def _timeout() -> float:
    return float(settings.TESSERA_MEDIA_FETCH_TIMEOUT)


def _download(url: str, out) -> None:
    """Stream the answer's body into `out`, or raise FetchRefused."""
    limit, timeout = max_upload_bytes(), _timeout()
    deadline = time.monotonic() + timeout
    try:
        with net.public_http_stream(
            url,
            headers={"Accept": "*/*", "Accept-Encoding": "identity", "User-Agent": "Tessera"},
            timeout=timeout,
            allow_private=settings.TESSERA_MEDIA_FETCH_ALLOW_PRIVATE,
        ) as response:
            if 300 <= response.status < 400:
                where = response.headers.get("location", "")
                raise FetchRefused(
                    "redirect",
                    f"The server answered {response.status} (a redirect to {where[:200]!r}); "
                    "redirects are not followed.",
                )
            if response.status != 200:
                raise FetchRefused(
                    "http_status", f"The server answered {response.status}, not 200."
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchRefused(
                    "too_large", f"The file is {int(declared):,} bytes; the limit is {limit:,}."
                )
            size = 0
            # read1: whatever has arrived (up to CHUNK), so a server sending a byte now and
            # then meets the deadline instead of holding the worker until its body is done.
            while chunk := response.read1(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FetchRefused("too_large", f"The file is over the {limit:,}-byte limit.")
                if time.monotonic() > deadline:
                    raise FetchRefused(
                        "timeout", f"The download took longer than {timeout:g} seconds."
                    )
                out.write(chunk)
    except net.DestinationRefused as exc:
        code = "private_address" if exc.code == "private_destination" else exc.code
        raise FetchRefused(code, exc.message) from None
    except net.RequestFailed as exc:
        cause = exc.__cause__
        if isinstance(cause, TimeoutError) or "timed out" in str(exc).lower():
            raise FetchRefused("timeout", f"No answer in time: {exc}") from None
        raise FetchRefused("request_failed", f"The request failed: {exc}") from None
    except (HTTPError, OSError) as exc:  # while reading the body; TimeoutError is an OSError
        text = str(exc) or type(exc).__name__
        if isinstance(exc, TimeoutError) or "timed out" in text.lower():
            raise FetchRefused("timeout", f"The download stalled: {text}") from None
        raise FetchRefused("request_failed", f"The download failed: {text}") from None


def asset_fetch(
    url: str,
    *,
    actor=None,
    collection: Collection | None = None,
    collection_scope: set[int] | None = None,
) -> Ingested:
    """Download a URL's file and ingest it (a file already in the library answers that asset);
    raises FetchRefused with the reason when the URL, the answer or the file is refused."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL_LENGTH:
        raise FetchRefused("invalid_url", f"A URL is text of 1 to {MAX_URL_LENGTH} characters.")
    url = url.strip()
    filename = url_filename(url)
    suffix = os.path.splitext(filename)[1][:16]
    with tempfile.NamedTemporaryFile(suffix=suffix) as temporary:
        _download(url, temporary)
        temporary.flush()
        temporary.seek(0)
        try:
            [ingested] = assets_ingest(
                uploads=[(filename, temporary)],
                actor=actor,
                collection=collection,
                collection_scope=collection_scope,
            )
        except UploadsRefused as exc:
            [(_, _, refusal)] = exc.refusals
            raise FetchRefused(refusal.code, refusal.message) from None
    return ingested
