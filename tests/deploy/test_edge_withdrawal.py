"""Withdrawal reaches the edge: after a package is removed upstream or a channel is made
private, neither the real nginx edge (background updates on) nor the gateway serves the old
API answer, SBOM or badge beyond the bound docs/deploying.md states; `conda-badges-purge`
withdraws them at once. Real gunicorn processes, Redis, nginx and a loopback upstream serving
a copy of the recorded test-recipes channel."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from deploy.cluster import REPO
from gateway.response_cache import shared_max_age
from gateway.shared_lifetime import WITHDRAWN_MAX_AGE
from tests.deploy.edges import Edge
from tests.deploy.edges import start_edge
from tests.processes import UpstreamServer
from tests.processes import free_port
from tests.processes import http_get
from tests.processes import start_gunicorn
from tests.processes import start_redis
from tests.processes import start_system

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("edge")]

CHANNEL = "recipes"
PACKAGE = "dependency"
URLS = (
    f"/api/channels/{CHANNEL}/artifacts/conda/{PACKAGE}",
    f"/{CHANNEL}/noarch/{PACKAGE}-2.0-0.conda.cdx.json",
    f"/{CHANNEL}/{PACKAGE}/badges/version.svg",
)
TTL = 1  # the channel's ttl: the API answers' max-age, and how soon the gateway re-reads
SHARED = 2  # GATEWAY_SHARED_MAX_AGE: the longest a badge or SBOM is shared
FACTS = 1  # BADGES_FACTS_TTL, SBOM_FACTS_TTL: how long the services keep what they read
MARGIN = 8.0  # B (an index rebuild) and the refreshes' round trips, on a loaded machine


def channels_toml(upstream: str, *, private: bool, ttl: int) -> str:
    """The channels file: test-recipes from the loopback upstream."""
    text = f'[channels.{CHANNEL}]\nurl = "{upstream}"\nsubdirs = ["noarch"]\nttl = {ttl}\n'
    return text + ("private = true\n" if private else "")


class World:
    """A loopback upstream, Redis, gateway + metadata + badges + sbom, and the edge."""

    def __init__(self, tmp: Path, ttl: int, shared: int | None):
        self.tmp = tmp
        self.root = tmp / "upstream"
        shutil.copytree(REPO / "data" / "channels" / "test-recipes", self.root)
        self.upstream = UpstreamServer(root=self.root)
        self.ttl = ttl
        self.channels = tmp / "channels.toml"
        self.channels.write_text(channels_toml(self.upstream.url, private=False, ttl=ttl))
        self.redis, self.redis_url = start_redis(tmp / "redis")
        edge_port = free_port()  # PUBLIC_URL names the edge, whose port is chosen here
        env = {
            "GATEWAY_CHANNELS_FILE": str(self.channels),
            "GATEWAY_CACHE_URL": self.redis_url,
            "TRUSTED_PROXIES": "127.0.0.1",
            "PUBLIC_URL": f"http://127.0.0.1:{edge_port}",
            "RATE_LIMIT": "100000 per minute",
            "LOG_LEVEL": "WARNING",
            "BADGES_FACTS_TTL": str(FACTS),
            "SBOM_FACTS_TTL": str(FACTS),
            **({"GATEWAY_SHARED_MAX_AGE": str(shared)} if shared is not None else {}),
        }
        self.system = start_system(tmp / "system", env)
        self.edge = start_edge(tmp / "edge", self.system.gateway_url, edge_port)
        self.edges = [self.edge]

    def get(self, path: str) -> tuple[int, dict, bytes]:
        """GET through the edge."""
        return http_get(self.edge.url, path)

    def add_edge(self) -> Edge:
        """Another edge replica before the same gateway."""
        edge = start_edge(self.tmp / f"edge-{len(self.edges)}", self.system.gateway_url)
        self.edges.append(edge)
        return edge

    def remove_package(self) -> None:
        """Remove PACKAGE from the upstream's repodata (and its file), as a channel owner does."""
        repodata_path = self.root / "noarch" / "repodata.json"
        repodata = json.loads(repodata_path.read_text())
        for group in ("packages", "packages.conda"):
            records = repodata.get(group, {})
            for filename in [f for f, r in records.items() if r["name"] == PACKAGE]:
                del records[filename]
                (self.root / "noarch" / filename).unlink(missing_ok=True)
        repodata_path.write_text(json.dumps(repodata))

    def make_private(self) -> None:
        """Mark the channel private and restart both gateways, as an operator does."""
        self.channels.write_text(channels_toml(self.upstream.url, private=True, ttl=self.ttl))
        urls = {"gateway": self.system.gateway_url, "metadata": self.system.metadata_url}
        for name, url in urls.items():
            self.system.processes[name].stop()
            metrics = self.system.metrics_urls[name].removeprefix("http://")
            env = {"METRICS_BIND": metrics, **self.system.env}
            port = int(url.rsplit(":", 1)[1])
            self.system.processes[name] = start_gunicorn(
                "gateway.wsgi:app", port, env, self.system.log_dir, name
            )

    def close(self) -> None:
        """Stop everything."""
        for edge in self.edges:
            edge.stop()
        self.system.stop()
        self.redis.stop()
        self.upstream.close()


