"""Conda match specs (rattler): parsing, the name a spec names, matching a package file."""

from __future__ import annotations

from functools import lru_cache

from rattler import BuildString
from rattler import MatchSpec
from rattler import PackageRecord

from common.versions import version_key


@lru_cache(maxsize=65536)
def parse_spec(spec: str) -> MatchSpec | None:
    """The parsed match spec, or None when rattler cannot read it."""
    try:
        return MatchSpec(spec)
    except Exception:  # rattler raises its own error types
        return None


@lru_cache(maxsize=65536)
def spec_name(spec: str) -> str:
    """The package name a match spec names (`libgcc-ng >=7.3.0` -> `libgcc-ng`)."""
    parsed = parse_spec(spec)
    if parsed is not None and parsed.name is not None:
        return parsed.name.normalized
    words = spec.split()
    return words[0].split("=")[0].split("<")[0].split(">")[0].lower() if words else ""


def candidate_subdirs(subdir: str) -> tuple[str, ...]:
    """The subdirs a file of `subdir` may depend on: its own and noarch."""
    return ("noarch",) if subdir == "noarch" else (subdir, "noarch")


@lru_cache(maxsize=65536)
def _record(name: str, version: str, build: str, build_number: int, subdir: str):
    """The rattler record for matching, or None when rattler cannot read the version."""
    try:
        return PackageRecord(
            name=name,
            version=version,
            build=BuildString(build),
            build_number=build_number,
            subdir=subdir,
        )
    except Exception:  # rattler raises its own error types
        return None


def matches(
    spec: MatchSpec | None, name: str, version: str, build: str, build_number: int, subdir: str
) -> bool:
    """Whether the package file (name, version, build, build number, subdir) matches `spec`."""
    if spec is None:
        return False
    record = _record(name, version, build, int(build_number or 0), subdir)
    return record is not None and bool(spec.matches(record))


def preference(version: str, build_number: int | None, filename: str) -> tuple:
    """How files matching a spec are ranked: highest version, then build number, then name."""
    return (version_key(version), int(build_number or 0), filename)


def is_bare_name(spec: str) -> bool:
    """Whether the spec is a package name alone (every file of the package matches it)."""
    return " " not in spec.strip() and spec_name(spec) == spec.strip().lower()
