"""Hot in-process cost of one badge: our renderer (each style) vs the pybadges one it replaced.

`python -m bench.render_bench [--baseline-python PATH]`: ours is timed here; the baseline
(bench/baseline/pybadges_svg.py) in PATH, a Python 3.11 virtualenv with pybadges 3.0.1, which
`make bench` creates in var/bench-pybadges. "render" is the drawing itself (the LRU cache
bypassed); "cached" is a hit in the services' LRU cache.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

from bench.render_timing import BADGES
from bench.render_timing import per_badge_us
from common.badge_render import STYLES
from common.badge_render import render
from common.badge_render import render_svg

REPO = Path(__file__).resolve().parent.parent


def ours() -> dict[str, tuple[float, float]]:
    """Per style: (render µs, cached µs) per badge, in this process."""
    results = {}
    for style in STYLES:
        drawn = per_badge_us(lambda b, s=style: render(*b, style=s).encode())
        cached = per_badge_us(lambda b, s=style: render_svg(*b, "grey", (), None, s))
        results[style] = (drawn, cached)
    return results


def baseline(python: str) -> dict:
    """The pybadges renderer timed in its own interpreter; raises if it cannot run."""
    done = subprocess.run(
        [python, "-m", "bench.baseline.run"],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"baseline failed ({python}): {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def main(argv: list[str]) -> int:
    """Print the table; exit 1 when ours costs more than the baseline (or it cannot run)."""
    python = argv[argv.index("--baseline-python") + 1] if "--baseline-python" in argv else None
    print(f"\nBadge rendering in-process, µs per badge (mean over {len(BADGES)} real badges):")
    results = ours()
    print(f"{'renderer':<44}{'render':>10}{'cached':>10}")
    for style, (drawn, cached) in results.items():
        name = f"ours, {style} (Python {platform.python_version()})"
        print(f"{name:<44}{drawn:>10.1f}{cached:>10.2f}")
    if python is None:
        print("baseline: not measured (no --baseline-python)")
        return 0
    try:
        old = baseline(python)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        print(f"baseline: FAILED: {error}")
        return 1
    name = f"pybadges {old['pybadges']} + regex, flat (Python {old['python']})"
    print(f"{name:<44}{old['render_us']:>10.1f}{old['cached_us']:>10.2f}")
    worst = max(drawn for drawn, _ in results.values())
    ratio = worst / old["render_us"]
    print(f"slowest style / pybadges renderer: {ratio:.2f}x the render cost")
    return 0 if worst <= old["render_us"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