@pytest.fixture
def world(tmp_path, request):
    ttl, shared = request.param
    running = World(tmp_path, ttl, shared)
    yield running
    running.close()


def _warm(world: World) -> None:
    """Every URL answered 200 and stored at the edge (the second request is a HIT)."""
    for path in URLS:
        assert world.get(path)[0] == 200, path
        status, head, _ = world.get(path)
        assert (status, head["x-edge-cache"]) == (200, "HIT"), path


def _watch(world: World, seconds: float) -> dict[str, list[tuple[float, int]]]:
    """Ask for every URL through the edge every 0.2 s for `seconds`: (time, status) each."""
    seen: dict[str, list[tuple[float, int]]] = {path: [] for path in URLS}
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        for path in URLS:
            seen[path].append((time.monotonic() - started, world.get(path)[0]))
        time.sleep(0.2)
    return seen


def _assert_gone_after(seen: dict[str, list[tuple[float, int]]], bound: float) -> None:
    for path, answers in seen.items():
        late = [status for at, status in answers if at > bound]
        assert late and set(late) == {404}, (path, answers)


@pytest.mark.parametrize("world", [(TTL, SHARED)], indirect=True)
def test_a_removed_package_leaves_the_edge_within_the_documented_bound(world):
    _warm(world)
    world.remove_package()
    # docs/deploying.md: API answers in 3 ttl + B; badges and SBOMs in 2 ttl + B + F + 2 S
    bound = max(3 * TTL, 2 * TTL + FACTS + 2 * SHARED) + MARGIN
    _assert_gone_after(_watch(world, bound + 3), bound)
    for path in URLS:  # the 404 is storable, briefly: it replaced the 200 at the edge
        status, head, _ = world.get(path)
        lifetime = shared_max_age(head.get("cache-control"))
        assert status == 404 and lifetime and lifetime <= WITHDRAWN_MAX_AGE, (path, head)
    for path in URLS:  # and the gateway itself says the same
        assert http_get(world.system.gateway_url, path)[0] == 404, path


@pytest.mark.parametrize("world", [(TTL, SHARED)], indirect=True)
def test_a_channel_made_private_leaves_the_edge_and_gateway_within_the_bound(world):
    _warm(world)
    world.make_private()
    for path in URLS:  # the gateway at once, though Redis still holds the public answers
        assert http_get(world.system.gateway_url, path)[0] == 404, path
    bound = max(TTL, FACTS + SHARED) + MARGIN  # docs/deploying.md: ttl; facts + shared
    _assert_gone_after(_watch(world, bound + 3), bound)


@pytest.mark.parametrize("world", [(300, None)], indirect=True)  # the defaults: 300 s each
def test_conda_badges_purge_withdraws_a_channel_from_the_edges_and_redis_at_once(world):
    _warm(world)
    other = world.add_edge()
    for path in URLS:
        http_get(other.url, path)
    client = redis.Redis.from_url(world.redis_url)
    assert any(CHANNEL.encode() in key for key in client.keys("conda-badges:response:*"))
    world.make_private()
    for path in URLS:  # the gateway at once, though Redis still holds the public answers...
        assert http_get(world.system.gateway_url, path)[0] == 404, path
    assert any(CHANNEL.encode() in key for key in client.keys("conda-badges:response:*"))
    for edge in world.edges:  # ...while within the 300 s bound the edges serve what they stored
        for path in URLS:
            status, head, _ = http_get(edge.url, path)
            assert (status, head["x-edge-cache"]) == (200, "HIT"), path
    command = [sys.executable, "-m", "gateway.purge", CHANNEL, "--redis", world.redis_url]
    for edge in world.edges:
        command += ["--edge-cache", str(edge.cache_dir)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.count(f": {len(URLS)} entries removed") == 2, result.stdout
    # an edge looks its open cache files up again each second (open_file_cache_valid 1s)
    _assert_gone_after(_watch(world, 4.0), 1.0)
    for path in URLS:
        assert http_get(other.url, path)[0] == 404, path
    assert not any(CHANNEL.encode() in key for key in client.keys("conda-badges:response:*"))
