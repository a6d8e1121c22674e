"""The CPE bridge: which NVD CPE (and CVE 5) names identify a native conda package.

The bridge is data, `vulns/bridge.toml` (shipped with the package), read by `load_bridge`:

- `schema = 1`
- `[native.<row>]`: `names` (the conda package names the row identifies), `pinning` (the keys
  of conda-forge's pinning file it accounts for), `cpe` (NVD `vendor:product` names), `cve5`
  (`[vendor, product]` pairs CNAs use, where they differ), `home` (the project's home page)
  and `evidence`: at least one of a real record under `data/` that names the product
  (`natives/evidence/nvd/CVE-….json`) or an entry of `natives/evidence/curated.json` (a
  maintained project's own NVD name for it, quoted with its commit and sha256).
- `[uncovered.<pinning key>]`: `kind` (one of `UNCOVERED_KINDS`) and the `reason` no row exists.

A name with no row is "not covered" (with the reason, when the pinning file lists it). Rows are
matched by exact conda name, so a lookalike (`r-curl`, `python-xz`) or a package that vendors a
library never gets that library's CPE; versions are compared by `vulns.ranges.upstream_key`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BRIDGE = Path(__file__).with_name("bridge.toml")
SCHEMA = 1
UNCOVERED_KINDS = {
    "not-a-package": "a build variable or marker, not a package",
    "not-a-product": "not a distinct product (a metapackage or a part of another row's product)",
    "pypi": "a Python package, covered through PyPI advisories",
    "collision": "the NVD product of that name is unrelated software",
    "unresolved": "no NVD product evidenced yet",
}


class BridgeError(ValueError):
    """The bridge file does not follow its schema."""


@dataclass(frozen=True)
class Native:
    """The CPE (and CVE 5) names of a native library, with the evidence for them."""

    cpe: tuple[tuple[str, str], ...]
    cve5: tuple[tuple[str, str], ...] = ()
    evidence: tuple[str, ...] = ()
    row: str = ""
    home: str = ""


@dataclass(frozen=True)
class Uncovered:
    """Why a pinned name has no row."""

    kind: str
    reason: str


@dataclass(frozen=True)
class Bridge:
    """Rows by conda name, rows by pinning key, and the reasons for pinned names without one."""

    natives: dict[str, Native]
    pinning: dict[str, str]
    uncovered: dict[str, Uncovered]


def _strings(value: object, where: str, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BridgeError(f"{where} must be a list of non-empty strings")
    if not value and not allow_empty:
        raise BridgeError(f"{where} must not be empty")
    return value


def _cpe(text: str, where: str) -> tuple[str, str]:
    vendor, _, product = text.partition(":")
    if not vendor or not product or " " in text:
        raise BridgeError(f"{where}: {text!r} is not vendor:product")
    return vendor.lower(), product.lower()


def _cve5(value: object, where: str) -> tuple[tuple[str, str], ...]:
    pairs = value if isinstance(value, list) else None
    if pairs is None or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise BridgeError(f"{where} must be a list of [vendor, product] pairs")
    return tuple((str(v), str(p)) for v, p in pairs)


def _row(row: str, body: object) -> tuple[list[str], list[str], Native]:
    where = f"native.{row}"
    if not isinstance(body, dict):
        raise BridgeError(f"{where} is not a table")
    unknown = set(body) - {"names", "pinning", "cpe", "cve5", "home", "evidence"}
    if unknown:
        raise BridgeError(f"{where} has unknown keys {sorted(unknown)}")
    cpe = tuple(_cpe(c, where) for c in _strings(body.get("cpe", []), f"{where}.cpe", True))
    cve5 = _cve5(body.get("cve5", []), f"{where}.cve5")
    if not cpe and not cve5:
        raise BridgeError(f"{where} names no CPE and no CVE 5 product")
    home = body.get("home")
    if not isinstance(home, str) or not home.startswith(("https://", "http://")):
        raise BridgeError(f"{where}.home must be an http(s) URL")
    evidence = tuple(_strings(body.get("evidence"), f"{where}.evidence"))
    names = _strings(body.get("names"), f"{where}.names")
    pinning = _strings(body.get("pinning", []), f"{where}.pinning", True)
    return names, pinning, Native(cpe, cve5, evidence, row, home)


def parse_bridge(document: dict) -> Bridge:
    """A bridge from its parsed TOML; raises BridgeError where the schema is not followed."""
    if document.get("schema") != SCHEMA:
        raise BridgeError(f"schema must be {SCHEMA}")
    natives: dict[str, Native] = {}
    pinning: dict[str, str] = {}
    for row, body in (document.get("native") or {}).items():
        names, keys, native = _row(row, body)
        for name in names:
            if name in natives:
                raise BridgeError(f"{name!r} is in rows {natives[name].row!r} and {row!r}")
            natives[name] = native
        for key in keys:
            if key in pinning:
                raise BridgeError(f"pinning key {key!r} is in rows {pinning[key]!r} and {row!r}")
            pinning[key] = row
    uncovered: dict[str, Uncovered] = {}
    for key, body in (document.get("uncovered") or {}).items():
        kind = body.get("kind") if isinstance(body, dict) else None
        reason = body.get("reason") if isinstance(body, dict) else None
        if kind not in UNCOVERED_KINDS or not isinstance(reason, str) or not reason:
            raise BridgeError(
                f"uncovered.{key} needs a kind of {sorted(UNCOVERED_KINDS)} and a reason"
            )
        if key in pinning:
            raise BridgeError(f"pinning key {key!r} has a row and an uncovered reason")
        uncovered[key] = Uncovered(kind, reason)
    return Bridge(natives, pinning, uncovered)


def load_bridge(path: Path = BRIDGE) -> Bridge:
    """The bridge in a TOML file (see the module docstring); raises BridgeError when invalid."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise BridgeError(f"cannot read {path}: {error}") from error
    return parse_bridge(document)


@cache
def default_bridge() -> Bridge:
    """The bridge shipped with the package (read once per process, on first use)."""
    return load_bridge(BRIDGE)


def pinning_key(name: str) -> str:
    """The pinning-file key of a conda name (conda-forge writes `-` as `_` there)."""
    return name.replace("-", "_")


def not_covered_reason(bridge: Bridge, name: str) -> str | None:
    """The bridge's written reason a pinned name has no row, or None when it says nothing."""
    found = bridge.uncovered.get(pinning_key(name))
    return f"{found.reason} ({found.kind})" if found is not None else None
