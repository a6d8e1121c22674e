"""A multi-replica conda-badges on one machine: 2 gateways, 2 metadata gateways (the API the
services read), 2 badges, 2 sbom, Redis and nginx.

`python -m deploy.cluster` starts it all on free loopback ports, shows that the gateways share
one Redis cache, kills one replica of each process under load, and prints what clients saw
(exit status 1 when gateway B had to fetch upstream, or requests failed after the kill).
`--serve` skips the kill and keeps the cluster running until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import redis
from securesystemslib.signer import CryptoSigner

from runner.ports import PortTaken
from runner.ports import free_ports
from runner.processes import REPO
from runner.processes import Process
from runner.processes import start_gunicorn
from runner.processes import start_redis
from runner.upstream import UpstreamServer

NGINX_TEMPLATE = REPO / "deploy" / "nginx" / "cluster.conf.template"
EDGE_DIR = REPO / "deploy" / "k8s" / "base" / "edge"  # the edge rules Kubernetes uses too
APPS = {
    "gateway": "gateway.wsgi:app",
    "metadata": "gateway.wsgi:app",  # the gateway again, for the services' calls back
    "badges": "services.badges.wsgi:app",
    "sbom": "services.sbom.wsgi:app",
}
REPLICAS = ("a", "b")
FAIL_TIMEOUT = 10  # seconds nginx keeps a failed replica out of its pool
# failures (refused, reset, timed out; each retried on the other replica) before nginx takes a
# replica out: one reset on a kept-alive connection must not take a healthy replica out
MAX_FAILS = 3
CHANNEL = "recipes"  # test-recipes, served over HTTP so that upstream fetches can be counted
BRIEF_CHANNEL = "brief"  # main again, whose answers are fresh for 1 s (stale serving)
PACKAGE = "dependency"
SBOM_FILE = "noarch/dependency-2.0-0.conda"
TRIED = re.compile(r'"upstream":"(.*?)"')  # the replicas the edge tried, in order


@dataclass
class Cluster:
    """The running processes, their ports, the upstream and the load balancer's URL."""

    work_dir: Path
    url: str  # the nginx edge cache in front of the gateways: the public address
    ports: dict[str, int]  # "gateway-a" ... "sbom-b", and "lb-gateway", "lb-metadata", ...
    upstream: UpstreamServer
    redis_url: str
    processes: dict[str, Process] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # what every replica runs with

    def replica_url(self, name: str) -> str:
        """The direct URL of one replica, e.g. `gateway-a`, bypassing nginx."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def kill(self, name: str) -> None:
        """SIGKILL a replica and its workers, as when a pod or a machine dies."""
        self.processes[name].stop(signal.SIGKILL)

    def stop(self) -> None:
        """Stop everything this cluster started: nginx first (its kept-alive connections hold
        gunicorn's graceful shutdown), then the replicas together, then Redis."""
        groups = (["nginx"], [n for n in self.processes if n not in ("nginx", "redis")], ["redis"])
        for group in groups:
            running = [self.processes[name] for name in group if name in self.processes]
            with ThreadPoolExecutor(max(1, len(running))) as pool:
                list(pool.map(Process.stop, running))
        self.upstream.close()


def find_nginx() -> str:
    """The nginx binary, installing Debian's nginx first when it is missing (as root)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("nginx is missing: run 'sudo apt-get install nginx'")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, env=env)
    return "/usr/sbin/nginx"


def nginx_config(directory: Path, ports: dict[str, int]) -> str:
    """The nginx config for these ports, from deploy/nginx/cluster.conf.template."""
    text = NGINX_TEMPLATE.read_text()
    for app in APPS:
        servers = "\n".join(
            f"        server 127.0.0.1:{ports[f'{app}-{r}']} max_fails={MAX_FAILS} "
            f"fail_timeout={FAIL_TIMEOUT}s;"
            for r in REPLICAS
        )
        text = text.replace(f"@{app.upper()}_SERVERS@", servers)
        text = text.replace(f"@{app.upper()}_PORT@", str(ports[f"lb-{app}"]))
    user = "user root;" if os.geteuid() == 0 else ""  # else workers run as nobody
    text = text.replace("@USER@", user).replace("@EDGE_DIR@", str(EDGE_DIR))
    return text.replace("@DIR@", str(directory))


def start_nginx(directory: Path, ports: dict[str, int]) -> Process:
    """Start nginx in the foreground with its own config, pid and logs in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cache").mkdir(parents=True, exist_ok=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    config = directory / "nginx.conf"
    config.write_text(nginx_config(directory, ports))
    nginx = find_nginx()
    command = [nginx, "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")]
    subprocess.run([*command, "-t", "-q"], check=True, capture_output=True)
    popen = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    process = Process("nginx", popen, directory / "error.log")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", ports["lb-gateway"]), 0.2):
                return process
        except OSError:
            if popen.poll() is not None:
                break
            time.sleep(0.05)
    process.stop()
    raise RuntimeError(f"nginx did not start:\n{process.log()[-2000:]}")


