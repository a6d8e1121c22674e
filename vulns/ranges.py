"""Version orderings and range evaluation: OSV events, NVD cpeMatch bounds, CVE 5 versions.

Each source's ranges are compared in the ordering the source means: PyPI in PEP 440
(`packaging`, as osv.dev does), CRAN in R's `package_version` ordering, NVD and CVE 5 bounds
in conda's ordering (py-rattler), since they are compared with the conda version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from packaging.version import InvalidVersion
from packaging.version import Version as PypiVersion
from rattler import Version as CondaVersion

from vulns.model import SCHEME_CONDA
from vulns.model import SCHEME_CRAN
from vulns.model import SCHEME_PYPI

_CRAN_SPLIT = re.compile(r"[.\-_]")


@lru_cache(maxsize=65536)
def pypi_version(text: str) -> PypiVersion | None:
    """A PEP 440 version, or None when `text` is not one."""
    try:
        return PypiVersion(text)
    except InvalidVersion:
        return None


@lru_cache(maxsize=65536)
def cran_version(text: str) -> tuple[int, ...] | None:
    """R's package_version: non-negative integers split on `.` and `-` (conda writes `-` as `_`).

    Compared as integer lists, so `1.0` < `1.0.1` and `0.1-3` == `0.1.3`, as R does.
    """
    parts = _CRAN_SPLIT.split(text.strip())
    if not parts or not all(part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)


@lru_cache(maxsize=65536)
def conda_version(text: str) -> CondaVersion | None:
    """A conda version (py-rattler), or None when `text` is not one."""
    try:
        return CondaVersion(text)
    except Exception:  # rattler raises its own exception types
        return None


KEYS: dict[str, Callable[[str], object | None]] = {
    SCHEME_PYPI: pypi_version,
    SCHEME_CRAN: cran_version,
    SCHEME_CONDA: conda_version,
}


def _in_events(version: object, events: list[dict], key: Callable[[str], object | None]) -> bool:
    """OSV's evaluation of one range (docs/schema.md, "Evaluation")."""
    points: list[tuple[int, object, str]] = []
    limits = []
    for event in events:
        ((kind, raw),) = event.items()
        if kind == "introduced" and raw == "0":
            points.append((0, None, kind))
            continue
        if kind == "limit" and raw == "*":
            continue
        parsed = key(raw)
        if parsed is None:
            return False  # a bound this ordering cannot read: no claim either way
        if kind == "limit":
            limits.append(parsed)
        else:
            points.append((1, parsed, kind))
    if limits and not any(version < limit for limit in limits):
        return False
    affected = False
    ordered = sorted(points, key=lambda p: (p[0], p[1]) if p[0] else (0,))  # type: ignore[return-value]
    for _, point, kind in ordered:
        if kind == "introduced" and (point is None or version >= point):
            affected = True
        elif (kind == "fixed" and version >= point) or (
            kind == "last_affected" and version > point
        ):
            affected = False
    return affected


def osv_affects(version: str, spec: dict, scheme: str) -> bool:
    """Whether an OSV affected entry (`ranges` of events, `versions` list) includes `version`."""
    key = KEYS[scheme]
    parsed = key(version)
    for listed in spec.get("versions") or ():
        if listed == version or (parsed is not None and key(listed) == parsed):
            return True
    if parsed is None:
        return False
    return any(_in_events(parsed, events, key) for events in spec.get("ranges") or ())


def file_platform(subdir: str) -> str | None:
    """`windows`, `macos` or `linux` for a conda subdir; None for noarch (runs anywhere)."""
    if subdir == "noarch":
        return None
    return {"win": "windows", "osx": "macos", "linux": "linux"}.get(subdir.split("-", 1)[0], subdir)


def _platforms_hold(conditions: list[list[str]], subdir: str) -> bool:
    platform = file_platform(subdir)
    return platform is None or all(platform in group for group in conditions)


def cpe_affects(version: str, subdir: str, spec: dict) -> bool:
    """Whether an NVD cpeMatch (with its AND conditions) includes a conda file."""
    if not _platforms_hold(spec.get("platforms") or [], subdir):
        return False
    parsed = conda_version(version)
    exact = spec.get("exact")
    if exact:
        return exact == version or (parsed is not None and conda_version(exact) == parsed)
    start, end = spec.get("start"), spec.get("end")
    if start is None and end is None:
        return True
    if parsed is None:
        return False
    if start is not None:
        low = conda_version(start)
        if low is None or (parsed < low if spec.get("start_incl", True) else parsed <= low):
            return False
    if end is not None:
        high = conda_version(end)
        if high is None or (parsed > high if spec.get("end_incl", True) else parsed >= high):
            return False
    return True


def _cve5_contains(version: str, parsed: object, item: dict) -> bool:
    start = item.get("version", "")
    upper_key = "lessThan" if "lessThan" in item else "lessThanOrEqual"
    if upper_key not in item:
        return start in ("*", version) or (parsed is not None and conda_version(start) == parsed)
    if parsed is None:
        return False
    if start not in ("0", "*", ""):
        low = conda_version(start)
        if low is None or parsed < low:
            return False
    upper = item[upper_key]
    if upper in ("*", ""):
        return True
    high = conda_version(upper)
    if high is None:
        return False
    return parsed < high if upper_key == "lessThan" else parsed <= high


def cve5_affects(version: str, spec: dict) -> bool:
    """Whether a CVE 5 affected entry says `version` is affected (else its defaultStatus)."""
    parsed = conda_version(version)
    statuses = {
        item.get("status", "affected")
        for item in spec.get("versions") or ()
        if item.get("versionType") != "git" and _cve5_contains(version, parsed, item)
    }
    if "unaffected" in statuses:
        return False
    if "affected" in statuses:
        return True
    return spec.get("default") == "affected" and not statuses


def affects(kind: str, scheme: str, spec: dict, version: str, subdir: str) -> bool:
    """Whether one stored rule includes a conda file's version (and platform, for CPE rules)."""
    if kind == "cpe":
        return cpe_affects(version, subdir, spec)
    if kind == "cve5":
        return cve5_affects(version, spec)
    return osv_affects(version, spec, scheme)
