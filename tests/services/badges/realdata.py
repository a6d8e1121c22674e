"""Badge facts computed straight from the embedded channels' repodata.json (for the tests).

This deliberately does not use the gateway's code: it reads the JSON files itself and uses
rattler's VersionOrder (conda's reference ordering) only to pick the highest version.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from functools import cache

from rattler import Version

from tests.conftest import CHANNELS

# subdirs each embedded channel is configured with (data/channels.toml); None means all
CHANNEL_SUBDIRS = {"main": None, "test-recipes": ("noarch",), "private": ("linux-64",)}
_FAMILY = {"linux": 0, "osx": 1, "win": 2}


@dataclass(frozen=True)
class Expected:
    """What a package's badges should say."""

    name: str
    version: str
    license: str | None
    platforms: tuple[str, ...]
    updated: datetime | None  # None where no record has a timestamp


def _seconds(timestamp: float) -> float:
    return timestamp / 1000 if timestamp > 253402300799 else timestamp


def platform_sort_key(subdir: str) -> tuple[int, str]:
    """linux-*, osx-*, win-*, others, noarch (the order docs/badges.md promises)."""
    return (9, subdir) if subdir == "noarch" else (_FAMILY.get(subdir.split("-")[0], 5), subdir)


@cache
def channel_packages(channel: str) -> dict[str, Expected]:
    """Every package in an embedded channel with its expected badge facts."""
    records: dict[str, list[dict]] = defaultdict(list)
    allowed = CHANNEL_SUBDIRS[channel]
    for repodata_path in sorted((CHANNELS / channel).glob("*/repodata.json")):
        subdir = repodata_path.parent.name
        if allowed is not None and subdir not in allowed:
            continue
        repodata = json.loads(repodata_path.read_text())
        for section in ("packages", "packages.conda"):
            for record in repodata.get(section, {}).values():
                records[record["name"]].append({**record, "subdir": subdir})
    channeldata_path = CHANNELS / channel / "channeldata.json"
    channeldata = json.loads(channeldata_path.read_text()) if channeldata_path.exists() else {}
    expected = {}
    for name, items in records.items():
        version = max({r["version"] for r in items}, key=Version)
        latest = [r for r in items if r["version"] == version]
        published = (channeldata.get("packages", {}).get(name) or {}).get("license")
        license_text = published or next((r["license"] for r in latest if r.get("license")), None)
        stamps = [_seconds(r["timestamp"]) for r in items if r.get("timestamp")]
        expected[name] = Expected(
            name=name,
            version=version,
            license=license_text,
            platforms=tuple(sorted({r["subdir"] for r in items}, key=platform_sort_key)),
            updated=datetime.fromtimestamp(max(stamps), UTC) if stamps else None,
        )
    return expected


def relative_text(updated: datetime, now: datetime) -> str:
    """The age as docs/badges.md words it."""
    days = (now - updated).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    for limit, size, unit in ((14, 1, "day"), (60, 7, "week"), (365, 30, "month")):
        if days < limit:
            count = days // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    years = days // 365
    return f"{years} year{'s' if years != 1 else ''} ago"
