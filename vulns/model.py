"""The values the sources produce and the database stores."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Protocol

# Statuses as in Anaconda's CVE curation, most severe first. `active` and `reported` are the
# "open" tier: a file's score comes from them when it has any (Anaconda's packages page).
STATUSES = ("active", "reported", "disputed", "mitigated", "cleared")
OPEN_STATUSES = frozenset({"active", "reported"})
STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}

# Version orderings a rule's bounds are compared in.
SCHEME_PYPI = "pypi"  # PEP 440 (packaging), as osv.dev orders PyPI
SCHEME_CRAN = "cran"  # R's package_version: numbers split on `.` and `-`
SCHEME_CONDA = "conda"  # conda's ordering (py-rattler), for NVD CPE and CVE 5 ranges


class FileRef(Protocol):
    """What matching and curation read of a package file (gateway.models.PackageFile has it)."""

    filename: str
    name: str
    version: str
    build: str
    subdir: str


class MalformedRecord(ValueError):
    """A source record that cannot be read; the build names it and skips it."""


@dataclass(frozen=True)
class ScoreCandidate:
    """One CVSS vector as a source gives it; `rank` orders sources (lower is preferred)."""

    vector: str
    source: str
    rank: int


@dataclass(frozen=True)
class Rule:
    """Which versions of one identity a vulnerability affects, in one ordering.

    `identity` is `pypi:<name>`, `cran:<name>`, `cpe:<vendor>:<product>` or
    `cve5:<vendor>/<product>`; `spec` is the range in the source's own terms (JSON-able).
    """

    identity: str
    scheme: str
    spec: dict


@dataclass
class SourceRecord:
    """One advisory from one source, normalized."""

    id: str
    source: str  # NVD, CVE (CVE 5), GHSA, PYSEC, RSEC, OSV
    url: str | None = None
    aliases: tuple[str, ...] = ()
    upstream: tuple[str, ...] = ()
    summary: str | None = None
    description: str | None = None
    published: str | None = None  # ISO 8601 UTC with Z
    modified: str | None = None
    disputed: bool = False
    withdrawn: bool = False
    scores: list[ScoreCandidate] = field(default_factory=list)
    references: list[dict] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    # NVD: whether the record has CPE configurations; CVE 5 (and NVD's own `affected`
    # block) rules are used only for CVEs that NVD has not configured
    configured: bool = False
    fallback_rules: list[Rule] = field(default_factory=list)
