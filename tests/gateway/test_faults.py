"""Faults against running processes: upstream down, slow, 500s, garbage and flapping; a service
killed mid-load; Redis stopped mid-load. Each scenario reports requests sent, errors and stale
answers, and checks that fresh data returns without a restart. All on loopback, bounded."""

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CHANNELS
from tests.processes import TEST_INTERNAL_KEY
from tests.processes import TEST_ISSUER
from tests.processes import TEST_SECRET
from tests.processes import UpstreamServer
from tests.processes import free_port
from tests.processes import start_gunicorn
from tests.processes import start_redis

REPODATA = CHANNELS / "test-recipes/noarch/repodata.json"
REPORT: list[str] = []


def _without(record: str) -> bytes:
    """The real repodata with one real record left out (the upstream 'changing')."""
    document = json.loads(REPODATA.read_text())
    del document["packages.conda"][record]
    return json.dumps(document).encode()


class Rig:
    """Redis, a conda upstream, and gateway + badges under gunicorn, wired as in production."""

    def __init__(self, work: Path, gateways: int = 1):
        self.work = work
        self.redis, self.redis_url = start_redis(work / "redis")
        self.redis_port = int(self.redis_url.rsplit(":", 1)[1].split("/")[0])
        self.upstream = UpstreamServer(root=work / "upstream")
        (work / "upstream/noarch").mkdir(parents=True)
        (work / "upstream/noarch/repodata.json").write_bytes(REPODATA.read_bytes())
        config = work / "channels.toml"
        config.write_text(
            f'[channels.recipes]\nurl = "{self.upstream.url}"\nsubdirs = ["noarch"]\nttl = 1\n'
        )
        self.gateways, self.badges = [], []
        ports = [(free_port(), free_port()) for _ in range(gateways)]
        for index, (gateway_port, badges_port) in enumerate(ports):
            metadata_port = free_port()
            env = {
                "STATE_DIR": str(work / f"state{index}"),
                "GATEWAY_CHANNELS_FILE": str(config),
                "GATEWAY_CACHE_URL": self.redis_url,
                "GATEWAY_UPSTREAM_TIMEOUT": "0.3,0.6",
                "GATEWAY_BREAKER_RESET": "1",
                # the services read from a gateway instance of their own, as in production
                "GATEWAY_URL": f"http://127.0.0.1:{metadata_port}",
                "BADGES_URL": f"http://127.0.0.1:{badges_port}",
                "SBOM_URL": f"http://127.0.0.1:{free_port()}",
                "SERVICE_TIMEOUT": "1,10",
                "TOKEN_HS256_SECRET": TEST_SECRET,
                "TOKEN_ISSUER": TEST_ISSUER,
                "INTERNAL_API_KEY": TEST_INTERNAL_KEY,
                "RATE_LIMIT": "off",
            }
            self.badges_env = env
            self.badges.append(
                start_gunicorn(
                    "services.badges.wsgi:app", badges_port, env, work / "logs", f"badges{index}"
                )
            )
            for port, name in ((gateway_port, "gateway"), (metadata_port, "metadata")):
                self.gateways.append(
                    start_gunicorn("gateway.wsgi:app", port, env, work / "logs", f"{name}{index}")
                )
        self.urls = [f"http://127.0.0.1:{g}" for g, _ in ports]
        self.badges_ports = [b for _, b in ports]

    def close(self) -> None:
        """Stop everything."""
        for process in self.gateways + self.badges:
            process.stop()
        self.redis.stop()
        self.upstream.close()

    def alive(self) -> bool:
        """No process of ours has died."""
        return all(p.popen.poll() is None for p in self.gateways)


def get(url: str) -> tuple[int, dict, bytes]:
    """One GET: (status, headers, body); status 0 for a connection failure."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def load(urls: list[str], seconds: float, threads: int = 6, limit: int = 400) -> Counter:
    """Bounded load: count answers by status and cache state."""
    counts: Counter = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    sent = iter(range(limit))

    def worker(offset: int) -> None:
        n = offset
        while time.monotonic() < deadline:
            with lock:
                if next(sent, None) is None:
                    return
            status, headers, _ = get(urls[n % len(urls)])
            n += 1
            with lock:
                counts["sent"] += 1
                counts[f"status {status}"] += 1
                if status >= 500 or status == 0:
                    counts["errors"] += 1
                if headers.get("X-Cache") == "stale":
                    counts["stale"] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(seconds + 15)
    return counts


def report(name: str, counts: Counter) -> None:
    """Keep a line for the summary printed at the end of the module."""
    REPORT.append(f"| {name} | {counts['sent']} | {counts['errors']} | {counts['stale']} |")


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    built = Rig(tmp_path_factory.mktemp("faults"))
    yield built
    built.close()
    print("\n| fault | requests sent | errors | stale answers |\n|---|---|---|---|")
    print("\n".join(REPORT))


def _api(rig: Rig, name: str = "dependent") -> str:
    return f"{rig.urls[0]}/api/channels/recipes/artifacts/conda/{name}"


def _latest(rig: Rig, seen: list | None = None) -> str:
    status, headers, body = get(_api(rig))
    assert status == 200, body
    version = json.loads(body)["latest_version"]
    if seen is not None:
        seen.append((version, headers.get("X-Cache"), rig.upstream.count("/noarch/repodata.json")))
    return version


def _publish(rig: Rig, content: bytes) -> None:
    """Replace the upstream's repodata atomically, as a real channel publishes it."""
    staging = rig.work / "upstream/noarch/.repodata.json.new"
    staging.write_bytes(content)
    os.replace(staging, rig.work / "upstream/noarch/repodata.json")


