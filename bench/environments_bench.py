"""Environment reports and SBOMs through the API: a 1,440-package lockfile over 3 platforms.

    .venv/bin/python -m bench.environments_bench [--runs N]

The lockfile is two real conda-lock.yml files of data/lockfiles merged: cryocloud's 915
linux-64 packages, pangeo's osx-64 and win-64 packages, and pangeo's linux-64 packages
whose names cryocloud lacks (942 linux-64 packages in all). Cold: the first request to a
freshly started gateway; warm: the median of the next runs. RSS: the gateway workers'
resident memory after the cold request and after all runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from runner.processes import REPO
from runner.system import start_system

LOCKS = REPO / "data" / "lockfiles" / "conda-lock"
TARGETS = {"warm": 1000.0, "cold": 5000.0}


def merged_lock() -> tuple[bytes, int]:
    """The merged conda-lock.yml (real entries only) as bytes, and its package count."""
    load = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    base = yaml.load((LOCKS / "cryocloud-hub-image.conda-lock.yml").read_text(), Loader=load)  # noqa: S506
    other = yaml.load((LOCKS / "pangeo-example.conda-lock.yml").read_text(), Loader=load)  # noqa: S506
    held = {(e["platform"], e["name"]) for e in base["package"]}
    base["package"] += [
        e
        for e in other["package"]
        if (e["platform"], e["name"]) not in held and not e["name"].startswith("__")
    ]
    base["metadata"]["platforms"] = sorted({e["platform"] for e in base["package"]})
    return yaml.safe_dump(base, sort_keys=False).encode(), len(base["package"])


def post(base: str, path: str, body: bytes) -> tuple[float, int]:
    """(milliseconds, response bytes) of one POST."""
    start = time.perf_counter()
    request = urllib.request.Request(base + path, data=body, method="POST")
    request.add_header("Content-Type", "application/octet-stream")
    with urllib.request.urlopen(request, timeout=120) as response:
        size = len(response.read())
    return (time.perf_counter() - start) * 1000, size


def worker_rss_mib(master: int) -> float:
    """The largest resident set (MiB) among the gunicorn master's worker processes."""
    largest = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, ValueError, IndexError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                largest = max(largest, int(line.split()[1]))
    return largest / 1024


def measure(path: str, body: bytes, runs: int) -> dict:
    """Cold and warm times and worker RSS of one API path on a fresh gateway."""
    work = Path(tempfile.mkdtemp(prefix="bench-env-"))
    system = start_system(work, {"RATE_LIMIT": "off"}, only=("gateway",))
    try:
        master = system.processes["gateway"].popen.pid
        cold, size = post(system.gateway_url, path, body)
        rss_cold = worker_rss_mib(master)
        warm = [post(system.gateway_url, path, body)[0] for _ in range(runs)]
        return {
            "cold": cold,
            "warm": statistics.median(warm),
            "size": size,
            "rss_cold": rss_cold,
            "rss_after": worker_rss_mib(master),
        }
    finally:
        system.stop()


def main(argv: list[str] | None = None) -> None:
    """Print one row per API path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    body, count = merged_lock()
    print(f"lockfile: {count} locked packages over 3 platforms, {len(body) // 1024} KiB")
    print(
        f"{'request':48} {'cold ms':>8} {'warm ms':>8} {'KiB':>6} {'RSS cold':>9} {'RSS after':>9}"
    )
    for path in (
        "/api/environments/report?platform=linux-64",
        "/api/environments/sbom?platform=linux-64&format=cyclonedx",
        "/api/environments/sbom?platform=linux-64&format=spdx",
        "/api/environments/sbom?platform=linux-64&format=spdx3",
    ):
        row = measure(path, body, args.runs)
        print(
            f"{path:48} {row['cold']:8.0f} {row['warm']:8.0f} {row['size'] // 1024:6d}"
            f" {row['rss_cold']:8.0f}M {row['rss_after']:8.0f}M"
        )
    print(f"targets: warm <= {TARGETS['warm']:.0f} ms, cold <= {TARGETS['cold']:.0f} ms")


if __name__ == "__main__":
    main()
