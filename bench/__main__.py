"""`make bench`: metadata, badge and SBOM benchmarks against real processes, one table."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench import badges_bench
from bench import contents_bench
from bench import environments_bench
from bench import front_door_bench
from bench import metadata_bench
from bench import render_bench
from bench import sbom_bench
from bench import scale_bench
from bench import vulns_bench
from bench import vulns_scale
from bench.load import HEADER
from bench.load import LoadResult
from bench.load import run_load
from bench.load import run_wrk
from runner.system import start_system

SBOM_URL = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json"


def sbom_http(quick: bool) -> list[LoadResult]:
    """A hot public SBOM through the gateway."""
    work = Path(tempfile.mkdtemp(prefix="bench-sbom-"))
    system = start_system(
        work, {"RATE_LIMIT": "10000000 per minute"}, only=("gateway", "metadata", "sbom")
    )
    try:
        run_load("warm-up", system.gateway_url, [SBOM_URL], connections=2, total=50)
        if shutil.which("wrk"):
            return [
                run_wrk(
                    f"SBOM (CycloneDX) via gateway, {c} conn (wrk)",
                    system.gateway_url + SBOM_URL,
                    c,
                )
                for c in (8, 64)
            ]
        return [
            run_load(
                f"SBOM (CycloneDX) via gateway, {c} conn",
                system.gateway_url,
                [SBOM_URL],
                connections=c,
                total=1000 if quick else 4000,
            )
            for c in (8, 64)
        ]
    finally:
        system.stop()


def main() -> None:
    """Run every benchmark and print one table, the badge ratio, then SBOM generation times."""
    quick = "--quick" in sys.argv
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    metadata = metadata_bench.run(quick)
    badges = badges_bench.run(quick)
    sbom = sbom_http(quick)
    front_door, front_door_lines = front_door_bench.run()
    deep_lines, deep = contents_bench.run(quick)
    print(HEADER)
    for row in metadata + badges + sbom + front_door + deep:
        print(row.row())
    for line in front_door_lines:  # the edge and hot-path targets (issue 16)
        print(line)
    half = len(badges) // 2
    for group in (badges[:half], badges[half:]):
        print(badges_bench.ratio_line(group) + f" ({group[0].name.rsplit(', ', 1)[-1]})")
    rstudio = next(r for r in deep if r.name.startswith("rstudio") and "1 conn" in r.name)
    print(
        f"rstudio CycloneDX via gateway, warm p50 {rstudio.percentile(50):.1f} ms"
        f" (target {contents_bench.TARGET_MS:.0f} ms)"
    )
    print("\nDeep SBOMs: contents cold and warm, bytes fetched over HTTP:")
    print("\n".join(deep_lines))
    print("\nSBOM generation (no HTTP, no validation):")
    argv = list(sys.argv)
    sys.argv = [sys.argv[0], "--runs", "20" if quick else "50"]
    sbom_bench.main()
    print("\nconda-forge scale (issue 15): generated channel, whole and sharded, over HTTP")
    scale_bench.run(100_000 if quick else 1_000_000)
    vulns_bench.main(["--runs", "500" if quick else "2000"])
    print("\nEnvironments (issue 22): a lockfile's report and SBOMs through the API")
    environments_bench.main(["--runs", "5" if quick else "20"])
    # the feeds' real size (about 12 minutes here; docs/vulnerabilities.md), 1 % with --quick
    vulns_scale.main(["--scale", "0.01" if quick else "1", "--runs", "500"])
    sys.exit(render_bench.main(argv))  # fails when ours costs more than the pybadges baseline


if __name__ == "__main__":
    main()
