"""`platforms`: the subdirs, linux-* then osx-* then win-* then others, noarch last."""

from __future__ import annotations

from collections.abc import Iterable

from services.badges.model import Badge
from services.badges.model import Facts

LABEL = "platforms"
MAX_AGE = 3600

_FAMILY_ORDER = {"linux": 0, "osx": 1, "win": 2}


def platform_key(subdir: str) -> tuple[int, str]:
    """Sort key: linux-*, osx-*, win-*, any other family, then noarch; by name within a family."""
    if subdir == "noarch":
        return (9, subdir)
    return (_FAMILY_ORDER.get(subdir.split("-", 1)[0], 5), subdir)


def ordered(subdirs: Iterable[str]) -> list[str]:
    """Unique subdirs in the documented stable order."""
    return sorted(set(subdirs), key=platform_key)


def render(facts: Facts) -> Badge:
    """`linux-64 | osx-64 | win-64` in blue; grey `none` when there are no files."""
    subdirs = ordered(facts.platforms)
    if not subdirs:
        return Badge(LABEL, "none", "lightgrey")
    return Badge(LABEL, " | ".join(subdirs), "blue")
