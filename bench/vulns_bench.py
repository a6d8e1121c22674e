"""Vulnerability benchmarks: one file's CVE facts (warm, in-process) and a 10,000-record build.

    .venv/bin/python -m bench.vulns_bench [--records N] [--runs N]

The 10,000 OSV records are generated here, at bench time, from the real recorded ones in
data/vulns/osv (each copied with a new id, a new alias and a package of its own, ranges and
versions kept), packed as OSV's `all.zip`, and built with the real parselmouth mapping. They
are never committed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.drivers.conda import parse_repodata  # noqa: E402
from vulns import ChannelSources  # noqa: E402
from vulns import VulnService  # noqa: E402
from vulns import build_database  # noqa: E402
from vulns.cli import records_layout  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "data" / "vulns"
CHANNELS = REPO / "data" / "channels"
FACTS_TARGET_MS = 2.0
BUILD_TARGET_S = 60.0


def real_osv_records() -> list[dict]:
    """The recorded OSV records (PyPA and R Consortium YAML, GitHub JSON)."""
    found = []
    for path in sorted((RECORDS / "osv").rglob("*")):
        if path.suffix == ".yaml":
            found.append(yaml.safe_load(path.read_text()))
        elif path.suffix == ".json":
            found.append(json.loads(path.read_text()))
    return found


def generated_all_zip(folder: Path, count: int) -> Path:
    """`count` OSV records made from the real ones, packed as OSV's per-ecosystem all.zip."""
    base = real_osv_records()
    archive = folder / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for number in range(count):
            record = json.loads(json.dumps(base[number % len(base)]))
            record["id"] = f"{record['id']}-bench{number}"
            record["aliases"] = [f"{alias}-bench{number}" for alias in record.get("aliases", [])]
            for affected in record.get("affected", []):
                affected["package"]["name"] += f"-bench{number % 2000}"
            out.writestr(f"{record['id']}.json", json.dumps(record))
    return archive


def time_build(count: int) -> tuple[float, dict]:
    """Seconds to build a database from `count` generated OSV records (+ the real mapping)."""
    with tempfile.TemporaryDirectory(prefix="vulns-bench-") as folder:
        archive = generated_all_zip(Path(folder), count)
        mapping = records_layout(RECORDS)["mapping"]
        start = time.perf_counter()
        result = build_database(Path(folder) / "vulns.sqlite", osv=[archive], mapping=mapping)
        return time.perf_counter() - start, result.counts


def _file(channel: str, subdir: str, filename: str):
    document = json.loads((CHANNELS / channel / subdir / "repodata.json").read_text())
    return next(f for f in parse_repodata(document, None) if f.filename == filename)


def time_facts(runs: int) -> list[tuple[str, float, float, float]]:
    """(case, first call ms, warm median ms, recomputed median ms) for one file's CVE facts.

    Warm: the service's per-file cache answers. Recomputed: that cache emptied before each
    call, so matching, statuses and the score are computed again from the open database.
    """
    with tempfile.TemporaryDirectory(prefix="vulns-bench-") as folder:
        database = Path(folder) / "vulns.sqlite"
        build_database(database, **records_layout(RECORDS))
        service = VulnService(database)
        cases = [
            (
                "zlib 1.2.11 (main, NVD CPE, OpenVEX)",
                ChannelSources("main", vex=REPO / "data" / "vex" / "main.openvex.json"),
                _file("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda"),
            ),
            (
                "r-base 3.4.3 (private, CVE 5)",
                ChannelSources("private"),
                _file("private", "linux-64", "r-base-3.4.3-h290ecf8_0.tar.bz2"),
            ),
            (
                "r-readxl 1.0.0 (private, OSV CRAN)",
                ChannelSources("private"),
                _file("private", "linux-64", "r-readxl-1.0.0-r3.4.1_0.tar.bz2"),
            ),
        ]
        rows = []
        for name, channel, file in cases:
            start = time.perf_counter()
            service.file_facts(channel, file)
            first = (time.perf_counter() - start) * 1000
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                service.file_facts(channel, file)
                samples.append((time.perf_counter() - start) * 1000)
            recomputed = []
            for _ in range(max(runs // 10, 50)):
                service._facts.clear()  # noqa: SLF001 - the bench measures the uncached path
                start = time.perf_counter()
                service.file_facts(channel, file)
                recomputed.append((time.perf_counter() - start) * 1000)
            rows.append((name, first, statistics.median(samples), statistics.median(recomputed)))
        return rows


def main(argv: list[str] | None = None) -> None:
    """Print both benchmarks with their targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    print(f"\nVulnerabilities (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    for name, first, warm, recomputed in time_facts(args.runs):
        verdict = "ok" if max(warm, recomputed) < FACTS_TARGET_MS else "SLOW"
        print(
            f"  CVE facts of one file, {name}: first {first:.2f} ms, warm median "
            f"{warm:.4f} ms, recomputed median {recomputed:.3f} ms "
            f"(target < {FACTS_TARGET_MS} ms: {verdict})"
        )
    seconds, counts = time_build(args.records)
    verdict = "ok" if seconds < BUILD_TARGET_S else "SLOW"
    print(
        f"  build from {args.records:,} OSV records (all.zip) + the parselmouth mapping: "
        f"{seconds:.1f} s (target < {BUILD_TARGET_S:.0f} s: {verdict}); "
        f"{counts['vulnerabilities']:,} vulnerabilities, {counts['rules']:,} rules"
    )


if __name__ == "__main__":
    main()
