"""A real HTTP server on loopback, in a thread, serving files the test gives it: the far end of
a media import from URLs. Every request's path is recorded (a redirect not followed shows as
one request only)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class MediaServer:
    """`routes`: path → (status, headers, body). A body may be a list of byte chunks sent with
    `pause` seconds between them (a slow server); headers get a Content-Length unless they say
    `chunked` (then none is sent and the connection closes at the end)."""

    def __init__(self, routes: dict, pause: float = 0.0):
        self.routes, self.pause, self.paths = dict(routes), pause, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                server.paths.append(self.path)
                status, headers, body = server.routes.get(self.path, (404, {}, b"not here"))
                chunks = body if isinstance(body, list) else [body]
                self.send_response(status)
                headers = dict(headers)
                unsized = headers.pop("chunked", False)
                for name, value in headers.items():
                    self.send_header(name, value)
                if not unsized:
                    self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        if server.pause:
                            time.sleep(server.pause)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def log_message(self, format, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
