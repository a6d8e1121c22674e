"""The badges the render benchmark draws, and the timing loop (no project imports: the baseline
virtualenv runs it too)."""

from __future__ import annotations

import time
from collections.abc import Callable

# every kind's badge for zlib in `main`, a real download count and an error badge
BADGES: list[tuple[str, str, str]] = [
    ("conda | main", "1.2.11", "blue"),
    ("last updated", "2018-11-21", "blue"),
    ("updated", "8 years ago", "red"),
    ("platforms", "linux-64 | osx-64 | win-32 | win-64", "blue"),
    ("license", "Zlib", "blue"),
    ("downloads", "648k", "brightgreen"),
    ("conda", "not found", "red"),
]


def per_badge_us(draw: Callable[[tuple[str, str, str]], object], seconds: float = 1.0) -> float:
    """Microseconds per badge: the best of 5 runs of drawing all BADGES for ~`seconds`/5 each."""
    for badge in BADGES:  # warm: imports, width tables, templates
        draw(badge)
    best = float("inf")
    for _ in range(5):
        rounds, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 5:
            for badge in BADGES:
                draw(badge)
            rounds += 1
        best = min(best, elapsed / (rounds * len(BADGES)))
    return best * 1e6
