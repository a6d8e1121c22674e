"""Environments: one SBOM and one vulnerability report for a whole conda environment.

The small interface the API, the CLI and the page use:

- `read_lock(data) -> Lock`: pixi.lock v6/v7, conda-lock.yml v1, `@EXPLICIT`, conda-meta
  (a record, or a tar/zip of the folder); `LockError` (400) says why a body cannot be read.
"""

from __future__ import annotations

from environments.errors import LockError
from environments.errors import LockTooLarge
from environments.errors import NotALock
from environments.model import Lock
from environments.model import LockedPackage
from environments.readers.detect import read_lock

__all__ = ["Lock", "LockError", "LockTooLarge", "LockedPackage", "NotALock", "read_lock"]
