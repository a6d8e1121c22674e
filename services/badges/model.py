"""The two values every kind deals in: the facts it reads and the badge it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from common.timestamps import parse_iso


@dataclass(frozen=True, slots=True)
class Badge:
    """What a kind renders: the left text, the right text and the right colour."""

    label: str
    message: str
    color: str


@dataclass(frozen=True, slots=True)
class Facts:
    """The package facts a badge can show, from the gateway's artifact JSON, plus `now`."""

    channel: str
    name: str
    subchannel: str | None = None
    latest_version: str | None = None
    license: str | None = None
    license_spdx: str | None = None
    platforms: tuple[str, ...] = ()
    updated_at: datetime | None = None
    download_count: int | None = None
    # vulnerabilities of the latest version: covered by a source at all, open CVEs by severity
    cve_covered: bool | None = None
    cve_count: int | None = None
    cve_score: float | None = None
    cve_severities: tuple[tuple[str, int], ...] = ()
    now: datetime = datetime(1970, 1, 1, tzinfo=UTC)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _cve_facts(artifact: Mapping) -> dict:
    """The artifact's `cve_*` fields (absent from upstreams without CVE data: not covered)."""
    covered = artifact.get("cve_covered")
    severities = artifact.get("cve_severities")
    count = artifact.get("cve_count")
    return {
        "cve_covered": covered if isinstance(covered, bool) else None,
        "cve_count": count if isinstance(count, int) and not isinstance(count, bool) else None,
        "cve_score": _number(artifact.get("cve_score")),
        "cve_severities": tuple(
            (str(k), int(v)) for k, v in severities.items() if isinstance(v, int) and v > 0
        )
        if isinstance(severities, dict)
        else (),
    }


def facts_from_artifact(artifact: Mapping, channel: str, now: datetime) -> Facts:
    """Facts from the gateway's artifact object (docs/metadata-api.md), read at time `now`."""
    count = artifact.get("download_count")
    platforms = artifact.get("platforms")
    return Facts(
        channel=channel,
        name=_text(artifact.get("name")) or "",
        subchannel=_text(artifact.get("subchannel")),
        latest_version=_text(artifact.get("latest_version")),
        license=_text(artifact.get("license")),
        license_spdx=_text(artifact.get("license_spdx")),
        platforms=tuple(p for p in platforms if isinstance(p, str))
        if isinstance(platforms, list)
        else (),
        updated_at=parse_iso(_text(artifact.get("updated_at"))),
        download_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        **_cve_facts(artifact),
        now=now,
    )
