"""The gateway as front door, against running processes: caching, routing faults, limits,
request IDs, logs, metrics and security headers."""

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import mint
from tests.processes import UpstreamServer
from tests.processes import free_port
from tests.processes import start_gunicorn


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one GET."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def lone_gateway(system, tmp_path_factory):
    """One more gateway (1 worker, so its memory cache is the whole cache) before the system's
    badges and SBOM services, with a low rate limit."""
    tmp = tmp_path_factory.mktemp("lone")
    port = free_port()
    env = {**system.env, "STATE_DIR": str(tmp / "state"), "RATE_LIMIT": "40 per minute"}
    process = start_gunicorn("gateway.wsgi:app", port, env, tmp / "logs", "lone", workers=1)
    yield f"http://127.0.0.1:{port}", tmp / "logs"
    process.stop()


def _badge_hits(system, path_fragment: str, expected: int) -> int:
    """How many requests for `path_fragment` the badges service logged. gunicorn writes an
    access line after the response has gone, so wait (briefly) for the expected count."""
    deadline = time.monotonic() + 3
    while True:
        log = (system.log_dir / "badges.access.log").read_text()
        count = sum(1 for line in log.splitlines() if path_fragment in line)
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_a_hot_public_badge_is_answered_by_the_gateway_alone(system, lone_gateway):
    base, _ = lone_gateway
    url = f"{base}/main/zlib/badges/version.svg?label=hot-badge-test"
    answers = [fetch(url) for _ in range(5)]
    assert all(status == 200 for status, _, _ in answers)
    assert len({body for _, _, body in answers}) == 1
    assert _badge_hits(system, "label=hot-badge-test", 1) == 1
    etag = answers[0][1]["ETag"]
    status, headers, body = fetch(url, {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["ETag"] == etag
    time.sleep(0.3)  # a stray late line would show here
    assert _badge_hits(system, "label=hot-badge-test", 1) == 1


def test_private_badges_are_never_stored(system, lone_gateway):
    base, _ = lone_gateway
    token = mint("private", audience=["badges", "api"])
    url = f"{base}/private/r-base/badges/version.svg?label=private-cache-test&token={token}"
    for _ in range(3):
        status, headers, _ = fetch(url)
        assert status == 200 and "no-store" in headers["Cache-Control"]
    assert _badge_hits(system, "label=private-cache-test", 3) == 3


def test_request_ids_are_kept_when_sane_and_reach_the_service(system, lone_gateway):
    base, _ = lone_gateway
    status, headers, _ = fetch(
        f"{base}/main/zlib/badges/license.svg?label=rid-test", {"X-Request-ID": "trace-42.abc"}
    )
    assert status == 200 and headers["X-Request-ID"] == "trace-42.abc"
    log = system.log_dir / "badges.access.log"
    deadline = time.monotonic() + 3  # gunicorn writes the line after the response has gone
    while "trace-42.abc" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "trace-42.abc" in log.read_text()
    _, headers, _ = fetch(f"{base}/healthz", {"X-Request-ID": "bad id; rm -rf /" + "x" * 80})
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])


def test_security_headers_on_every_kind_of_answer(lone_gateway):
    base, _ = lone_gateway
    for path in ("/main/zlib/badges/version.svg", "/api/channels/main/artifacts", "/nope/x"):
        _, headers, _ = fetch(base + path)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_rate_limit_answers_429_with_retry_after(lone_gateway):
    base, _ = lone_gateway
    statuses = []
    for n in range(60):
        # a forged X-Forwarded-For does not make a new client: no proxy is trusted here
        status, headers, body = fetch(
            f"{base}/api/channels/main/artifacts?limit={1 + n % 5}",
            {"X-Forwarded-For": f"10.0.0.{n}"},
        )
        statuses.append(status)
        if status == 429:
            assert int(headers["Retry-After"]) >= 1
            assert json.loads(body)["error"]["code"] == "too_many_requests"
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}


def test_metrics_are_labelled_by_route_template(system):
    fetch(f"{system.gateway_url}/api/channels/main/artifacts/conda/zlib")
    assert fetch(f"{system.gateway_url}/metrics")[0] == 404  # never on the public port
    status, _, body = fetch(f"{system.metrics_urls['gateway']}/metrics")
    text = body.decode()
    assert status == 200
    assert 'route="/api/channels/<channel>/artifacts/conda/<name>"' in text
    assert "artifacts/conda/zlib" not in text  # never raw paths
    assert "gateway_upstream_fetches_total" in text


def test_one_json_log_line_per_request(system):
    fetch(
        f"{system.gateway_url}/api/channels/main/artifacts/conda/zlib",
        {"X-Request-ID": "log-line-test"},
    )
    lines = [
        json.loads(line)
        for path in system.log_dir.glob("gateway*")
        for line in path.read_text().splitlines()
        if line.startswith("{") and "log-line-test" in line
    ]
    assert len(lines) == 1
    (line,) = lines
    assert line["route"] == "/api/channels/<channel>/artifacts/conda/<name>"
    assert line["status"] == 200 and line["cache"] in ("hit", "miss", "stale")
    assert line["duration_ms"] >= 0


def test_a_dead_service_gives_a_grey_badge_and_a_clear_502(tmp_path, system):
    port = free_port()
    slow = UpstreamServer()
    slow.mode, slow.slow_seconds = "slow", 3
    env = {
        **system.env,
        "STATE_DIR": str(tmp_path / "state"),
        "BADGES_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "SBOM_URL": slow.url,
        "SERVICE_TIMEOUT": "0.5,1",
    }
    process = start_gunicorn("gateway.wsgi:app", port, env, tmp_path / "logs", "gw", workers=1)
    try:
        base = f"http://127.0.0.1:{port}"
        status, headers, body = fetch(f"{base}/main/zlib/badges/version.svg")
        assert status == 502 and headers["Content-Type"].startswith("image/svg+xml")
        assert b"unavailable" in body and b'role="img"' in body
        status, _, body = fetch(f"{base}/main/zlib/badges/version.json")
        assert status == 502 and json.loads(body)["message"] == "unavailable"
        status, _, body = fetch(f"{base}/main/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json")
        assert status == 504 and json.loads(body)["error"]["code"] == "service_timeout"
    finally:
        process.stop()
        slow.close()
