"""The nginx edge cache of `make cluster` (the rules deploy/k8s runs too), against the real
nginx, gateways, services and Redis: what it stores, what it never stores, what it logs."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from deploy.cluster import BRIEF_CHANNEL
from deploy.cluster import start_cluster
from tests.conftest import DATA
from tests.conftest import SBOM_ACCEPT_POISON as POISON
from tests.conftest import mint
from tests.conftest import sbom_document_format as document_format
from tests.conftest import sbom_document_paths
from tests.processes import http_get

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("edge")]

BADGE = "/recipes/dependency/badges/version.svg"
PRIVATE_BADGE = "/private/r-base/badges/version.svg"
PRIVATE_API = "/api/channels/private/artifacts/conda/r-base"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = start_cluster(tmp_path_factory.mktemp("edge"), workers=1)
    yield running
    running.stop()


def get(cluster, path: str, headers: dict | None = None):
    status, head, body = http_get(cluster.url, path, headers)
    return status, head, body


def gateway_hits(cluster, fragment: str) -> int:
    """How many requests for `fragment` the gateway replicas logged (access lines are written
    after the answer: wait a moment for them)."""
    time.sleep(0.3)
    logs = (cluster.work_dir / "logs").glob("gateway-*.access.log")
    return sum(path.read_text().count(fragment) for path in logs)


used: list[str] = []  # every token this module sent, for the log check


def token_for(cluster, channels: str = "private") -> str:
    secret = cluster.env["TOKEN_HS256_SECRET"]
    token = mint(
        channels, audience=["api", "badges", "sbom"], secret=secret, issuer="conda-badges-dev"
    )
    used.append(token)
    return token


def test_a_public_badge_is_served_by_the_edge_with_304s(cluster):
    path = f"{BADGE}?label=edge-{uuid.uuid4().hex[:6]}"
    answers = [get(cluster, path) for _ in range(5)]
    assert [a[0] for a in answers] == [200] * 5
    assert [a[1]["x-edge-cache"] for a in answers][1:] == ["HIT"] * 4
    assert gateway_hits(cluster, path.split("?")[1]) == 1
    etag = answers[0][1]["etag"]
    status, head, body = get(cluster, path, {"If-None-Match": etag})
    assert status == 304 and body == b"" and head["x-edge-cache"] == "HIT"


def edge_log_lines(cluster, fragment: str) -> list[dict]:
    """The edge's access-log lines (JSON) whose path or query holds `fragment`."""
    time.sleep(0.5)  # the edge writes its log every 250 ms
    lines = (cluster.work_dir / "nginx" / "access.log").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    return [e for e in entries if fragment in e["path"] + "?" + e["query"]]


def test_an_answer_from_the_edge_never_carries_another_callers_request_id(cluster):
    label = f"rid-{uuid.uuid4().hex[:6]}"
    path = f"{BADGE}?label={label}"
    chosen = f"chosen-by-the-first-caller-{uuid.uuid4().hex[:6]}"
    status, head, _ = get(cluster, path, {"X-Request-ID": chosen})
    assert status == 200 and head["x-edge-cache"] == "MISS" and head["x-request-id"] == chosen
    assert gateway_hits(cluster, chosen) == 1  # one ID in the edge's and the gateway's logs
    status, head, _ = get(cluster, path)
    assert status == 200 and head["x-edge-cache"] == "HIT" and "x-request-id" not in head
    status, head, _ = get(cluster, path, {"X-Request-ID": "my-own.id:1"})
    assert head["x-edge-cache"] == "HIT" and head["x-request-id"] == "my-own.id:1"
    status, head, _ = get(cluster, path + "&x=1", {"X-Request-ID": "not sane <b>"})
    assert head["x-edge-cache"] == "MISS" and re.fullmatch("[0-9a-f]{32}", head["x-request-id"])
    assert gateway_hits(cluster, head["x-request-id"]) == 1
    logged = [(e["cache"], e["request_id"]) for e in edge_log_lines(cluster, label)]
    assert logged == [
        ("MISS", chosen),
        ("HIT", ""),
        ("HIT", "my-own.id:1"),
        ("MISS", head["x-request-id"]),
    ]


