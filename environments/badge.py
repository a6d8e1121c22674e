"""The CVE badge of a stored environment: open findings by severity and honest coverage."""

from __future__ import annotations

SHOWN = ("critical", "high", "medium", "low", "unknown")
COLORS = (("critical", "red"), ("high", "red"), ("medium", "orange"), ("low", "yellow"))


def badge_text(summary: dict) -> tuple[str, str]:
    """(message, color): e.g. `2 high · 9 not tracked`; never clean when something went
    unchecked (`0 open · 9 not tracked`, grey)."""
    counts = summary["open_by_severity"]
    parts = [f"{counts[level]} {level}" for level in SHOWN if counts.get(level)]
    if not parts and counts.get("none"):
        parts = [f"{counts['none']} open"]
    if not parts:
        parts = ["0 open"]
    if summary["not_tracked"]:
        parts.append(f"{summary['not_tracked']} not tracked")
    message = " · ".join(parts)
    for level, color in COLORS:
        if counts.get(level):
            return message, color
    if counts:
        return message, "yellow"
    return message, "brightgreen" if summary["clean"] else "lightgrey"
