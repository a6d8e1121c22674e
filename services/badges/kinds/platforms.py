"""`platforms`: the subdirs, linux-* then osx-* then win-* then others, noarch last."""

from __future__ import annotations

from common.platforms import sorted_platforms
from services.badges.model import Badge
from services.badges.model import Facts

LABEL = "platforms"
MAX_AGE = 3600


def render(facts: Facts) -> Badge:
    """`linux-64 | osx-64 | win-64` in blue; grey `none` when there are no files."""
    subdirs = sorted_platforms(facts.platforms)
    if not subdirs:
        return Badge(LABEL, "none", "lightgrey")
    return Badge(LABEL, " | ".join(subdirs), "blue")
