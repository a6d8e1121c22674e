"""The CVEs of resolved packages, through vulns' public interface (its matcher, the channel's
curation when the channel's facts apply), and where a record says which version fixes them."""

from __future__ import annotations

from dataclasses import dataclass

from environments.model import PYPI
from environments.resolve import Resolved
from environments.resolve import pypi_normalized
from vulns import ChannelSources
from vulns import PackageReport
from vulns import VulnService
from vulns.database import Snapshot
from vulns.report import build_report
from vulns.report import finding
from vulns.report import matched_ids
from vulns.report import score_in
from vulns.report import summarize

LOCK_SOURCES = ChannelSources("lockfile")  # no channel: the built-in mapping, no curation


@dataclass(frozen=True)
class PypiRef:
    """A PyPI distribution as the matcher reads a file (version; no conda build or subdir)."""

    filename: str
    name: str
    version: str
    build: str = ""
    subdir: str = "pypi"


def _pypi_report(snapshot: Snapshot, resolved: Resolved) -> tuple[PackageReport, object]:
    package = resolved.package
    ref = PypiRef(package.url.rpartition("/")[2] or package.name, package.name, package.version)
    found = (f"pypi:{pypi_normalized(package.name)}",)
    covered = snapshot.covers("pypi")

    def facts(file):
        """The file's findings from the PyPI rules (no curation: PyPI has no channel)."""
        ids = matched_ids(snapshot, found, file)
        return summarize([finding(snapshot, None, i, file) for i in ids], score_in(snapshot))

    reason = None if covered else "the vulnerability database has no pypi data"
    return build_report(snapshot, found, covered, [ref], facts, reason), ref


def _sources(resolved: Resolved) -> ChannelSources:
    channel = resolved.channel
    if channel is None:
        return LOCK_SOURCES
    return ChannelSources(channel.name, channel.pypi_mapping, channel.vex)


def fixed_in(snapshot: Snapshot, identities: tuple[str, ...], vuln_id: str) -> list[str]:
    """The versions a record names as fixing `vuln_id` for these identities (may be none)."""
    versions: list[str] = []
    for identity in identities:
        for rule in snapshot.rules(identity):
            if rule.id != vuln_id:
                continue
            spec = rule.spec
            for events in spec.get("ranges") or ():
                versions += [e["fixed"] for e in events if isinstance(e, dict) and "fixed" in e]
            if spec.get("end") and not spec.get("end_incl", True):
                versions.append(spec["end"])
            versions += [v["lessThan"] for v in spec.get("versions") or () if "lessThan" in v]
    return sorted({str(v) for v in versions if v not in ("*", "")})


def _cves(snapshot: Snapshot, report: PackageReport, ref) -> list[dict]:
    facts = report.file(ref.filename, ref.subdir)
    by_id = {item["id"]: item for item in report.items}
    rows = []
    for found in facts.findings:
        item = by_id[found.id]
        rows.append(
            {
                "id": found.id,
                "aliases": item["aliases"],
                "summary": item["summary"],
                "score": item["score"],
                "score_version": item["score_version"],
                "vector": item["vector"],
                "severity": item["severity"],
                "status": found.status,
                "vex_status": found.vex_status,
                "justification": found.justification,
                "detail": found.detail,
                "curated_at": found.curated_at,
                "fixed_in": fixed_in(snapshot, report.identities, found.id),
                "url": item["url"],
            }
        )
    rows.sort(key=lambda r: (-(r["score"] or -1.0), r["id"]))
    return rows


def evaluate(service: VulnService, snapshot: Snapshot, resolved: Resolved) -> dict:
    """identities, covered, reason and CVEs of one resolved package."""
    package = resolved.package
    if package.kind == PYPI:
        report, ref = _pypi_report(snapshot, resolved)
    else:
        report, ref = service.package_report(_sources(resolved), package.name, [package]), package
    return {
        "identities": list(report.identities),
        "covered": report.covered,
        "coverage_reason": report.reason,
        "cves": _cves(snapshot, report, ref) if report.covered else [],
    }
