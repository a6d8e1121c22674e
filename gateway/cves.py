"""CVE facts for the API and the page: a package's report from its files and the database.

CVEs are computed here, outside the drivers, from a driver's PackageInfo and the
vulnerability database (`vulns.VulnService`). A `platform` channel whose upstream already
answers `/cves` (another gateway, the Anaconda Platform) is passed through instead: its
items are kept, and the per-file facts are derived from them.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app

from common.channels import ChannelConfig
from common.errors import VulnsUnavailable
from gateway.models import PackageFile
from gateway.models import PackageInfo
from vulns import ChannelSources
from vulns import PackageReport
from vulns import VulnService
from vulns.database import DatabaseUnavailable
from vulns.model import STATUS_RANK
from vulns.model import STATUSES
from vulns.report import FileFacts
from vulns.report import Finding
from vulns.report import summarize
from vulns.scores import severity_of
from vulns.service import ChannelDataError


def service() -> VulnService:
    """The app's vulnerability service."""
    return current_app.extensions["vulns"]


def sources_of(channel: ChannelConfig) -> ChannelSources:
    """What a channel's config adds to matching (its mapping and its OpenVEX file)."""
    return ChannelSources(channel.name, channel.pypi_mapping, channel.vex)


def affected_name(entry: dict) -> str:
    """A file as `affected_files` names it: `<subdir>/<filename>` (the subdir when known)."""
    subdir = entry.get("subdir")
    return f"{subdir}/{entry['filename']}" if subdir else entry["filename"]


def _split_affected(value: object) -> dict:
    """An `affected_files` entry (`<subdir>/<filename>` or, from older upstreams, a bare file
    name, or an object) as a `files` entry."""
    if isinstance(value, dict):
        return {"filename": value.get("filename"), "subdir": value.get("subdir")}
    text = str(value)
    subdir, _, filename = text.rpartition("/")
    return {"filename": filename, "subdir": subdir or None}


def _normalized(item: dict) -> dict:
    """An upstream CVE item with the fields our API promises (missing ones null or empty)."""
    status = str(item.get("status") or item.get("cve_status") or "reported").lower()
    status = status if status in STATUS_RANK else "reported"
    score = item.get("score", item.get("cvssv3_score", item.get("cvssv2_score")))
    score = float(score) if isinstance(score, int | float) else None
    files = item.get("files")
    if not isinstance(files, list):
        files = [{**_split_affected(f), "status": status} for f in item.get("affected_files") or []]
    body = {
        "aliases": [],
        "upstream": [],
        "summary": item.get("description"),
        "description": None,
        "score_version": None,
        "vector": None,
        "scores": {},
        "disputed": status == "disputed",
        "curated_at": None,
        "published_at": None,
        "modified_at": None,
        "url": None,
        "references": [],
        "sources": [],
        "affected_versions": [],
        "matched_by": [],
        **item,
        "score": score,
        "severity": item.get("severity") or severity_of(score),
        "status": status,
        "files": files,
        "affected_files": sorted(affected_name(f) for f in files if f.get("filename")),
    }
    if not isinstance(body.get("status_counts"), dict):
        counts: dict[str, int] = {}
        for entry in files:
            key = entry.get("status") if entry.get("status") in STATUS_RANK else status
            counts[key] = counts.get(key, 0) + 1
        body["status_counts"] = {s: counts[s] for s in STATUSES if s in counts}
    return body


def upstream_report(body: dict, info: PackageInfo) -> PackageReport:
    """A report from an upstream's own `/cves` answer (its statuses are its curation)."""
    items = [_normalized(i) for i in body.get("items") or [] if isinstance(i, dict) and "id" in i]
    covered = bool(body.get("covered", True))
    scores = {item["id"]: item["score"] for item in items}
    per_file: dict[tuple[str, str], list[Finding]] = {
        (f.subdir, f.filename): [] for f in info.files
    }
    subdirs: dict[str, list[str]] = {}
    for file in info.files:
        subdirs.setdefault(file.filename, []).append(file.subdir)
    for item in items:
        for entry in item["files"]:
            name = entry.get("filename")
            for subdir in [entry["subdir"]] if entry.get("subdir") else subdirs.get(name, []):
                if (subdir, name) in per_file:
                    status = entry.get("status") or "reported"
                    per_file[(subdir, name)].append(Finding(item["id"], status))
    files = {
        name: summarize(found, scores.get) if covered else FileFacts(False)
        for name, found in per_file.items()
    }
    return PackageReport(
        covered=covered,
        identities=tuple(body.get("identities") or ()),
        database=body.get("database"),
        items=items,
        files=files,
        reason=body.get("reason"),
    )


def report(
    driver, info: PackageInfo, subchannel: str | None, files: Sequence[PackageFile] | None = None
) -> PackageReport:
    """The CVE report of a package (for `files`, default all of them); 503 when unavailable."""
    channel: ChannelConfig = driver.channel
    if channel.driver == "platform":
        body = driver.cve_report(info.name, subchannel)
        if "covered" in body or body.get("items"):
            return upstream_report(body, info)
    try:
        return service().package_report(
            sources_of(channel), info.name, files if files is not None else info.files
        )
    except (DatabaseUnavailable, ChannelDataError) as error:
        raise VulnsUnavailable(str(error)) from None


def file_fields(facts: FileFacts) -> dict:
    """`cve_score`, `cve_count`, `cve_status` of a file (null when not covered)."""
    return facts.fields()


def artifact_fields(report: PackageReport | None, latest: Sequence[PackageFile], error=None):
    """The CVE fields of an artifact: its latest version's facts, coverage, database."""
    if report is None:
        return {
            "cve_score": None,
            "cve_count": None,
            "cve_status": None,
            "cve_severities": None,
            "cve_covered": None,
            "cve_identities": None,
            "cve_database": None,
            "cve_error": str(error) if error else None,
        }
    facts = report.combined(latest)
    return {
        **facts.fields(),
        "cve_severities": facts.open_by_severity if report.covered else None,
        "cve_covered": report.covered,
        "cve_identities": list(report.identities),
        "cve_reason": report.reason,
        "cve_database": report.database,
    }