def _wait_for(rig: Rig, version: str, seconds: float = 30) -> None:
    seen: list = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and _latest(rig, seen) != version:
        time.sleep(0.3)
    assert seen[-1][0] == version, f"(latest, X-Cache, upstream fetches) over time: {seen}"


def _recover_and_see_fresh_data(rig: Rig) -> None:
    """Upstream back, with changed content: the gateway shows it without a restart."""
    rig.upstream.mode = "ok"
    _publish(rig, _without("dependent-2.0-0.conda"))
    _wait_for(rig, "1.0")
    _publish(rig, REPODATA.read_bytes())
    _wait_for(rig, "2.0")


@pytest.mark.parametrize("fault", ["down", "slow", "error", "garbage"])
def test_upstream_fault_is_answered_from_stale_data(rig, fault):
    rig.upstream.slow_seconds = 2.0  # beyond the 0.6 s read timeout
    _wait_for(rig, "2.0")  # warm (every worker: they converge within the 1 s TTL)
    rig.upstream.mode = fault
    time.sleep(1.2)  # past the channel's 1 s TTL: every answer now needs the upstream
    counts = load([_api(rig), _api(rig, "dependency")], seconds=3)
    report(f"upstream {fault}", counts)
    assert rig.alive()
    assert counts["sent"] > 0 and counts["errors"] == 0
    assert counts["stale"] > 0
    _recover_and_see_fresh_data(rig)


def test_flapping_upstream(rig):
    _wait_for(rig, "2.0")
    stop = threading.Event()

    def flap():
        modes = ["error", "ok", "down", "ok", "garbage", "ok"]
        n = 0
        while not stop.is_set():
            rig.upstream.mode = modes[n % len(modes)]
            n += 1
            time.sleep(0.3)

    flapper = threading.Thread(target=flap)
    flapper.start()
    try:
        counts = load([_api(rig), _api(rig, "dependency")], seconds=4)
    finally:
        stop.set()
        flapper.join()
    report("upstream flapping", counts)
    assert rig.alive() and counts["errors"] == 0
    _recover_and_see_fresh_data(rig)


def test_badges_service_killed_mid_load(rig):
    badge = f"{rig.urls[0]}/recipes/dependent/badges/version.svg"
    urls = [f"{badge}?label=kill{n}" for n in range(4000)]  # distinct: past the response cache
    outcome: dict = {}

    def run():
        outcome["counts"] = load(urls, seconds=4, limit=4000)

    loader = threading.Thread(target=run)
    loader.start()
    time.sleep(1)
    victim = rig.badges[0]
    os.killpg(victim.popen.pid, signal.SIGKILL)
    victim.popen.wait(5)
    loader.join(30)
    counts = outcome["counts"]
    report("badges service killed", counts)
    assert rig.alive()
    assert counts["status 0"] == 0  # the gateway always answered (502 grey badges, no hangs)
    status, headers, body = get(f"{badge}?label=after-kill")
    assert status == 502 and b"unavailable" in body
    # restart it: badges come back, gateway untouched
    rig.badges[0] = start_gunicorn(
        "services.badges.wsgi:app",
        rig.badges_ports[0],
        rig.badges_env,
        rig.work / "logs",
        "badges0-restarted",
    )
    status, _, body = get(f"{badge}?label=after-restart")
    assert status == 200 and b"2.0" in body


def test_redis_stopped_mid_load(rig):
    outcome: dict = {}
    urls = [
        _api(rig),
        _api(rig, "dependency"),
        f"{rig.urls[0]}/recipes/dependency/badges/version.svg",
    ]

    def run():
        outcome["counts"] = load(urls, seconds=4)

    loader = threading.Thread(target=run)
    loader.start()
    time.sleep(1)
    rig.redis.stop()
    loader.join(30)
    counts = outcome["counts"]
    report("redis stopped", counts)
    assert rig.alive() and counts["errors"] == 0
    # Redis back on the same port: caching through it resumes
    rig.redis, _ = start_redis(rig.work / "redis2", port=rig.redis_port)
    _recover_and_see_fresh_data(rig)


def test_burst_of_500_cold_badge_requests_across_two_gateways(tmp_path):
    """500 concurrent cold requests for one badge, over 2 gateways sharing Redis: at most 2
    upstream fetches of the repodata (the shared lock and cache make it 1 in practice)."""
    rig = Rig(tmp_path, gateways=2)
    try:
        barrier = threading.Barrier(100)
        statuses: Counter = Counter()
        lock = threading.Lock()

        def one(n: int) -> None:
            if n < 100:
                barrier.wait()
            base = rig.urls[n % 2]
            status, _, _ = get(f"{base}/recipes/dependent/badges/version.svg")
            with lock:
                statuses[status] += 1

        threads = [threading.Thread(target=one, args=(n,)) for n in range(500)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        fetches = rig.upstream.count("/noarch/repodata.json")
        print(
            f"\nburst: 500 cold badge requests over 2 gateways -> {dict(statuses)}, "
            f"{fetches} upstream fetch(es) of noarch/repodata.json"
        )
        assert statuses[200] == 500
        assert 1 <= fetches <= 2
    finally:
        rig.close()
