"""The repo's embedded real data on disk: the channels' package files and their records."""

from __future__ import annotations

import json
from pathlib import Path

from contents.archive import ArchiveRef
from runner.processes import REPO

DATA = REPO / "data"
CHANNELS = DATA / "channels"


def record_of(path: Path) -> dict:
    """The repodata record of the archive at `path` (from the repodata.json beside it)."""
    document = json.loads((path.parent / "repodata.json").read_text())
    return {**document.get("packages", {}), **document.get("packages.conda", {})}[path.name]


def archives() -> list[Path]:
    """Every package file on disk in the embedded channels."""
    return sorted(
        p for p in CHANNELS.rglob("*") if p.name.endswith((".conda", ".tar.bz2")) and p.is_file()
    )


def local_ref(path: Path, **changes) -> ArchiveRef:
    """The ArchiveRef the gateway builds for a local archive (repodata's sha256 and size)."""
    record = record_of(path)
    values = {"url": path.as_uri(), "filename": path.name, "sha256": record["sha256"]}
    values["size"] = record["size"]
    values.update(changes)
    return ArchiveRef(**values)
