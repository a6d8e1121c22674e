"""The gateway under gunicorn over real HTTP upstreams: bursts, outages, chaining."""

import json
import threading
import urllib.request

import pytest

from tests.conftest import CHANNELS
from tests.conftest import RECORDED
from tests.processes import UpstreamServer
from tests.processes import free_port
from tests.processes import start_gunicorn


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def upstreams():
    conda = UpstreamServer(root=CHANNELS / "test-recipes")
    anaconda = UpstreamServer(
        routes={"/package/anaconda/pytest": RECORDED / "anaconda-api/package/anaconda/pytest.json"}
    )
    steady = UpstreamServer(root=CHANNELS / "test-recipes")
    yield conda, anaconda, steady
    conda.close()
    anaconda.close()
    steady.close()


@pytest.fixture
def gateway(tmp_path, upstreams):
    conda, anaconda, steady = upstreams
    config = tmp_path / "channels.toml"
    config.write_text(
        f'[channels.recipes]\nurl = "{conda.url}"\nsubdirs = ["noarch"]\nttl = 2\n'
        f'[channels.steady]\nurl = "{steady.url}"\nsubdirs = ["noarch"]\n'
        f'[channels.anaconda]\ndriver = "anaconda-org"\nurl = "{anaconda.url}"\n'
        'packages = ["pytest"]\n'
    )
    port = free_port()
    env = {
        "STATE_DIR": str(tmp_path / "state"),
        "GATEWAY_CHANNELS_FILE": str(config),
        "GATEWAY_UPSTREAM_TIMEOUT": "0.5,1",
        "GATEWAY_BREAKER_RESET": "2",
        "TOKEN_HS256_SECRET": "x" * 32,
    }
    process = start_gunicorn("gateway.wsgi:app", port, env, tmp_path / "logs", "gateway")
    yield f"http://127.0.0.1:{port}", process
    process.stop()


def test_fifty_concurrent_cold_requests_make_a_handful_of_fetches(gateway, upstreams):
    base, _ = gateway
    steady = upstreams[2]
    barrier = threading.Barrier(50)
    statuses = []

    def one():
        barrier.wait()
        statuses.append(_get(f"{base}/api/channels/steady/artifacts/conda/dependent")[0])

    threads = [threading.Thread(target=one) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [200] * 50
    fetches = steady.count("/noarch/repodata.json")
    print(f"\n50 concurrent cold requests -> {fetches} upstream fetches of repodata.json")
    assert 1 <= fetches <= 2  # one per gunicorn worker at most


def test_upstream_stopped_mid_test_serves_stale_then_recovers(gateway, upstreams):
    base, _ = gateway
    conda = upstreams[0]
    url = f"{base}/api/channels/recipes/artifacts/conda/dependency"
    for _ in range(4):  # warm both workers
        assert _get(url)[0] == 200
    conda.mode = "down"
    import time

    time.sleep(2.2)  # past the channel's 2 s TTL
    for _ in range(6):
        status, body = _get(url)
        assert status == 200 and body["latest_version"] == "2.0"
    conda.mode = "ok"
    time.sleep(2.5)  # failed refreshes are retried within the breaker interval (2 s here)
    before = conda.count("/noarch/repodata.json")
    for _ in range(4):
        assert _get(url)[0] == 200
    assert conda.count("/noarch/repodata.json") > before  # fresh data again, no restart


def test_cold_cache_and_upstream_down_is_503_naming_the_channel(gateway, upstreams):
    base, _ = gateway
    conda = upstreams[0]
    conda.mode = "down"
    status, body = _get(f"{base}/api/channels/recipes/artifacts/conda/dependency")
    assert status == 503 and body["error"]["code"] == "upstream_unavailable"
    assert "recipes" in body["error"]["message"] and conda.url not in body["error"]["message"]


def test_anaconda_org_channel_through_the_gateway(gateway, upstreams):
    base, _ = gateway
    recorded = json.loads((RECORDED / "anaconda-api/package/anaconda/pytest.json").read_text())
    status, body = _get(f"{base}/api/channels/anaconda/artifacts/conda/pytest")
    assert status == 200
    assert body["download_count"] == sum(f["ndownloads"] for f in recorded["files"])
    assert body["latest_version"] == "8.3.4" and body["home"] is None


def test_a_gateway_chained_in_front_of_another(gateway, tmp_path):
    central, _ = gateway
    config = tmp_path / "edge.toml"
    config.write_text(
        f'[channels.edge]\ndriver = "platform"\nurl = "{central}"\nupstream_channel = "recipes"\n'
    )
    port = free_port()
    env = {
        "STATE_DIR": str(tmp_path / "edge-state"),
        "GATEWAY_CHANNELS_FILE": str(config),
        "TOKEN_HS256_SECRET": "x" * 32,
    }
    edge = start_gunicorn("gateway.wsgi:app", port, env, tmp_path / "edge-logs", "edge")
    try:
        edge_url = f"http://127.0.0.1:{port}/api/channels/edge/artifacts/conda/dependent"
        central_url = f"{central}/api/channels/recipes/artifacts/conda/dependent"
        status, body = _get(edge_url)
        _, expected = _get(central_url)
        assert status == 200
        for key in ("latest_version", "versions", "platforms", "license", "updated_at"):
            assert body[key] == expected[key]
        status, deps = _get(edge_url + "/dependencies")
        assert status == 200 and [d["name"] for d in deps["depends"]] == ["dependency"]
        status, page = _get(f"http://127.0.0.1:{port}/api/channels/edge/artifacts?q=dep")
        assert (
            status == 200
            and page["total"] == _get(f"{central}/api/channels/recipes/artifacts?q=dep")[1]["total"]
        )
        status, missing = _get(f"http://127.0.0.1:{port}/api/channels/edge/artifacts/conda/nope")
        assert status == 404 and missing["error"]["code"] == "package_not_found"
    finally:
        edge.stop()
