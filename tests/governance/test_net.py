"""The outbound-request guard: non-public destinations are refused before anything is sent,
the connected peer is checked, redirects are not followed, answers are read only so far."""

import contextlib
import datetime
import socket
import ssl
import threading
import time

import pytest

from governance import net
from tests.linking.receiver import Receiver


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.5", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a private address"),  # reserved space, in Python's private table
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "a loopback address inside an IPv6 address"),
        ("::ffff:169.254.169.254", "a link-local address inside an IPv6 address"),
        ("2002:7f00:1::", "a loopback address inside an IPv6 address"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", "a private address inside an IPv6 address"),  # NAT64 of 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused_with_the_reason(address, reason):
    assert net.address_refusal(address) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert net.address_refusal(address) is None


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://127.0.0.1/hook", "private_destination"),
        ("https://10.0.0.8/hook", "private_destination"),
        ("https://169.254.169.254/latest/meta-data/", "private_destination"),
        ("https://[::1]:8443/hook", "private_destination"),
        ("https://localhost/hook", "private_destination"),  # a name that resolves to loopback
        ("https://does-not-exist.invalid/hook", "unresolvable"),
        ("ftp://8.8.8.8/file", "scheme"),
        ("https://user:secret@8.8.8.8/hook", "userinfo"),
        ("https:///no-host", "invalid_url"),
        ("https://8.8.8.8:99999/", "invalid_url"),
    ],
)
def test_destination_check_refuses(url, code):
    with pytest.raises(net.DestinationRefused) as refused:
        net.destination_check(url, allow_private=False)
    assert refused.value.code == code


def test_destination_check_accepts_public_addresses_and_private_ones_only_when_allowed():
    assert net.destination_check("https://8.8.8.8/hook", allow_private=False) == ["8.8.8.8"]
    assert "127.0.0.1" in net.destination_check("http://localhost:8000/", allow_private=True)
    with pytest.raises(net.DestinationRefused):
        net.destination_check("http://8.8.8.8/", allow_private=False, schemes=("https",))


def test_the_connected_peer_is_checked():
    listener = socket.create_server(("127.0.0.1", 0))
    with listener, socket.create_connection(listener.getsockname()) as sock:
        net.peer_check(sock, allow_private=True)
        with pytest.raises(net.DestinationRefused, match=r"Connected to 127\.0\.0\.1"):
            net.peer_check(sock, allow_private=False)
        assert sock.fileno() == -1  # closed: nothing can be sent on it


def test_a_loopback_destination_gets_nothing_unless_allowed():
    with Receiver() as receiver:
        with pytest.raises(net.DestinationRefused, match="loopback"):
            net.public_http_request("POST", receiver.url + "/x", headers={}, body=b"{}")
        assert receiver.requests == []
        answer = net.public_http_request(
            "POST", receiver.url + "/x?a=1", headers={"x-test": "1"}, body=b"{}", allow_private=True
        )
    assert answer.status == 204
    [received] = receiver.requests
    assert (received.path, received.headers["x-test"], received.body) == ("/x?a=1", "1", b"{}")


def test_redirects_are_not_followed():
    def answer(received, count):
        if received.path == "/first":
            return 302, {"location": "/second"}, b""
        return 200, {}, b"second"

    with Receiver(answer) as receiver:
        result = net.public_http_request(
            "POST", receiver.url + "/first", headers={}, body=b"", allow_private=True
        )
    assert result.status == 302 and result.headers["location"] == "/second"
    assert [r.path for r in receiver.requests] == ["/first"]


def test_only_the_first_bytes_of_an_answer_are_read():
    with Receiver(lambda received, count: (200, {}, b"x" * 100_000)) as receiver:
        result = net.public_http_request(
            "POST", receiver.url, headers={}, body=b"", allow_private=True, max_response_bytes=100
        )
    assert result.body == b"x" * 100


def test_a_silent_server_times_out():
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (backlog) but never answers
    port = listener.getsockname()[1]
    started = time.monotonic()
    with listener, pytest.raises(net.RequestFailed, match="timed out"):
        net.public_http_request(
            "POST", f"http://127.0.0.1:{port}/", headers={}, body=b"", timeout=0.5,
            allow_private=True,
        )  # fmt: skip
    assert time.monotonic() - started < 3


def test_a_closed_port_is_a_failed_request():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    with pytest.raises(net.RequestFailed):
        net.public_http_request(
            "POST", f"http://127.0.0.1:{port}/", headers={}, body=b"", allow_private=True
        )


def _self_signed(tmp_path) -> tuple[str, str]:
    """A certificate for "localhost" signed by nobody a client trusts, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_https_connects_to_the_vetted_address_yet_verifies_the_host_name(tmp_path):
    """The socket goes to the address vetted, but TLS still sends the host name (SNI) and
    verifies the certificate: an untrusted one fails, nothing is posted."""
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    names = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        connection, _ = listener.accept()
        with contextlib.suppress(ssl.SSLError, OSError):
            context.wrap_socket(connection, server_side=True).recv(1)
        connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with listener, pytest.raises(net.RequestFailed, match="CERTIFICATE_VERIFY_FAILED"):
        net.public_http_request(
            "POST", f"https://localhost:{port}/", headers={}, body=b"{}", allow_private=True
        )
    thread.join(timeout=5)
    assert names == ["localhost"]
    with pytest.raises(net.DestinationRefused):
        net.public_http_request("POST", f"https://localhost:{port}/", headers={}, body=b"")
