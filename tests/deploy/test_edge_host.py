"""The snippet base URL never comes from one client's Host for everyone: through the real
nginx edge of `make run` (`python -m deploy.edge`) before a gateway without PUBLIC_URL (links
built on the allowed Host), and in `make run` itself (Procfile: PUBLIC_URL by default)."""

from __future__ import annotations

import re
import socket
import uuid

import pytest

from deploy.cluster import REPO
from tests.deploy.edges import start_edge
from tests.processes import http_get
from tests.processes import start_system

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("edge")]

SNIPPETS = "/main/zlib/badges"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("edge-host")
    env = {"TRUSTED_PROXIES": "127.0.0.1", "LOG_LEVEL": "WARNING"}  # no PUBLIC_URL
    system = start_system(tmp / "system", env, only=("gateway", "badges"))
    edge = start_edge(tmp / "edge", system.gateway_url)
    yield system, edge
    edge.stop()
    system.stop()


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_clients_port_never_reaches_the_snippets_others_get(world):
    _, edge = world
    path = f"{SNIPPETS}?x={uuid.uuid4().hex[:8]}"
    status, _, poisoned = http_get(edge.url, path, {"Host": "127.0.0.1:1"})
    assert status == 200 and b"http://127.0.0.1:1/main/zlib/badges/" in poisoned  # its own
    status, head, body = http_get(edge.url, path)  # Host: the edge's own address
    assert status == 200, body
    assert b"127.0.0.1:1/" not in body
    assert f"{edge.url}{SNIPPETS}/version.svg".encode() in body


def test_http_1_0_without_host_never_gets_the_gateways_address(world):
    system, edge = world
    path = f"{SNIPPETS}?x={uuid.uuid4().hex[:8]}"
    answer = _raw(edge.url, f"GET {path} HTTP/1.0\r\n\r\n".encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    gateway = system.gateway_url.removeprefix("http://").encode()
    assert gateway not in answer
    assert head.startswith(b"HTTP/1.1 400") and b'"host_not_allowed"' in body, answer[:300]
    status, _, body = http_get(edge.url, path)  # and nothing of it is served to others
    assert status == 200 and f"{edge.url}{SNIPPETS}/version.svg".encode() in body


def test_make_run_builds_links_on_the_edges_address_by_default():
    lines = dict(line.split(": ", 1) for line in (REPO / "Procfile").read_text().splitlines())
    listen = re.search(r"--listen (\S+)", lines["edge"]).group(1)
    port = listen.rsplit(":", 1)[1]
    default = re.search(r"PUBLIC_URL=\$\{PUBLIC_URL:-(\S+)\}", lines["gateway"]).group(1)
    assert default == f"http://localhost:{port}"
