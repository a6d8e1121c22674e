"""Version orderings and range evaluation: OSV events, NVD cpeMatch bounds, CVE 5 versions.

Each source's ranges are compared in the ordering the source means: PyPI in PEP 440
(`packaging`, as osv.dev does), CRAN in R's `package_version` ordering, NVD and CVE 5 bounds
in upstream's ordering (`compare_upstream`: the conda version without epoch or `v` prefix,
OpenSSL-style letter suffixes after the bare number, otherwise conda's ordering, py-rattler).
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


_PLAIN = re.compile(r"^(\d+(?:\.\d+)*)([a-z]{0,2})$")


def upstream_text(text: str) -> str:
    """A conda version as upstream writes it: no conda epoch (`1!`), no `v` prefix."""
    text = text.strip()
    epoch, bang, rest = text.partition("!")
    if bang and epoch.isdigit():
        text = rest
    return text[1:] if text[:1] in ("v", "V") and text[1:2].isdigit() else text


@lru_cache(maxsize=65536)
def _plain(text: str) -> tuple[tuple[int, ...], str] | None:
    found = _PLAIN.match(upstream_text(text).lower())
    if found is None:
        return None
    return tuple(int(n) for n in found.group(1).split(".")), found.group(2)


def compare_upstream(left: str, right: str) -> int | None:
    """-1, 0 or 1 ordering two upstream versions; None when either cannot be read.

    Dotted numbers with an optional letter suffix (OpenSSL's `1.1.1u`, `1.0.2zh`, jpeg's `9e`)
    are ordered as upstream means them: the suffix comes after the bare number (conda would put
    `1.1.1u` before `1.1.1`). Everything else is compared in conda's ordering.
    """
    a, b = _plain(left), _plain(right)
    if a is not None and b is not None:
        width = max(len(a[0]), len(b[0]))
        ka = (a[0] + (0,) * (width - len(a[0])), a[1])
        kb = (b[0] + (0,) * (width - len(b[0])), b[1])
        return (ka > kb) - (ka < kb)
    va, vb = conda_version(upstream_text(left)), conda_version(upstream_text(right))
    if va is None or vb is None:
        return None
    return (va > vb) - (va < vb)


def cpe_affects(version: str, subdir: str, spec: dict) -> bool:
    """Whether an NVD cpeMatch (with its AND conditions) includes a conda file."""
    if not _platforms_hold(spec.get("platforms") or [], subdir):
        return False
    exact = spec.get("exact")
    if exact:
        return exact == version or compare_upstream(version, exact) == 0
    start, end = spec.get("start"), spec.get("end")
    if start is not None:
        low = compare_upstream(version, start)
        if low is None or low < 0 or (low == 0 and not spec.get("start_incl", True)):
            return False
    if end is not None:
        high = compare_upstream(version, end)
        if high is None or high > 0 or (high == 0 and not spec.get("end_incl", True)):
            return False
    return True


def _cve5_contains(version: str, item: dict) -> bool:
    start = item.get("version", "")
    upper_key = "lessThan" if "lessThan" in item else "lessThanOrEqual"
    if upper_key not in item:
        return start in ("*", version) or compare_upstream(version, start) == 0
    if start not in ("0", "*", ""):
        low = compare_upstream(version, start)
        if low is None or low < 0:
            return False
    upper = item[upper_key]
    if upper in ("*", ""):
        return compare_upstream(version, version) is not None
    high = compare_upstream(version, upper)
    if high is None:
        return False
    return high < 0 if upper_key == "lessThan" else high <= 0


def cve5_affects(version: str, spec: dict) -> bool:
    """Whether a CVE 5 affected entry says `version` is affected (else its defaultStatus)."""
    statuses = {
        item.get("status", "affected")
        for item in spec.get("versions") or ()
        if item.get("versionType") != "git" and _cve5_contains(version, item)
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
