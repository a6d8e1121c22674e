"""From a package's files to its CVEs: matches, statuses, per-file facts and the CVE list."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from common.versions import sort_versions
from vulns import ranges
from vulns.curation import Curation
from vulns.database import Snapshot
from vulns.model import OPEN_STATUSES
from vulns.model import STATUS_RANK
from vulns.model import STATUSES
from vulns.model import FileRef
from vulns.scores import headline
from vulns.scores import severity_of

SEVERITIES = ("critical", "high", "medium", "low", "none", "unknown")


@dataclass(frozen=True)
class Finding:
    """One CVE in one file, with its status there."""

    id: str
    status: str
    curated_at: str | None = None
    vex_status: str | None = None
    justification: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class FileFacts:
    """A file's CVE score, count and status (None when the package is not covered)."""

    covered: bool
    findings: tuple[Finding, ...] = ()
    score: float | None = None
    status: str | None = None
    open_by_severity: dict = field(default_factory=dict)

    @property
    def count(self) -> int | None:
        """How many CVEs the file has; None when nothing covers the package."""
        return len(self.findings) if self.covered else None

    def fields(self) -> dict:
        """`cve_score`, `cve_count`, `cve_status` as the API adds them to a file."""
        return {"cve_score": self.score, "cve_count": self.count, "cve_status": self.status}


NOT_COVERED = FileFacts(covered=False)


def matched_ids(snapshot: Snapshot, identities: tuple[str, ...], file: FileRef) -> tuple[str, ...]:
    """The vulnerabilities whose rules include the file's version (and platform), sorted."""
    found = set()
    for identity in identities:
        for rule in snapshot.rules(identity):
            if rule.id not in found and ranges.affects(
                rule.kind, rule.scheme, rule.spec, file.version, file.subdir
            ):
                found.add(rule.id)
    return tuple(sorted(found))


def matched_by(
    snapshot: Snapshot, identities: tuple[str, ...], vuln_id: str, rows: Sequence[tuple]
) -> list[str]:
    """The identities (e.g. `cpe:zlib:zlib`, `pypi:flask`) whose rules matched a CVE in a file."""
    return [
        identity
        for identity in identities
        if any(
            rule.id == vuln_id
            and ranges.affects(rule.kind, rule.scheme, rule.spec, file.version, file.subdir)
            for rule in snapshot.rules(identity)
            for file, _ in rows
        )
    ]


def finding(snapshot: Snapshot, curation: Curation | None, vuln_id: str, file: FileRef) -> Finding:
    """The status of one matched CVE in a file: curated, else disputed, else reported."""
    body = snapshot.vuln(vuln_id)
    if curation:
        decision = curation.decide([vuln_id, *body.get("aliases", ())], file)
        if decision is not None:
            return Finding(
                vuln_id,
                decision.status,
                decision.timestamp,
                decision.vex_status,
                decision.justification,
                decision.detail,
            )
    return Finding(vuln_id, "disputed" if body.get("disputed") else "reported")


def summarize(findings: Sequence[Finding], score_of: Callable[[str], float | None]) -> FileFacts:
    """A file's facts: the most severe status; the highest score of its open CVEs, else of all."""
    if not findings:
        return FileFacts(covered=True, findings=())
    status = min((f.status for f in findings), key=STATUS_RANK.__getitem__)
    scored = [(f, score_of(f.id)) for f in findings]
    open_scores = [s for f, s in scored if f.status in OPEN_STATUSES and s is not None]
    all_scores = [s for _, s in scored if s is not None]
    if any(f.status in OPEN_STATUSES for f in findings):
        best = max(open_scores) if open_scores else None
    else:
        best = max(all_scores) if all_scores else None
    severities: dict[str, int] = {}
    for f, score in scored:
        if f.status in OPEN_STATUSES:
            level = severity_of(score)
            severities[level] = severities.get(level, 0) + 1
    ordered = {level: severities[level] for level in SEVERITIES if level in severities}
    return FileFacts(True, tuple(findings), best, status, ordered)


def combine(facts: Sequence[FileFacts], score_of: Callable[[str], float | None]) -> FileFacts:
    """The facts of several files taken together (a version): each CVE once, at its most
    severe status among them."""
    if not facts or not all(f.covered for f in facts):
        return NOT_COVERED
    merged: dict[str, Finding] = {}
    for item in facts:
        for found in item.findings:
            current = merged.get(found.id)
            if current is None or STATUS_RANK[found.status] < STATUS_RANK[current.status]:
                merged[found.id] = found
    return summarize([merged[k] for k in sorted(merged)], score_of)


