"""A lockfile path for the CLI: a file, or an installed environment's `conda-meta` folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from environments.model import Lock
from environments.readers.condameta import read_folder
from environments.readers.detect import read_lock


def read_path(path: Path) -> Lock:
    """The Lock of a lockfile or of a conda-meta folder (its id: sha256 over the records)."""
    if not path.is_dir():
        return read_lock(path.read_bytes())
    folder = path / "conda-meta" if (path / "conda-meta").is_dir() else path
    digest = hashlib.sha256()
    for record in sorted(folder.glob("*.json")):
        digest.update(record.name.encode() + b"\0" + record.read_bytes() + b"\0")
    return Lock("conda-meta", digest.hexdigest(), read_folder(path))
