"""A real HTTP server on loopback, in a thread, that records every request it gets and answers
as the test says: the other end of a webhook delivery."""

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict  # lower-case names
    body: bytes


class Receiver:
    """`answer(received, count)` → (status, headers, body); count is how many requests came
    before this one with the same webhook-id. Default: 204 to everything."""

    def __init__(self, answer=None):
        self.answer = answer or (lambda received, count: (204, {}, b""))
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                received = Received(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                with receiver._lock:
                    count = sum(
                        r.headers.get("webhook-id") == received.headers.get("webhook-id")
                        for r in receiver.requests
                    )
                    receiver.requests.append(received)
                status, headers, body = receiver.answer(received, count)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