@pytest.mark.parametrize("placement", ["query", "path", "bearer"])
def test_tokenized_requests_are_never_stored_or_served_to_anyone_else(cluster, placement):
    token = token_for(cluster)
    label = f"tok-{placement}-{uuid.uuid4().hex[:6]}"
    for path in (f"{PRIVATE_BADGE}?label={label}", f"{BADGE}?label={label}"):
        url, headers = path, {}
        if placement == "query":
            url = f"{path}&token={token}"
        elif placement == "path":
            url = f"/t/{token}{path}"
        else:
            headers = {"Authorization": f"Bearer {token}"}
        for _ in range(2):
            status, head, _ = get(cluster, url, headers)
            assert status == 200 and head["x-edge-cache"] == "BYPASS"
            assert "no-store" in head["cache-control"]
        status, head, _ = get(cluster, path)  # the same URL without the token
        if path.startswith("/private"):
            assert status == 404
        else:  # a public badge: answered, but never from the tokenized request's entry
            assert head["x-edge-cache"] == "MISS"
    assert list((cluster.work_dir / "nginx" / "cache").rglob("*"))  # the cache is in use...
    for entry in (cluster.work_dir / "nginx" / "cache").rglob("*"):
        if entry.is_file():  # ...and no entry holds a token
            assert token.split(".")[2].encode() not in entry.read_bytes()


def test_a_private_channel_answered_404_is_still_readable_with_a_bearer_token(cluster):
    for _ in range(2):
        assert get(cluster, PRIVATE_API)[0] == 404
    token = token_for(cluster)
    status, head, body = get(cluster, PRIVATE_API, {"Authorization": f"Bearer {token}"})
    assert status == 200 and b"r-base" in body
    assert head["x-edge-cache"] == "BYPASS"


@pytest.mark.parametrize(
    "hostile",
    [
        {"Host": "evil.example"},
        {"X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Proto": "https"},
        {"X-Forwarded-For": "6.6.6.6"},
        {"Forwarded": "host=evil.example;proto=https"},
    ],
    ids=lambda h: next(iter(h)),
)
def test_client_headers_cannot_change_a_cached_answer(cluster, hostile):
    path = f"/recipes/dependency/badges?x={uuid.uuid4().hex[:6]}"
    get(cluster, path, hostile)
    status, _, body = get(cluster, path)
    assert status == 200
    assert b"evil.example" not in body and b"https://" not in body
    assert f"{cluster.url}/recipes/dependency/badges/version.svg".encode() in body


def test_negotiated_sboms_are_not_cached_at_the_edge(cluster):
    path = f"/recipes/noarch/dependency-2.0-0.conda/sbom.json?x={uuid.uuid4().hex[:6]}"
    _, head, body = get(cluster, path, {"Accept": "application/spdx+json;q=2, */*"})
    assert head["x-edge-cache"] == "BYPASS" and b"spdxVersion" in body
    _, head, body = get(cluster, path, {"Accept": "*/*"})
    assert b'"bomFormat": "CycloneDX"' in body or b'"bomFormat":"CycloneDX"' in body


@pytest.mark.parametrize("path", sbom_document_paths("/recipes/noarch/dependency-2.0-0.conda"))
def test_no_sbom_route_lets_one_clients_accept_choose_the_format_at_the_edge(cluster, path):
    """Every SBOM document route (from the service's url_map, signed ones included), through
    the edge, both gateway replicas and Redis: a hostile Accept first never chooses the format
    a plain request gets later."""
    poisoned = f"{path}?x={uuid.uuid4().hex[:8]}"
    for accept in POISON * 3:
        _, head, _ = get(cluster, poisoned, {"Accept": accept})
        if "version=" in accept:  # never stored at the edge, whatever the suffix
            assert head["x-edge-cache"] == "BYPASS"
    fresh = get(cluster, f"{path}?x={uuid.uuid4().hex[:8]}")
    plain = get(cluster, poisoned)
    assert plain[0] == fresh[0] == 200
    assert document_format(plain[2]) == document_format(fresh[2])


def test_a_burst_of_cold_requests_reaches_the_gateway_once(cluster):
    path = f"{BADGE}?label=burst-{uuid.uuid4().hex[:6]}"
    with ThreadPoolExecutor(100) as pool:
        statuses = list(pool.map(lambda _: get(cluster, path)[0], range(300)))
    assert statuses == [200] * 300
    assert gateway_hits(cluster, path.split("?")[1]) == 1


