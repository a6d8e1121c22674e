"""`latest_release_relative_date` (alias `updated-ago`): "3 days ago", coloured by age."""

from __future__ import annotations

from common.badge_colors import floor_color
from services.badges.model import Badge
from services.badges.model import Facts

LABEL = "updated"
MAX_AGE = 300

# age in days: < 8 brightgreen, < 31 green, < 181 yellowgreen, < 366 yellow, < 731 orange, red
_AGE_THRESHOLDS = (8, 31, 181, 366, 731)
_AGE_COLORS = ("brightgreen", "green", "yellowgreen", "yellow", "orange", "red")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def describe(days: int) -> str:
    """Whole days of age in words: today, yesterday, N days/weeks/months/years ago."""
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return _plural(days, "day")
    if days < 60:
        return _plural(days // 7, "week")
    if days < 365:
        return _plural(days // 30, "month")
    return _plural(days // 365, "year")


def color_for(days: int) -> str:
    """Greener when recent: a week, a month, six months, a year, two years, then red."""
    return floor_color(max(days, 0), _AGE_THRESHOLDS, _AGE_COLORS)


def render(facts: Facts) -> Badge:
    """The age of the newest upload at `facts.now`; grey `unknown` without timestamps."""
    if facts.updated_at is None:
        return Badge(LABEL, "unknown", "lightgrey")
    days = (facts.now - facts.updated_at).days
    return Badge(LABEL, describe(days), color_for(days))
