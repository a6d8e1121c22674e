"""Time the baseline renderer in-process; prints one JSON line (run by bench/render_bench.py)."""

from __future__ import annotations

import json
import platform
import sys

import pybadges

from bench.baseline import pybadges_svg
from bench.render_timing import per_badge_us

if __name__ == "__main__":
    draw = pybadges_svg.render_svg.__wrapped__  # no LRU cache: the cost of drawing
    cached = pybadges_svg.render_svg
    result = {
        "python": platform.python_version(),
        "pybadges": pybadges.__version__,
        "render_us": per_badge_us(lambda b: draw(*b)),
        "cached_us": per_badge_us(lambda b: cached(*b, "grey", (), None, "flat")),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