def start_cluster(work_dir: Path, workers: int = 1) -> Cluster:
    """Start upstream, Redis, nginx and two replicas of each process on loopback (on new
    ports, up to three times, when another process takes one first)."""
    for attempt in range(1, 4):
        try:
            return _start_cluster_once(work_dir / f"try-{attempt}", workers)
        except PortTaken:
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


def _start_cluster_once(work_dir: Path, workers: int) -> Cluster:
    names = [f"{app}-{r}" for app in APPS for r in REPLICAS]
    everything = [*names, *(f"lb-{app}" for app in APPS)]
    ports = dict(zip(everything, free_ports(len(everything)), strict=True))
    upstream = UpstreamServer(root=REPO / "data" / "channels" / "test-recipes")
    try:
        redis, redis_url = start_redis(work_dir / "redis")
    except BaseException:
        upstream.close()
        raise
    url = f"http://127.0.0.1:{ports['lb-gateway']}"
    cluster = Cluster(work_dir, url, ports, upstream, redis_url)
    cluster.processes["redis"] = redis
    try:
        cluster.processes["nginx"] = start_nginx(work_dir / "nginx", ports)
        channels = work_dir / "channels.toml"
        data = REPO / "data" / "channels"
        channels.write_text(
            f'[channels.{CHANNEL}]\nurl = "{upstream.url}"\nsubdirs = ["noarch"]\n'
            # the embedded private channel, for tokens; a public one fresh for 1 s only
            f'[channels.private]\nurl = "file:{data / "private"}"\nprivate = true\n'
            f'[channels.{BRIEF_CHANNEL}]\nurl = "file:{data / "main"}"\nttl = 1\n'
        )
        env = {
            "GATEWAY_CHANNELS_FILE": str(channels),
            "GATEWAY_CACHE_URL": redis_url,
            "GATEWAY_URL": f"http://127.0.0.1:{ports['lb-metadata']}",
            "BADGES_URL": f"http://127.0.0.1:{ports['lb-badges']}",
            "SBOM_URL": f"http://127.0.0.1:{ports['lb-sbom']}",
            "TOKEN_HS256_SECRET": secrets.token_urlsafe(48),
            "INTERNAL_API_KEY": secrets.token_urlsafe(48),
            "TOKEN_DEV_KEY": "false",
            # one SBOM signing key for every sbom replica, as the Kubernetes Secret gives it
            "SBOM_SIGNING_KEY": CryptoSigner.generate_ed25519().private_bytes.decode(),
            "LOG_LEVEL": "WARNING",
            # the edge sets X-Forwarded-For; the load is one client, above the default limit
            "TRUSTED_PROXIES": "127.0.0.1",
            "PUBLIC_URL": url,
            "RATE_LIMIT": "100000 per minute",
            "GUNICORN_GRACEFUL_TIMEOUT": "3",
        }

        cluster.env = env

        def start(name: str) -> Process:
            app = APPS[name.split("-")[0]]
            replica_env = {**env, "STATE_DIR": str(work_dir / "state" / name)}
            return start_gunicorn(app, ports[name], replica_env, work_dir / "logs", name, workers)

        with ThreadPoolExecutor(len(names)) as pool:
            futures = {name: pool.submit(start, name) for name in names}
        for name, future in futures.items():  # keep every one that started, to stop them all
            if future.exception() is None:
                cluster.processes[name] = future.result()
        for future in futures.values():
            future.result()  # raises the first failure
    except BaseException:
        cluster.stop()
        raise
    return cluster


