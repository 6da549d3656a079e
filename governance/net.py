"""Outbound HTTP to the public internet only: the guard against server-side request forgery.

Whoever registers a URL (a webhook endpoint, an import source) must not make Tessera reach
what only Tessera can reach: loopback, private networks, link-local cloud metadata
(169.254.169.254), multicast, reserved space, and the same addresses hidden inside IPv6
(IPv4-mapped, 6to4, NAT64). `destination_check` refuses them when a URL is saved;
`public_http_request` checks again at request time and connects to the very address it
vetted (TLS still verifies the certificate and sends SNI for the host name), then checks the
connected peer, so a name re-pointed to a private address after it was vetted (DNS
rebinding) gets nowhere. Redirects are never followed: each hop would need the same check,
and a receiver has no reason to redirect.
"""

import ipaddress
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError
from urllib3.util.connection import create_connection

NAT64 = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefused(Exception):
    """The URL may not be reached: its scheme, its form, or an address its host resolves to."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


class RequestFailed(Exception):
    """The request was allowed but did not get an answer (refused, timed out, TLS, protocol)."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict  # names in lower case
    body: bytes  # at most the `max_response_bytes` asked for
    elapsed_ms: int


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: str) -> str | None:
    """Why this IP address is not a public destination (e.g. "a loopback address"), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if ip.version == 6:
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = address_refusal(str(embedded))
            return f"{reason} inside an IPv6 address" if reason else None
    for flag, reason in (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, flag):
            return reason
    return None if ip.is_global else "not a public address"


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name (or literal) resolves to; refused when it resolves to none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DestinationRefused(
            f"The host {host} cannot be resolved ({exc}).", "unresolvable"
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise DestinationRefused(f"The host {host} resolves to no address.", "unresolvable")
    return addresses


def vetted_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The host's addresses, all of them public (else refused: one private answer is enough to
    distrust a name), or every address when private destinations are allowed."""
    addresses = resolve(host, port)
    if not allow_private:
        for address in addresses:
            reason = address_refusal(address)
            if reason:
                raise DestinationRefused(
                    f"The host {host} resolves to {address}, {reason}.", "private_destination"
                )
    return addresses


def _split(url: str, schemes) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a URL we may call; refused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(f"Not a valid URL: {exc}.", "invalid_url") from None
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        raise DestinationRefused(
            f"The URL must start with {' or '.join(f'{s}://' for s in schemes)}.", "scheme"
        )
    if not parts.hostname:
        raise DestinationRefused("The URL names no host.", "invalid_url")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("The URL may not carry a user name or password.", "userinfo")
    try:
        host = parts.hostname.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise DestinationRefused(
            f"{parts.hostname} is not a valid host name.", "invalid_url"
        ) from None
    port = port or (443 if scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, target


def destination_check(url: str, *, allow_private: bool, schemes=("http", "https")) -> list[str]:
    """Refuse (DestinationRefused) a URL that is malformed, of another scheme, or whose host
    resolves to any non-public address unless `allow_private`; the vetted addresses."""
    _, host, port, _ = _split(url, schemes)
    return vetted_addresses(host, port, allow_private=allow_private)


def peer_check(sock: socket.socket, *, allow_private: bool) -> None:
    """Refuse a connected socket whose peer is not a public address (closing it)."""
    if allow_private:
        return
    peer = sock.getpeername()[0]
    reason = address_refusal(peer)
    if reason:
        sock.close()
        raise DestinationRefused(f"Connected to {peer}, {reason}.", "private_destination")


class _GuardedConnectionMixin:
    """Connect only to an address vetted just now, then check the peer actually reached."""

    def __init__(self, *args, allow_private: bool = False, **kwargs):
        self.allow_private = allow_private
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        addresses = vetted_addresses(self.host, self.port, allow_private=self.allow_private)
        last_error: OSError | None = None
        for address in addresses:
            try:
                sock = create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} ({address}) timed out."
                ) from exc
            except OSError as exc:
                last_error = exc
                continue
            peer_check(sock, allow_private=self.allow_private)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


def public_http_request(
    method: str,
    url: str,
    *,
    headers: dict,
    body: bytes | None = None,
    timeout: float = 10.0,
    max_response_bytes: int = 4096,
    allow_private: bool = False,
) -> HttpAnswer:
    """Send one request to a public destination: no redirect followed, no retry, `timeout`
    seconds in all to connect and read, at most `max_response_bytes` of the answer read.
    Raises DestinationRefused (nothing was sent) or RequestFailed (no answer)."""
    started = time.monotonic()
    with public_http_stream(
        url, method=method, body=body, headers=headers, timeout=timeout, allow_private=allow_private
    ) as response:
        try:
            content = response.read(max_response_bytes)
        except (HTTPError, OSError) as exc:
            raise RequestFailed(str(exc) or type(exc).__name__) from exc
    return HttpAnswer(
        status=response.status,
        headers={name.lower(): value for name, value in response.headers.items()},
        body=content,
        elapsed_ms=round((time.monotonic() - started) * 1000),
    )


@contextmanager
def public_http_stream(
    url: str,
    *,
    headers: dict,
    method: str = "GET",
    body: bytes | None = None,
    timeout: float = 10.0,
    allow_private: bool = False,
) -> Iterator:
    """Send one request to a public destination (no redirect, no retry, the address checks of
    the guarded connections) and yield the urllib3 response unread, for the caller to stream
    (status, headers, `read(n)`). Raises DestinationRefused or RequestFailed on the way in;
    errors while reading are the caller's (urllib3 HTTPError, OSError)."""
    scheme, host, port, target = _split(url, ("http", "https"))
    pool_class = _GuardedHTTPSPool if scheme == "https" else _GuardedHTTPPool
    pool = pool_class(
        host,
        port,
        timeout=Timeout(total=timeout),
        maxsize=1,
        retries=False,
        allow_private=allow_private,
    )
    try:
        try:
            response = pool.urlopen(
                method,
                target,
                body=body,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=False,  # the bytes as sent: never inflate a compressed body here
            )
        except (HTTPError, OSError) as exc:
            raise RequestFailed(str(exc) or type(exc).__name__) from exc
        try:
            yield response
        finally:
            response.release_conn()
    finally:
        pool.close()