def score_in(snapshot: Snapshot) -> Callable[[str], float | None]:
    """A function giving a vulnerability's single score from the database."""
    return lambda vuln_id: headline(snapshot.vuln(vuln_id).get("scores", {}))[0]


def _item(snapshot: Snapshot, vuln_id: str, rows: list[tuple[FileRef, Finding]]) -> dict:
    body = snapshot.vuln(vuln_id)
    scores = body.get("scores", {})
    score, version = headline(scores)
    counts: dict[str, int] = {}
    for _, found in rows:
        counts[found.status] = counts.get(found.status, 0) + 1
    status = min(counts, key=STATUS_RANK.__getitem__)
    curated = sorted(f.curated_at for _, f in rows if f.curated_at)
    sources = body.get("sources", [])
    return {
        "id": vuln_id,
        "aliases": body.get("aliases", []),
        "upstream": body.get("upstream", []),
        "summary": body.get("summary") or body.get("description"),
        "description": body.get("description"),
        "score": score,
        "score_version": version,
        "severity": severity_of(score, version or "3.1") if score is not None else "unknown",
        "vector": scores[version]["vector"] if version else None,
        "scores": scores,
        "status": status,
        "status_counts": {s: counts[s] for s in STATUSES if s in counts},
        "disputed": bool(body.get("disputed")),
        "curated_at": curated[-1] if curated else None,
        "published_at": body.get("published"),
        "modified_at": body.get("modified"),
        "url": sources[0]["url"] if sources else None,
        "references": body.get("references", []),
        "sources": sources,
        "affected_versions": sort_versions(file.version for file, _ in rows),
        # "<subdir>/<filename>": one file name can be in two subdirs (win-32 and win-64)
        "affected_files": sorted(f"{file.subdir}/{file.filename}" for file, _ in rows),
        "files": [
            {
                "filename": file.filename,
                "subdir": file.subdir,
                "version": file.version,
                "status": found.status,
                "curated_at": found.curated_at,
                "vex_status": found.vex_status,
                "justification": found.justification,
                "detail": found.detail,
            }
            for file, found in sorted(rows, key=lambda r: (r[0].subdir, r[0].filename))
        ],
    }


@dataclass
class PackageReport:
    """Everything known about a package's vulnerabilities, for the API, badges, SBOMs, page."""

    covered: bool
    identities: tuple[str, ...]
    database: dict | None
    items: list[dict]
    files: dict[tuple[str, str], FileFacts]  # by (subdir, filename): win-32 and win-64 share names
    reason: str | None = None
    curation: str | None = None

    def file(self, filename: str, subdir: str | None = None) -> FileFacts:
        """The facts of one file of the package (by subdir and name; any subdir when None)."""
        if not self.covered:
            return NOT_COVERED
        if subdir is not None:
            return self.files.get((subdir, filename), FileFacts(True))
        found = [facts for (_, name), facts in self.files.items() if name == filename]
        return found[0] if found else FileFacts(True)

    def combined(self, files: Sequence[FileRef]) -> FileFacts:
        """The facts of several files together (e.g. the latest version's files)."""
        if not self.covered:
            return NOT_COVERED
        scores = {item["id"]: item["score"] for item in self.items}
        return combine([self.file(f.filename, f.subdir) for f in files], scores.get)


def build_report(
    snapshot: Snapshot,
    identities: tuple[str, ...],
    covered: bool,
    files: Sequence[FileRef],
    facts_of,
    reason: str | None = None,
    curation: str | None = None,
) -> PackageReport:
    """The report for a package from each file's facts (`facts_of(file) -> FileFacts`)."""
    if not covered:
        return PackageReport(
            False,
            identities,
            snapshot.info(),
            [],
            {(f.subdir, f.filename): NOT_COVERED for f in files},
            reason,
        )
    per_file = {(f.subdir, f.filename): facts_of(f) for f in files}
    rows: dict[str, list[tuple[FileRef, Finding]]] = {}
    for file in files:
        for found in per_file[(file.subdir, file.filename)].findings:
            rows.setdefault(found.id, []).append((file, found))
    items = [
        {
            **_item(snapshot, vuln_id, rows[vuln_id]),
            "matched_by": matched_by(snapshot, identities, vuln_id, rows[vuln_id]),
        }
        for vuln_id in rows
    ]
    items.sort(key=lambda item: (-(item["score"] or -1.0), item["id"]))
    return PackageReport(True, identities, snapshot.info(), items, per_file, None, curation)
