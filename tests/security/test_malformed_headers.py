"""Finding 13c: gunicorn's own 400 page echoed a malformed `Authorization` line to its sender."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.integration

SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ"
MALFORMED = [
    f"Authorization : Bearer {SECRET}",
    f"Authorization: Bearer {SECRET}\x01",
    f"Authori\x7fzation: Bearer {SECRET}",
    f"Authorization Bearer {SECRET}",
]


def _raw(port: int, header: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            f"GET /healthz HTTP/1.1\r\nHost: x\r\n{header}\r\nConnection: close\r\n\r\n".encode(
                "latin-1"
            )
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize("header", MALFORMED, ids=["space", "control", "del", "no-colon"])
def test_a_malformed_header_line_is_never_echoed(attacked, header):
    for base in (attacked.gateway_url, attacked.badges_url):
        answer = _raw(int(base.rsplit(":", 1)[1]), header)
        assert answer.startswith(b"HTTP/1.")
        assert SECRET.encode() not in answer
        assert SECRET[-20:].encode() not in answer