def _slow_client(port: int, stop: threading.Event, opened: list) -> None:
    """A client that sends a request header one byte a second and never finishes it."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    except OSError:
        return
    opened.append(sock)
    try:
        sock.sendall(b"GET /recipes/dependency/badges/version.svg HTTP/1.1\r\nHost: x\r\n")
        while not stop.wait(1):
            sock.sendall(b"X")
    except OSError:
        pass
    finally:
        sock.close()


def test_200_slow_clients_do_not_delay_normal_requests(cluster):
    port = int(cluster.url.rsplit(":", 1)[1])
    stop, opened = threading.Event(), []
    slow = [threading.Thread(target=_slow_client, args=(port, stop, opened)) for _ in range(200)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(2)
        assert len(opened) == 200
        started = time.monotonic()
        for n in range(40):  # each reaches a gateway (a new label): none may wait on the slow
            status, _, _ = get(cluster, f"{BADGE}?label=fast{n}-{uuid.uuid4().hex[:4]}")
            assert status == 200
        assert time.monotonic() - started < 20  # today's gunicorn alone: blocked for > 72 s
    finally:
        stop.set()
        for thread in slow:
            thread.join(5)


def test_no_log_of_any_process_holds_a_token(cluster):
    token = token_for(cluster)
    used.append(token)
    sbom = "/private/linux-64/r-base-3.2.0-0.tar.bz2.cdx.json"
    for path in (PRIVATE_BADGE, PRIVATE_API, sbom, "/private/r-base/badges"):
        joiner = "&" if "?" in path else "?"
        for url, headers in (
            (f"{path}{joiner}token={token}", {}),
            (f"/t/{token}{path}", {}),
            (path, {"Authorization": f"Bearer {token}"}),
        ):
            assert get(cluster, url, headers)[0] == 200, url
    time.sleep(0.5)  # access lines are written after the answers
    logs = [p for p in Path(cluster.work_dir).rglob("*") if p.is_file() and "cache" not in p.parts]
    names = {p.name for p in logs}
    assert {"access.log", "error.log", "gateway-a.access.log", "badges-a.log"} <= names, names
    secrets = [cluster.env["TOKEN_HS256_SECRET"], cluster.env["INTERNAL_API_KEY"]]
    for token in used:
        secrets += [token, token.split(".")[2]]  # the token and its signature segment
    for path in logs:
        text = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in text, path
        assert b"eyJ" not in text, path  # no JWT header segment at all


def test_a_lockfile_larger_than_other_bodies_passes_the_edge(cluster):
    """Request bodies are capped at 16 KiB except lockfiles (issue 22): a real one reaches the
    gateway, which answers its report; the same body elsewhere is refused by nginx."""
    body = (DATA / "lockfiles" / "explicit" / "micromamba-docker-env.explicit.txt").read_bytes()
    big = (DATA / "lockfiles" / "conda-lock" / "pip-deps-test.conda-lock.yml").read_bytes()
    assert len(big) > 16 * 1024
    for data in (body, big):
        request = urllib.request.Request(f"{cluster.url}/api/environments/report", data=data)
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200 and json.loads(response.read())["packages"]
    elsewhere = urllib.request.Request(f"{cluster.url}/api/channels/main/batch/files", data=big)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(elsewhere, timeout=60)
    assert refused.value.code == 413


def test_the_edge_serves_stale_answers_while_every_gateway_is_down(cluster):
    path = f"/api/channels/{BRIEF_CHANNEL}/artifacts/conda/zlib"
    status, head, fresh = get(cluster, path)
    assert status == 200 and head["cache-control"] == "public, max-age=1"
    for name in ("gateway-a", "gateway-b"):
        cluster.kill(name)
    time.sleep(2.5)  # past max-age=1 (nginx counts whole seconds): stale now
    for _ in range(3):
        status, head, body = get(cluster, path)
        assert status == 200 and head["x-edge-cache"] in ("STALE", "UPDATING")
        assert body == fresh
    status, _, _ = get(cluster, path + "?never-cached=1")
    assert status == 502  # what nothing was cached for fails, as it must
