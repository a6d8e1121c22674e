"""Environments: one SBOM and one vulnerability report for a whole conda environment.

The small interface the API, the CLI and the page use:

- `read_lock(data) -> Lock`: pixi.lock v6/v7, conda-lock.yml v1, `@EXPLICIT`, conda-meta
  (a record, or a tar/zip of the folder); `LockError` (400) says why a body cannot be read.
- `build_report(lock, environment, platform, vulns, channels, may_read, lookup) -> dict`:
  the JSON report of one environment and platform (identities, CVEs, coverage, graph).
- `render(report, family, spec_version) -> str`: CycloneDX 1.6/1.5 or SPDX 2.3 JSON;
  `signed(key, report, family, text) -> dict`: the DSSE envelope whose subject is the lock.
"""

from __future__ import annotations

from environments.errors import LockError
from environments.errors import LockTooLarge
from environments.errors import NotALock
from environments.model import Lock
from environments.model import LockedPackage
from environments.outputs import render
from environments.outputs import signed
from environments.readers.detect import read_lock
from environments.report import build_report

__all__ = [
    "Lock",
    "LockError",
    "LockTooLarge",
    "LockedPackage",
    "NotALock",
    "build_report",
    "read_lock",
    "render",
    "signed",
]
