"""`downloads`: the total download count, humanized (999, 1.2k, 3.4M), coloured by size."""

from __future__ import annotations

from common.badge_colors import floor_color
from services.badges.model import Badge
from services.badges.model import Facts

LABEL = "downloads"
MAX_AGE = 900

_UNITS = ("k", "M", "G", "T", "P", "E")


def humanize(count: int) -> str:
    """999 -> '999', 1234 -> '1.2k', 12345 -> '12k', 3456789 -> '3.4M'; rounds down, never '0k'."""
    if count < 1000:
        return str(count)
    value, unit = count, ""
    for unit in _UNITS:  # noqa: B007 - the last unit is the one we stop at
        if value < 1_000_000:
            break
        value //= 1000
    # value is now in [1000, 1_000_000) of the previous unit; show it in `unit` thousands
    if value < 10_000:
        tenths = value // 100
        whole, fraction = divmod(tenths, 10)
        return f"{whole}.{fraction}{unit}" if fraction else f"{whole}{unit}"
    return f"{value // 1000}{unit}"


def color_for(count: int) -> str:
    """shields' scale: 0 red, <10 yellow, <100 yellowgreen, <1000 green, else brightgreen."""
    if count <= 0:
        return "red"
    return floor_color(count, (10, 100, 1000), ("yellow", "yellowgreen", "green", "brightgreen"))


def render(facts: Facts) -> Badge:
    """The humanized total, or grey `n/a` where the channel has no download counts."""
    if facts.download_count is None:
        return Badge(LABEL, "n/a", "lightgrey")
    return Badge(LABEL, humanize(facts.download_count), color_for(facts.download_count))
