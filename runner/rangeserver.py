"""A real HTTP/1.1 server on loopback that serves files with Range support and counts the
body bytes it sends per path (what a remote channel costs the gateway)."""

from __future__ import annotations

import http.server
import re
import threading
from collections import Counter
from pathlib import Path

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeServer:
    """Serves files under `root` (or `routes`), honouring single `Range: bytes=` requests."""

    def __init__(self, root: Path, ranges: bool = True):
        self.root = root
        self.ranges = ranges  # False: a server that ignores Range (answers 200, whole file)
        self.overrides: dict[str, bytes] = {}  # path -> bytes served instead of the file
        self.bytes_sent: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.range_headers: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                data = server.overrides.get(path)
                if data is None:
                    file = (server.root / path.lstrip("/")).resolve()
                    if server.root.resolve() not in file.parents or not file.is_file():
                        return self._send(404, b'{"error": "not found"}', path)
                    data = file.read_bytes()
                header = self.headers.get("Range")
                match = _RANGE.match(header or "")
                if header:
                    with server._lock:
                        server.range_headers.append(header)
                if not (server.ranges and match):
                    return self._send(200, data, path)
                first, last = match.groups()
                size = len(data)
                if first == "":  # the last N bytes
                    start, end = max(0, size - int(last)), size - 1
                else:
                    start, end = int(first), min(int(last) if last else size - 1, size - 1)
                if start >= size:
                    return self._send(416, b"", path, {"Content-Range": f"bytes */{size}"})
                extra = {"Content-Range": f"bytes {start}-{end}/{size}"}
                return self._send(206, data[start : end + 1], path, extra)

            def _send(self, status: int, body: bytes, path: str, extra: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes" if server.ranges else "none")
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
                with server._lock:
                    server.bytes_sent[path] += len(body)
                    server.requests[path] += 1

        class QuietServer(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # clients that hang up early
                pass

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
