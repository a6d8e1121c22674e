"""What identifies an environment document: serial, time, supplier names, namespace."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import datetime

from common.timestamps import parse_iso

ROOT_REF = "environment"
NAMESPACE = uuid.UUID("2c7c0a52-6f43-5b8e-9d0a-4a1f3e8b7c11")
DEFAULT_NAMESPACE_BASE = "https://conda-badges.invalid"


def serial(report: dict, family: str) -> str:
    """A UUID over the lockfile, the selection, the database and the format family."""
    parts = (
        report["lockfile"]["sha256"],
        report["environment"],
        report["platform"],
        report["database"]["digest"],
        family,
    )
    return str(uuid.uuid5(NAMESPACE, "\0".join(parts)))


def document_time(report: dict) -> datetime:
    """The document time: when the vulnerability database it reflects was built."""
    return parse_iso(report["database"].get("built_at")) or datetime(1970, 1, 1, tzinfo=UTC)


def supplier(row: dict) -> str:
    """Who supplies a package: the conda channel (served or from the lock), or PyPI."""
    if row["kind"] == "pypi":
        return "Python Package Index (PyPI)"
    label = row["channel_label"]
    return f"conda channel {label}" if label else "a local source package (no channel)"


def package_comment(row: dict) -> str:
    """What a package's facts come from, its coverage and its CVEs, as one sentence."""
    coverage = (
        f"covered through {', '.join(row['identities'])}"
        if row["covered"]
        else f"not tracked by any vulnerability source: {row['coverage_reason']}"
    )
    cves = "; ".join(f"{c['id']} {c['status']}" for c in row["cves"]) or "none found"
    return f"facts from the {row['origin']}; {coverage}; CVEs: {cves}"
