"""Vulnerabilities for conda packages: sources, the database, matching and curation.

The small interface the rest of the project uses:

- `VulnService(path)`: reads the database named by `VULNS_DB` (reopened when a new one is
  swapped in) and answers `package_report(channel, name, files)` and `file_facts(...)`.
- `build_database(...)` / the `conda-badges-vulns sync` command: builds a database atomically
  from OSV, NVD 2.0 and CVE 5 records and a conda→PyPI mapping.
"""

from __future__ import annotations

from vulns.build import BuildResult
from vulns.build import build_database
from vulns.report import FileFacts
from vulns.report import PackageReport
from vulns.service import ChannelSources
from vulns.service import VulnService

__all__ = [
    "BuildResult",
    "ChannelSources",
    "FileFacts",
    "PackageReport",
    "VulnService",
    "build_database",
]
