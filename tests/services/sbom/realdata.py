"""SBOM facts built straight from the embedded channels' repodata.json (for the tests).

The file entries have the shape the gateway's `/files` returns (docs/metadata-api.md), but are
made here from the JSON files, without the gateway's code.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from functools import cache

from common.licenses import normalize_spdx
from contents.archive import ArchiveRef
from contents.archive import read_local
from contents.archive import read_range
from services.sbom.facts import CONTENTS_AVAILABLE
from services.sbom.facts import Facts
from services.sbom.facts import trim_file
from services.sbom.resolve import candidate_subdirs
from services.sbom.resolve import prune
from services.sbom.resolve import resolve_graph
from tests.conftest import CHANNELS
from tests.contents.conftest import ZLIB_CONDA
from tests.contents.conftest import local_ref
from tests.contents.rangeserver import RangeServer

# subdirs each embedded channel is configured with (data/channels.toml); None means all
CHANNEL_SUBDIRS = {"main": None, "test-recipes": ("noarch",), "private": ("linux-64",)}
DOWNLOAD_BASE = "https://conda.example.org"


@dataclass(frozen=True)
class Record:
    """One repodata record as read from disk, with where it came from."""

    channel: str
    subdir: str
    filename: str
    raw: dict


def _iso(timestamp: float | None) -> str | None:
    if not timestamp:
        return None
    seconds = timestamp / 1000 if timestamp > 1e11 else timestamp
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@cache
def records(channel: str) -> tuple[Record, ...]:
    """Every record of an embedded channel, in file order."""
    found = []
    allowed = CHANNEL_SUBDIRS[channel]
    for path in sorted((CHANNELS / channel).glob("*/repodata.json")):
        subdir = path.parent.name
        if allowed is not None and subdir not in allowed:
            continue
        document = json.loads(path.read_text())
        for section in ("packages", "packages.conda"):
            for filename, raw in (document.get(section) or {}).items():
                found.append(Record(channel, raw.get("subdir") or subdir, filename, raw))
    return tuple(found)


def file_entry(record: Record) -> dict:
    """The record as a `/files` entry."""
    raw = record.raw
    noarch = raw.get("noarch")
    return {
        "filename": record.filename,
        "name": raw["name"],
        "version": raw["version"],
        "build": raw["build"],
        "build_number": raw.get("build_number", 0),
        "subdir": record.subdir,
        "size": raw.get("size"),
        "md5": raw.get("md5"),
        "sha256": raw.get("sha256"),
        "depends": list(raw.get("depends") or []),
        "constrains": list(raw.get("constrains") or []),
        "license": raw.get("license"),
        "license_spdx": normalize_spdx(raw.get("license")),
        "noarch": ("generic" if noarch is True else noarch) or None,
        "uploaded_at": _iso(raw.get("timestamp")),
        "download_count": None,
        "download_url": f"{DOWNLOAD_BASE}/{record.channel}/{record.subdir}/{record.filename}",
        "labels": [],
    }


@cache
def files_by_name(channel: str) -> dict[str, list[dict]]:
    """name -> every `/files` entry of that package in the channel."""
    by_name: dict[str, list[dict]] = defaultdict(list)
    for record in records(channel):
        by_name[record.raw["name"]].append(file_entry(record))
    return dict(by_name)


def find(channel: str, subdir: str, filename: str) -> Record:
    """The record of one file."""
    return next(r for r in records(channel) if r.subdir == subdir and r.filename == filename)


def archive_path(record: Record):
    """Where the record's package file is on disk (it may not be: `private` has none)."""
    return CHANNELS / record.channel / record.subdir / record.filename


def contents_for(record: Record) -> dict | None:
    """The contents document the metadata API gives for the file, or None when not on disk."""
    return _contents(record.channel, record.subdir, record.filename)


@cache
def _contents(channel: str, subdir: str, filename: str) -> dict | None:
    record = find(channel, subdir, filename)
    path = archive_path(record)
    if not path.is_file():
        return None
    ref = ArchiveRef(path.as_uri(), record.filename, record.raw["sha256"], record.raw.get("size"))
    document = read_local(ref)
    return {
        "channel": record.channel,
        "subchannel": None,
        "subdir": record.subdir,
        "filename": record.filename,
        **document,
    }


def facts_for(
    record: Record, cves: list[dict] | None = None, depth: int | None = 1, files: bool = True
) -> Facts:
    """The facts the service would gather for `record`, as `services.sbom.facts.gather` does."""
    by_name = files_by_name(record.channel)
    allowed = candidate_subdirs(record.subdir)
    file = trim_file(file_entry(record))
    candidates: dict[str, list[dict] | None] = {}
    while True:
        graph = resolve_graph(file, candidates, record.subdir, max_depth=depth)
        if not graph.missing:
            break
        for name in graph.missing:
            found = by_name.get(name)
            candidates[name] = (
                None if found is None else [trim_file(f) for f in found if f["subdir"] in allowed]
            )
    return Facts(
        channel=record.channel,
        subchannel=None,
        file=file,
        package={"summary": f"{record.raw['name']} summary", "home": "https://example.org"},
        candidates=prune(candidates, graph),
        cves=list(cves or []),
        depth=depth,
        contents=contents_for(record),
        contents_status=CONTENTS_AVAILABLE
        if archive_path(record).is_file()
        else "unavailable: the contents of the file are unavailable: the package file is not "
        "in the channel's folder",
        files=files,
    )


def range_read_facts():
    """zlib's facts with its contents read as a remote .conda is: by range requests, for real."""
    server = RangeServer(ZLIB_CONDA.parent.parent)
    try:
        ref = local_ref(ZLIB_CONDA, url=f"{server.url}/linux-64/{ZLIB_CONDA.name}")
        contents = read_range(ref, (2.0, 10.0), 64 * 1024 * 1024)
    finally:
        server.close()
    assert contents["archive"]["read"] == "range"
    record = find("main", "linux-64", ZLIB_CONDA.name)
    return dataclasses.replace(facts_for(record), contents=contents)
