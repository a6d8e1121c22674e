"""A hot badge through the gateway vs the same SVG as a static file from bare gunicorn+Flask.

Run: `python -m bench.badges_bench [--quick]` (starts its own processes), or point it at
running ones: `--gateway-url http://127.0.0.1:8080 --static-url http://127.0.0.1:9000`
(the static server must answer `/badge.svg`).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import urllib.request
from pathlib import Path

from bench.load import HEADER
from bench.load import LoadResult
from bench.load import run_load
from bench.load import run_wrk
from runner.ports import free_port
from runner.processes import start_gunicorn
from runner.system import start_system

HOT_BADGE = "/main/zlib/badges/version.svg"


def measure(
    gateway_url: str, static_url: str, badges_url: str | None, total: int, connections: int
) -> list[LoadResult]:
    """Warm both, then load the hot badge (gateway, direct) and the static file alike."""
    targets = [("badge via gateway", gateway_url, HOT_BADGE)]
    if badges_url:
        targets.append(("badge direct to badges service", badges_url, HOT_BADGE))
    targets.append(("static SVG, bare gunicorn+Flask", static_url, "/badge.svg"))
    results = []
    use_wrk = shutil.which("wrk") is not None  # C: it does not eat the CPU it measures
    for name, base, path in targets:
        label = f"{name}, {connections} conn" + (" (wrk)" if use_wrk else "")
        if use_wrk:
            results.append(run_wrk(label, base + path, connections))
            continue
        run_load("warm-up", base, [path], connections=connections, total=200, max_seconds=30)
        result = run_load(label, base, [path], connections=connections, total=total)
        results.append(result)
    return results


def ratio_line(results: list[LoadResult]) -> str:
    """How the gateway badge compares with the static file (req/s and p50)."""
    gateway, static = results[0], results[-1]
    throughput = gateway.requests_per_second / static.requests_per_second
    latency = gateway.percentile(50) / static.percentile(50)
    return (
        f"badge via gateway / static file: {throughput:.2f}x the requests/s, "
        f"{latency:.2f}x the p50 latency"
    )


def run(quick: bool = False) -> list[LoadResult]:
    """Start gateway + badges and a static server on free ports, measure, stop them."""
    work = Path(tempfile.mkdtemp(prefix="bench-badges-"))
    # a limit far above the load, so its cost is measured but it never refuses
    limits = {"RATE_LIMIT": "10000000 per minute"}
    system = start_system(work / "system", limits, only=("gateway", "metadata", "badges"))
    static = None
    try:
        svg = work / "badge.svg"
        with urllib.request.urlopen(system.gateway_url + HOT_BADGE, timeout=30) as response:
            svg.write_bytes(response.read())
        port = free_port()
        env = {"BENCH_STATIC_SVG": str(svg)}
        static = start_gunicorn("bench.badges_static_app:app", port, env, work / "logs", "static")
        total = 2000 if quick else 6000
        results = []
        for connections in (8, 64):
            results += measure(
                system.gateway_url,
                f"http://127.0.0.1:{port}",
                system.badges_url,
                total,
                connections,
            )
        return results
    finally:
        if static is not None:
            static.stop()
        system.stop()


def main() -> None:
    """Print the table and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--gateway-url", help="a running gateway (else processes are started)")
    parser.add_argument("--static-url", help="a running static server answering /badge.svg")
    parser.add_argument("--requests", type=int, default=6000, help="requests per run")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    args = parser.parse_args()
    if args.gateway_url and args.static_url:
        results = measure(args.gateway_url, args.static_url, None, args.requests, args.connections)
        groups = [results]
    else:
        results = run(quick=args.quick)
        groups = [results[: len(results) // 2], results[len(results) // 2 :]]
    print(HEADER)
    for row in results:
        print(row.row())
    for group in groups:
        print(ratio_line(group))


if __name__ == "__main__":
    main()
