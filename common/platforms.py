"""The one stable order of conda subdirs: linux-*, osx-*, win-*, other families, noarch last."""

from __future__ import annotations

from collections.abc import Iterable

_FAMILY_ORDER = {"linux": 0, "osx": 1, "win": 2}


def platform_key(subdir: str) -> tuple[int, str]:
    """Sort key: linux-*, osx-*, win-*, any other family, then noarch; by name within a family."""
    if subdir == "noarch":
        return (9, subdir)
    return (_FAMILY_ORDER.get(subdir.split("-", 1)[0], 5), subdir)


def sorted_platforms(subdirs: Iterable[str]) -> list[str]:
    """Unique subdirs in the stable order."""
    return sorted(set(subdirs), key=platform_key)