def fetch(url: str, timeout: float = 10.0) -> int:
    """GET `url`; its HTTP status, or 0 when no HTTP answer came."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, http.client.HTTPException):  # refused, reset, or a truncated body
        return 0


def request_paths(unique: int | None = None) -> list[str]:
    """The mix of requests the load sends: metadata, a badge and an SBOM. With `unique`, each
    URL is one no cache has seen, so it reaches a gateway (and a service) behind the edge."""
    n = "" if unique is None else str(unique)
    return [
        f"/api/channels/{CHANNEL}/artifacts/conda/{PACKAGE}" + (f"?n={n}" if n else ""),
        f"/{CHANNEL}/{PACKAGE}/badges/version.svg" + (f"?label=load{n}" if n else ""),
        f"/{CHANNEL}/{SBOM_FILE}.cdx.json" + (f"?n={n}" if n else ""),
        f"/api/channels/{CHANNEL}/artifacts?q=dep" + (f"&n={n}" if n else ""),
    ]


def shared_cache(cluster: Cluster) -> dict[str, int]:
    """Fill the cache through gateway A, then ask gateway B: how many upstream fetches each."""
    path = f"/api/channels/{CHANNEL}/artifacts/conda/{PACKAGE}"
    before = cluster.upstream.count()
    status_a = fetch(cluster.replica_url("gateway-a") + path)
    after_a = cluster.upstream.count()
    status_b = fetch(cluster.replica_url("gateway-b") + path)
    after_b = cluster.upstream.count()
    keys = redis.Redis.from_url(cluster.redis_url).dbsize()
    return {
        "status_a": status_a,
        "status_b": status_b,
        "upstream_fetches_a": after_a - before,
        "upstream_fetches_b": after_b - after_a,
        "redis_keys": keys,
    }


@dataclass
class LoadReport:
    """What the clients saw while one replica of each process was killed."""

    total: int
    failed_before: int
    failed_during: int  # within `window` seconds of the kill: nginx is still finding out
    failed_after: int
    window: float
    retried_by_nginx: int  # access-log lines where nginx tried more than one replica
    failures: list[tuple[float, str, int]]  # (seconds from the kill to the answer, path, status)


def load_with_kills(
    cluster: Cluster,
    duration: float = 6.0,
    kill_at: float = 2.0,
    threads: int = 8,
    window: float = 1.0,
    victims: tuple[str, ...] = ("gateway-a", "metadata-a", "badges-a", "sbom-a"),
) -> LoadReport:
    """Send `threads` concurrent request loops through nginx; SIGKILL `victims` at `kill_at`."""
    results: list[tuple[float, str, int]] = []  # (when the answer ended, path, status)
    lock = threading.Lock()
    start = time.monotonic()
    stop_at = start + duration

    def loop(offset: int) -> None:
        i = offset
        while time.monotonic() < stop_at:
            paths = request_paths(unique=i * threads + offset)  # past the edge's cache
            path = paths[i % len(paths)]
            status = fetch(cluster.url + path)
            with lock:
                results.append((time.monotonic(), path, status))
            i += 1

    workers = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, start + kill_at - time.monotonic()))
    killed_at = time.monotonic()
    for victim in victims:
        cluster.kill(victim)
    for worker in workers:
        worker.join(duration + 30)
    failures = sorted((t - killed_at, p, s) for t, p, s in results if s != 200)
    access = (cluster.work_dir / "nginx" / "access.log").read_text()
    return LoadReport(
        total=len(results),
        failed_before=sum(1 for t, _, _ in failures if t < 0),
        failed_during=sum(1 for t, _, _ in failures if 0 <= t < window),
        failed_after=sum(1 for t, _, _ in failures if t >= window),
        window=window,
        retried_by_nginx=sum("," in tried for tried in TRIED.findall(access)),
        failures=failures,
    )


def main(argv: list[str] | None = None) -> int:
    """Start the cluster, show the shared cache and a kill under load; --serve keeps it up."""
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per replica")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of load")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--serve", action="store_true", help="skip the kill under load; serve until Ctrl-C"
    )
    args = parser.parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="conda-badges-cluster-"))
    cluster = start_cluster(work_dir, workers=args.workers)
    ok = False
    try:
        print(f"cluster up: {cluster.url} (logs in {cluster.work_dir})")
        cache = shared_cache(cluster)
        print(
            f"shared cache: gateway-a answered {cache['status_a']} after "
            f"{cache['upstream_fetches_a']} upstream fetches; gateway-b answered "
            f"{cache['status_b']} after {cache['upstream_fetches_b']}; "
            f"{cache['redis_keys']} keys in Redis"
        )
        if args.serve:
            print(f"serving: curl {cluster.url}/api/channels/{CHANNEL}/artifacts/conda/{PACKAGE}")
            print(f"         curl {cluster.url}/{CHANNEL}/{PACKAGE}/badges/version.svg")
            print("Ctrl-C stops it all")
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
            ok = True
            return 0
        for path in request_paths():  # warm both replicas of each pool
            for _ in range(4):
                fetch(cluster.url + path)
        report = load_with_kills(cluster, duration=args.duration, threads=args.threads)
        print(
            f"load: {report.total} requests from {args.threads} clients through nginx in "
            f"{args.duration:g}s; gateway-a, metadata-a, badges-a and sbom-a SIGKILLed at t=2s. "
            "Failed: "
            f"{report.failed_before} before the kill, {report.failed_during} within "
            f"{report.window:g}s of it, {report.failed_after} after that; nginx retried "
            f"{report.retried_by_nginx} requests on a surviving replica"
        )
        for t, path, status in report.failures[:10]:
            print(f"  failed {t:+.2f}s after the kill: {status or 'no answer'} {path}")
        ok = cache["upstream_fetches_b"] == 0 and report.failed_after == 0
        return 0 if ok else 1
    finally:
        cluster.stop()
        if ok:
            shutil.rmtree(work_dir, ignore_errors=True)
        else:
            print(f"logs kept in {cluster.work_dir}")


if __name__ == "__main__":
    raise SystemExit(main())
