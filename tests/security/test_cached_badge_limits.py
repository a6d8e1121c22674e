"""Finding 6: cached public badges were rate-limited and refused with JSON (broken README
images behind camo), and the counters were per worker."""

from __future__ import annotations

import socket
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.processes import free_port
from tests.processes import start_gunicorn
from tests.security.conftest import LIMIT
from tests.security.conftest import request

pytestmark = pytest.mark.integration

HOT = "/main/zlib/badges/version.svg"


def _raw_get(port: int, path: str, source: str) -> tuple[int, str]:
    """One GET over its own connection (1,500 of them open at once)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60, source_address=(source, 0)) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    status = int(head.split(" ", 2)[1])
    kind = next(
        (
            line.split(":", 1)[1].strip()
            for line in head.split("\r\n")
            if line.startswith("content-type:")
        ),
        "",
    )
    return status, kind


def test_1500_concurrent_requests_for_a_cached_badge_from_one_address_are_all_badges(attacked):
    source = "127.0.0.71"
    path = f"{HOT}?label=camo-{uuid.uuid4().hex[:6]}"
    assert request(attacked.gateway_url, path, source=source).status == 200  # now cached
    port = int(attacked.gateway_url.rsplit(":", 1)[1])
    with ThreadPoolExecutor(300) as pool:
        answers = list(pool.map(lambda _: _raw_get(port, path, source), range(1500)))
    kinds = {kind for _, kind in answers}
    assert kinds == {"image/svg+xml; charset=utf-8"}, kinds
    assert {status for status, _ in answers} == {200}


def test_a_refused_badge_is_a_rate_limited_badge_with_retry_after(attacked):
    source = "127.0.0.72"
    answers = [
        request(
            attacked.gateway_url,
            f"/main/zlib/badges/license.svg?label=r{i}-{uuid.uuid4().hex[:6]}",
            source=source,
        )
        for i in range(LIMIT + 3)
    ]
    refused = [a for a in answers if a.status == 429]
    assert refused, "the limit never refused"
    for answer in refused:
        assert answer.type.startswith("image/svg+xml")
        assert b"rate limited" in answer.body
        assert int(answer.headers["retry-after"]) >= 1
        assert "no-store" in answer.headers["cache-control"]
    shields = request(
        attacked.gateway_url, "/main/zlib/badges/license.json?label=after", source=source
    )
    assert shields.status == 429 and shields.json()["message"] == "rate limited"


def test_counters_are_shared_by_the_workers(attacked):
    source = "127.0.0.73"

    def one(i: int) -> int:
        return request(attacked.gateway_url, f"/api/channels?n={i}", source=source).status

    with ThreadPoolExecutor(16) as pool:  # many connections: both workers take some
        statuses = list(pool.map(one, range(LIMIT + 40)))
    assert statuses.count(200) == LIMIT


def test_memory_counters_say_plainly_that_they_count_per_worker(tmp_path, attacked):
    port = free_port()
    env = {
        **attacked.env,
        "STATE_DIR": str(tmp_path / "state"),
        "RATE_LIMIT_STORAGE_URL": "memory://",
        "GATEWAY_CACHE_URL": "",
    }
    process = start_gunicorn("gateway.wsgi:app", port, env, tmp_path / "logs", "memory", workers=2)
    process.stop()
    log = process.log()
    assert "per worker" in log and "RATE_LIMIT_STORAGE_URL" in log
