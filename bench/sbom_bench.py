"""SBOM generation benchmark: milliseconds per document, facts to JSON, no validation.

    .venv/bin/python bench/sbom_bench.py [--runs N]

The facts are built from the embedded channels' repodata, exactly as the tests build them
(runner/realdata.py), so only generation is timed: no HTTP, no cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.realdata import facts_for  # noqa: E402
from runner.realdata import find  # noqa: E402
from services.sbom.cyclonedx import render_cyclonedx  # noqa: E402
from services.sbom.spdx import render_spdx  # noqa: E402

CASES = [
    ("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda"),
    ("test-recipes", "noarch", "another_dependent-1.0-0.conda"),
    ("private", "linux-64", "r-base-3.4.2-haf99962_0.tar.bz2"),
    ("private", "linux-64", "r-tidyverse-1.2.1-r350h912f1d8_0.tar.bz2"),
    ("private", "linux-64", "rstudio-1.1.423-hcfd39f1_0.tar.bz2"),
]
TARGET_MS = 10.0


def timed(function, runs: int) -> tuple[float, float, float]:
    """(median wall, min wall, median CPU) milliseconds of `runs` calls, after a warm-up."""
    function()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def main() -> None:
    """Print one table row per package file and format."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {args.runs} runs each")
    print(
        f"{'file':58} {'deps':>4} {'format':14} {'median ms':>9} {'min ms':>7} {'cpu ms':>7}"
        f" {'KiB':>6}"
    )
    for channel, subdir, filename in CASES:
        record = find(channel, subdir, filename)
        facts = facts_for(record)
        deps = len(set(record.raw.get("depends") or []))
        formats = {
            "cyclonedx-1.6": lambda f=facts: render_cyclonedx(f, "1.6"),
            "cyclonedx-1.5": lambda f=facts: render_cyclonedx(f, "1.5"),
            "spdx-2.3": lambda f=facts: render_spdx(f),
        }
        for name, render in formats.items():
            median, best, cpu = timed(render, args.runs)
            size = len(render().encode()) / 1024
            flag = " *" if deps >= 20 and median > TARGET_MS else ""
            print(
                f"{channel + '/' + filename:58} {deps:>4} {name:14} {median:>9.2f} {best:>7.2f}"
                f" {cpu:>7.2f} {size:>6.1f}{flag}"
            )
    print(f"\n* over the {TARGET_MS:.0f} ms target for a file with 20+ dependencies")


if __name__ == "__main__":
    main()
