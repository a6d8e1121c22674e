"""Two replicas of each process behind nginx, one Redis: a shared cache, and a kill under load."""

from __future__ import annotations

import http.server
import re
import threading

import pytest

import deploy.cluster
from deploy.cluster import EDGE_DIR
from deploy.cluster import fetch
from deploy.cluster import load_with_kills
from deploy.cluster import nginx_config
from deploy.cluster import request_paths
from deploy.cluster import shared_cache
from deploy.cluster import start_cluster
from deploy.cluster import start_nginx
from tests.processes import PortTaken
from tests.processes import free_port
from tests.processes import http_get


def test_the_nginx_config_balances_each_pool_over_both_replicas(tmp_path):
    apps = ("gateway", "metadata", "badges", "sbom")
    names = [f"{app}-{r}" for app in apps for r in "ab"]
    ports = {name: 20000 + i for i, name in enumerate([*names, *(f"lb-{app}" for app in apps)])}
    text = nginx_config(tmp_path, ports)
    assert re.search(r"@[A-Z_]+@", text) is None  # every placeholder filled in
    for name in names:
        assert f"server 127.0.0.1:{ports[name]} max_fails=3 fail_timeout=10s;" in text
    assert text.count("keepalive_timeout 4s;") == len(apps)  # idle upstream links close first
    for app in apps:
        assert f"listen 127.0.0.1:{ports['lb-' + app]};" in text
        if app != "gateway":
            assert f"proxy_pass http://{app};" in text
    # the public port is the edge, with the very files Kubernetes runs
    assert f"include {EDGE_DIR}/edge-http.conf;" in text
    assert f"include {EDGE_DIR}/edge-server.conf;" in text
    assert "proxy_pass http://gateway;" in (EDGE_DIR / "edge-server.conf").read_text()
    assert "proxy_next_upstream error timeout;" in text
    assert f"pid {tmp_path}/nginx.pid;" in text and "daemon off;" in text


class _StatusByPath(http.server.BaseHTTPRequestHandler):
    """A stand-in gateway: 503 for /down (an application's answer), 200 for anything else."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = b"down" if self.path.startswith("/down") else b"up"
        self.send_response(503 if body == b"down" else 200)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.integration
def test_a_503_from_the_last_live_gateway_is_passed_on_and_does_not_take_the_edge_down(tmp_path):
    """Only an unreachable replica is skipped: a 502/503 is the application's answer (an
    upstream down, a grey badge), and counting it as a failure would mark the survivor down
    too, turning every request into the edge's own 502 for fail_timeout."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StatusByPath)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    apps = ("gateway", "metadata", "badges", "sbom")
    ports = {f"{app}-{r}": free_port() for app in apps for r in "ab"}  # nothing listens there
    ports |= {f"lb-{app}": free_port() for app in apps}
    ports["gateway-b"] = server.server_address[1]
    nginx = start_nginx(tmp_path / "nginx", ports)
    edge = f"http://127.0.0.1:{ports['lb-gateway']}"
    try:
        assert http_get(edge, "/up")[0] == 200  # gateway-a refused: skipped, gateway-b answers
        assert [http_get(edge, "/down")[0] for _ in range(3)] == [503] * 3
        assert [http_get(edge, f"/up?n={n}")[0] for n in range(5)] == [200] * 5
    finally:
        nginx.stop()
        server.shutdown()


def test_a_cluster_start_that_loses_a_port_starts_again_on_new_ports(tmp_path, monkeypatch):
    tries = []

    def losing_two(work_dir, workers):
        tries.append(work_dir)
        if len(tries) < 3:
            raise PortTaken("gateway-b: port 12345 is in use")
        return "started"

    monkeypatch.setattr(deploy.cluster, "_start_cluster_once", losing_two)
    assert start_cluster(tmp_path) == "started"
    assert tries == [tmp_path / "try-1", tmp_path / "try-2", tmp_path / "try-3"]


def test_a_cluster_start_that_keeps_losing_ports_says_so(tmp_path, monkeypatch):
    tries = []

    def losing(work_dir, workers):
        tries.append(work_dir)
        raise PortTaken("gateway-b: port 12345 is in use")

    monkeypatch.setattr(deploy.cluster, "_start_cluster_once", losing)
    with pytest.raises(PortTaken):
        start_cluster(tmp_path)
    assert len(tries) == 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = start_cluster(tmp_path_factory.mktemp("cluster"), workers=1)
    yield running
    running.stop()


@pytest.mark.integration
def test_a_fetch_through_gateway_a_is_answered_from_redis_through_gateway_b(cluster):
    cache = shared_cache(cluster)
    print(f"\nshared cache: {cache}")
    assert cache["status_a"] == 200 and cache["status_b"] == 200
    assert cache["upstream_fetches_a"] >= 1  # repodata.json (and channeldata.json)
    assert cache["upstream_fetches_b"] == 0
    assert cache["redis_keys"] >= 1


@pytest.mark.integration
def test_killing_one_replica_of_each_under_load_loses_nothing_once_nginx_knows(cluster):
    for path in request_paths():  # every path works through nginx, on both replicas
        assert [fetch(cluster.url + path) for _ in range(4)] == [200] * 4
    report = load_with_kills(cluster, duration=6.0, kill_at=2.0, threads=8, window=1.0)
    print(
        f"\n{report.total} requests; failed before the kill {report.failed_before}, "
        f"within {report.window}s after {report.failed_during}, later {report.failed_after}; "
        f"nginx retried {report.retried_by_nginx}; failures: {report.failures[:5]}"
    )
    assert report.total >= 150
    assert report.failed_before == 0
    assert report.failed_during <= 5
    assert report.failed_after == 0
    assert report.retried_by_nginx >= 1  # nginx met a dead replica and moved on
    for name in ("gateway-a", "metadata-a", "badges-a", "sbom-a"):
        assert cluster.processes[name].popen.poll() is not None  # really dead
        assert fetch(cluster.replica_url(name) + "/healthz", timeout=1) == 0
    for path in request_paths():  # the survivors serve everything
        assert fetch(cluster.url + path) == 200
