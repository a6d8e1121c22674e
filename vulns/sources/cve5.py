"""CVE JSON 5 records (the CVE List): dates, CNA/ADP metrics and `affected` as fallback rules."""

from __future__ import annotations

from vulns.model import SCHEME_CONDA
from vulns.model import MalformedRecord
from vulns.model import Rule
from vulns.model import ScoreCandidate
from vulns.model import SourceRecord
from vulns.sources.common import english
from vulns.sources.common import iso_utc
from vulns.sources.common import references
from vulns.sources.common import require_dict
from vulns.sources.common import text_says_disputed

RANK_CNA = 20
RANK_ADP = 25
_METRIC_KEYS = ("cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0")
# vendor/product values that name nothing (old MITRE-assigned records say "n/a")
_UNNAMED = {"", "n/a", "na", "-", "*", "unknown"}


def cve5_identity(vendor: str, product: str) -> str:
    """The identity string of a CVE 5 vendor/product pair (compared case-insensitively)."""
    return f"cve5:{vendor.strip().lower()}/{product.strip().lower()}"


def affected_rules(affected: object) -> list[Rule]:
    """Rules from a CVE 5 `affected` list (entries naming no vendor/product are skipped)."""
    rules: list[Rule] = []
    if not isinstance(affected, list):
        return rules
    for entry in affected:
        if not isinstance(entry, dict):
            continue
        vendor, product = str(entry.get("vendor", "")), str(entry.get("product", ""))
        if vendor.strip().lower() in _UNNAMED or product.strip().lower() in _UNNAMED:
            continue
        versions = []
        for item in entry.get("versions") or []:
            if not isinstance(item, dict) or not isinstance(item.get("version"), str):
                raise MalformedRecord(f"affected {vendor}/{product}: a version has no version")
            versions.append(
                {
                    key: str(item[key])
                    for key in ("version", "lessThan", "lessThanOrEqual", "status", "versionType")
                    if item.get(key) is not None
                }
            )
        default = str(entry.get("defaultStatus") or "unknown")
        if not versions and default != "affected":
            continue
        rules.append(
            Rule(
                cve5_identity(vendor, product),
                SCHEME_CONDA,
                {"versions": versions, "default": default},
            )
        )
    return rules


def _scores(containers: dict) -> list[ScoreCandidate]:
    found = []
    sources = [("cna", containers.get("cna"), RANK_CNA)]
    sources += [("adp", adp, RANK_ADP) for adp in containers.get("adp") or []]
    for _, container, rank in sources:
        if not isinstance(container, dict):
            continue
        provider = (container.get("providerMetadata") or {}).get("shortName") or "CVE 5"
        for metric in container.get("metrics") or []:
            if not isinstance(metric, dict):
                continue
            for key in _METRIC_KEYS:
                data = metric.get(key)
                if isinstance(data, dict) and isinstance(data.get("vectorString"), str):
                    vector = data["vectorString"]
                    if key == "cvssV2_0" and vector.startswith("("):
                        vector = vector.strip("()")
                    found.append(ScoreCandidate(vector, f"{provider} (CVE 5)", rank))
    return found


def _tags(containers: dict) -> set[str]:
    tags: set[str] = set()
    for container in [containers.get("cna"), *(containers.get("adp") or [])]:
        if isinstance(container, dict):
            tags |= {t for t in container.get("tags") or [] if isinstance(t, str)}
    return tags


def parse_cve5(document: object) -> SourceRecord:
    """One CVE 5 record; raises MalformedRecord when it cannot be read."""
    document = require_dict(document, "the record")
    metadata = require_dict(document.get("cveMetadata"), "cveMetadata")
    cve_id = metadata.get("cveId")
    if not isinstance(cve_id, str) or not cve_id.startswith("CVE-"):
        raise MalformedRecord("cveMetadata.cveId is missing")
    containers = require_dict(document.get("containers"), "containers")
    cna = require_dict(containers.get("cna", {}), "containers.cna")
    description = english(cna.get("descriptions"))
    return SourceRecord(
        id=cve_id,
        source="CVE",
        url=f"https://www.cve.org/CVERecord?id={cve_id}",
        description=description,
        published=iso_utc(metadata.get("datePublished"), field="datePublished"),
        modified=iso_utc(metadata.get("dateUpdated"), field="dateUpdated"),
        disputed="disputed" in _tags(containers) or text_says_disputed(description),
        withdrawn=str(metadata.get("state", "")).upper() == "REJECTED",
        scores=_scores(containers),
        references=references(cna.get("references")),
        fallback_rules=affected_rules(cna.get("affected")),
    )
