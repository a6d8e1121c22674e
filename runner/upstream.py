"""A real HTTP server on loopback serving recorded upstream files, with faults on demand."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections import Counter
from pathlib import Path


class UpstreamServer:
    """A real HTTP server on loopback serving recorded upstream files, with faults on demand.

    `routes` maps URL paths to files on disk. `mode` is one of: ok, down (connection reset),
    error (HTTP 500), garbage (200 with a body that is not JSON), slow (sleep then answer).
    """

    def __init__(self, routes: dict[str, Path] | None = None, root: Path | None = None):
        self.routes = dict(routes or {})
        self.root = root
        self.mode = "ok"
        self.slow_seconds = 5.0
        self.hits: Counter[str] = Counter()
        self.headers_seen: list[dict[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.hits[path] += 1
                    server.headers_seen.append(dict(self.headers))
                mode = server.mode
                if mode == "down":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if mode == "slow":
                    time.sleep(server.slow_seconds)
                if mode == "error":
                    return self._send(500, b'{"error": "upstream broke"}')
                if mode == "garbage":
                    return self._send(200, b"<html>this is not json {")
                file = server.routes.get(path)
                if file is None and server.root is not None:
                    candidate = (server.root / path.lstrip("/")).resolve()
                    if server.root.resolve() in candidate.parents and candidate.is_file():
                        file = candidate
                if file is None or not file.is_file():
                    return self._send(404, b'{"error": "not found"}')
                return self._send(200, file.read_bytes())

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class QuietServer(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # faults we inject, not news
                pass

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def count(self, suffix: str = "") -> int:
        """Requests seen for paths ending with `suffix` (all requests for '')."""
        with self._lock:
            return sum(n for path, n in self.hits.items() if path.endswith(suffix))

    def close(self) -> None:
        """Stop serving (kept-alive connections are cut too)."""
        self.mode = "down"
        self.httpd.shutdown()
        self.httpd.server_close()
