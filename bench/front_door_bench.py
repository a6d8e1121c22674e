"""The front door: the edge cache and the gateway's hot path, each against its static baseline.

Rows, from one run (wrk, keep-alive):
  - a hot public badge through the `make cluster` edge vs nginx serving the same SVG as a static
    file (both nginx with one worker, buffered access logs and `open_file_cache`), 64
    connections: target >= 0.5 of the static req/s and p99 <= 20 ms;
  - the gateway alone (hot path) vs a bare gunicorn+Flask app serving the same SVG as a static
    file, same gunicorn config, 8 and 64 connections: target >= 0.9;
  - a burst of 500 concurrent cold requests for one badge through the edge: how many reached a
    gateway (target: exactly 1).

Each row is the best of three wrk runs of 4 s, taken in turn with its baseline's: wrk's
keep-alive connections land on gunicorn's two workers at random, and a run where most land on
one worker measures that, not the path (at 8 connections about one run in three did so, on
either side). Both sides of a ratio are treated alike.

Run: `python -m bench.front_door_bench` (starts its own processes; needs wrk and nginx).
Figures taken while other work runs on the machine are noisy.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from bench.load import HEADER
from bench.load import WrkResult
from bench.load import run_wrk
from deploy.cluster import find_nginx
from deploy.cluster import start_cluster
from runner.ports import free_port
from runner.processes import Process
from runner.processes import http_get
from runner.processes import start_gunicorn
from runner.system import start_system

HOT_BADGE = "/main/zlib/badges/version.svg"
EDGE_BADGE = "/recipes/dependency/badges/version.svg"
BURST = 500
RUN_SECONDS = 4

STATIC_NGINX = """worker_processes 1;
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log crit;
events {{ worker_connections 2048; }}
http {{
    access_log {dir}/access.log combined buffer=32k flush=250ms;  # as the edge logs
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    types {{ image/svg+xml svg; }}
    server {{
        listen 127.0.0.1:{port};
        root {dir};
        open_file_cache max=1000 inactive=20s;  # as the edge caches its open files
        open_file_cache_valid 1s;
        location / {{ add_header Cache-Control "max-age=300"; }}
    }}
}}
"""


def start_static_nginx(directory: Path, svg: bytes) -> tuple[Process, str]:
    """nginx (one worker, like the cluster's) serving `svg` at /badge.svg."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "badge.svg").write_bytes(svg)
    port = free_port()
    config = directory / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""  # workers read this private folder
    config.write_text(STATIC_NGINX.format(dir=directory, port=port, user=user))
    command = [find_nginx(), "-p", str(directory), "-c", str(config), "-e", "stderr"]
    popen = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/badge.svg", timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    return Process("static-nginx", popen, directory / "error.log"), url


def best_pair(
    measured: tuple[str, str], baseline: tuple[str, str], connections: int, runs: int = 3
) -> list[WrkResult]:
    """The best of `runs` wrk runs of (name, url) `measured` and of `baseline`, taken in turn;
    its errors column counts the errors of every run."""
    results: list[list[WrkResult]] = [[], []]
    for _ in range(runs):
        for side, (name, url) in enumerate((measured, baseline)):
            results[side].append(run_wrk(name, url, connections, seconds=RUN_SECONDS))
    return [
        dataclasses.replace(
            max(side, key=lambda result: result.rps), errors=sum(r.errors for r in side)
        )
        for side in results
    ]


def burst(base: str, path: str, count: int = BURST) -> list[int]:
    """`count` GETs of `path` released together, each on its own connection."""
    gate = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        gate.wait()
        status = http_get(base, path)[0]
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def edge_rows(work: Path) -> tuple[list[WrkResult], str]:
    """The edge vs static nginx at 64 connections, and the cold burst through the edge."""
    cluster = start_cluster(work / "cluster", workers=1)
    static = None
    try:
        svg = http_get(cluster.url, EDGE_BADGE)[2]
        static, static_url = start_static_nginx(work / "static-nginx", svg)
        rows = best_pair(
            ("hot badge through the edge (make cluster), 64 conn", cluster.url + EDGE_BADGE),
            ("same SVG, static file from nginx, 64 conn", static_url + "/badge.svg"),
            64,
        )
        label = "burst" + uuid.uuid4().hex[:8]
        statuses = burst(cluster.url, f"{EDGE_BADGE}?label={label}")
        time.sleep(0.5)  # access lines are written after the answers
        logs = (cluster.work_dir / "logs").glob("gateway-*.access.log")
        reached = sum(path.read_text().count(label) for path in logs)
        ok = statuses.count(200)
        line = f"{BURST} concurrent cold requests through the edge: {ok} answered 200, "
        line += f"{reached} reached a gateway (target: 1)"
        return rows, line
    finally:
        if static is not None:
            static.stop()
        cluster.stop()


def gateway_rows(work: Path) -> list[WrkResult]:
    """The gateway's hot path vs bare gunicorn+Flask serving the same SVG, 8 and 64 conn."""
    limits = {"RATE_LIMIT": "10000000 per minute"}
    system = start_system(work / "system", limits, only=("gateway", "metadata", "badges"))
    static = None
    try:
        svg = work / "badge.svg"
        svg.write_bytes(http_get(system.gateway_url, HOT_BADGE)[2])
        port = free_port()
        env = {"BENCH_STATIC_SVG": str(svg)}
        static = start_gunicorn("bench.badges_static_app:app", port, env, work / "logs", "static")
        rows = []
        for connections in (8, 64):
            rows += best_pair(
                (f"hot badge, gateway alone, {connections} conn", system.gateway_url + HOT_BADGE),
                (
                    f"same SVG, bare gunicorn+Flask static, {connections} conn",
                    f"http://127.0.0.1:{port}/badge.svg",
                ),
                connections,
            )
        return rows
    finally:
        if static is not None:
            static.stop()
        system.stop()


def ratio_lines(edge: list[WrkResult], gateway: list[WrkResult]) -> list[str]:
    """The targets, as ratios of the same run."""
    lines = [
        f"edge / static nginx, 64 conn: {edge[0].rps / edge[1].rps:.2f} of the req/s "
        f"(target >= 0.5), edge p99 {edge[0].p99_ms:.1f} ms (target <= 20)"
    ]
    for hot, static in (gateway[0:2], gateway[2:4]):
        conns = hot.name.rsplit(", ", 1)[1]
        lines.append(
            f"gateway alone / bare Flask static, {conns}: {hot.rps / static.rps:.2f} of the "
            "req/s (target >= 0.9)"
        )
    return lines


def run() -> tuple[list[WrkResult], list[str]]:
    """All rows and the target lines, from one run."""
    if shutil.which("wrk") is None:
        raise SystemExit(
            "the front-door benchmark needs wrk: apt-get install wrk (make bench does)"
        )
    work = Path(tempfile.mkdtemp(prefix="bench-front-door-"))
    try:
        edge, burst_line = edge_rows(work)
        gateway = gateway_rows(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return edge + gateway, [*ratio_lines(edge, gateway), burst_line]


def main() -> None:
    """Print the table and the targets."""
    rows, lines = run()
    print(HEADER)
    for row in rows:
        print(row.row())
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
