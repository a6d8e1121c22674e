"""A loopback HTTP server that closes a kept-alive connection the way gunicorn's keep-alive
expiry can: just as the client sends its next request on it, before any answer."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field


@dataclass
class DroppingServer:
    """Answers the first request on each connection (keep-alive) and drops the second unread;
    with `silent`, answers nothing at all (a server that is still working)."""

    body: bytes = b'{"name": "zlib"}'
    content_type: str = "application/json"
    silent: bool = False
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            reader = connection.makefile("rb")
            for turn in (1, 2):
                line = reader.readline()
                if not line:
                    return
                self.requests.append(line.decode().strip())
                length = 0
                while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode().partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                reader.read(length)
                if self.silent:
                    connection.recv(1)  # until the client gives up and closes
                    return
                if turn == 2:
                    return  # closed with no answer: the client sees the connection drop
                head = (
                    f"HTTP/1.1 200 OK\r\nContent-Type: {self.content_type}\r\n"
                    f"Content-Length: {len(self.body)}\r\nConnection: keep-alive\r\n\r\n"
                )
                connection.sendall(head.encode() + self.body)

    @contextmanager
    def running(self) -> Iterator[DroppingServer]:
        """Listen on a free loopback port while the block runs."""
        listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"

        def accept() -> None:
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        try:
            yield self
        finally:
            listener.close()
