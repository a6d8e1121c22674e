"""Conda version ordering (rattler implements conda's rules), with a safe fallback."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rattler import Version

_PRERELEASE_MARKERS = ("dev", "rc", "alpha", "beta", "a", "b", "pre")


@lru_cache(maxsize=65536)
def version_key(version: str) -> tuple[int, object]:
    """A sort key that orders versions as conda does; unparseable versions sort first."""
    try:
        return (1, Version(version))
    except Exception:  # rattler raises its own error types for invalid versions
        return (0, version)


def sort_versions(versions: Iterable[str]) -> list[str]:
    """Unique versions, lowest first, by conda ordering."""
    unique = set(versions)
    parsed = [v for v in unique if version_key(v)[0] == 1]
    broken = sorted(v for v in unique if version_key(v)[0] == 0)
    return broken + sorted(parsed, key=lambda v: version_key(v)[1])


def highest_version(versions: Iterable[str]) -> str | None:
    """The highest version by conda ordering, or None for no versions."""
    ordered = sort_versions(versions)
    return ordered[-1] if ordered else None


def is_prerelease(version: str) -> bool:
    """True for dev/rc/alpha/beta versions and for 0.x versions."""
    lowered = version.lower()
    if lowered.startswith("0.") or lowered == "0":
        return True
    segments = lowered.replace("_", ".").replace("-", ".").split(".")
    for segment in segments:
        letters = segment.lstrip("0123456789")
        if any(letters.startswith(marker) for marker in _PRERELEASE_MARKERS):
            return True
    return False
