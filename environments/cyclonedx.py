"""CycloneDX 1.6 / 1.5 JSON for one environment and platform (pure: report dict -> text)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import HashAlgorithm
from cyclonedx.model import HashType
from cyclonedx.model import Property
from cyclonedx.model import XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.bom import BomMetaData
from cyclonedx.model.component import Component
from cyclonedx.model.component import ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.impact_analysis import ImpactAnalysisJustification
from cyclonedx.model.impact_analysis import ImpactAnalysisState
from cyclonedx.model.license import LicenseAcknowledgement
from cyclonedx.model.vulnerability import BomTarget
from cyclonedx.model.vulnerability import Vulnerability
from cyclonedx.model.vulnerability import VulnerabilityAnalysis
from cyclonedx.model.vulnerability import VulnerabilityRating
from cyclonedx.model.vulnerability import VulnerabilityScoreSource
from cyclonedx.model.vulnerability import VulnerabilitySeverity
from cyclonedx.model.vulnerability import VulnerabilitySource
from cyclonedx.output.json import JsonV1Dot5
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from common.licenses import LICENSING_LOCK
from common.timestamps import parse_iso
from environments.identity import ROOT_REF
from environments.identity import document_time
from environments.identity import serial
from environments.identity import supplier

VERSIONS = {"1.6": JsonV1Dot6, "1.5": JsonV1Dot5}
STATES = {
    "reported": ImpactAnalysisState.IN_TRIAGE,
    "active": ImpactAnalysisState.EXPLOITABLE,
    "mitigated": ImpactAnalysisState.RESOLVED,
    "cleared": ImpactAnalysisState.NOT_AFFECTED,
    "disputed": ImpactAnalysisState.IN_TRIAGE,
}
JUSTIFICATIONS = {
    "component_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_in_execute_path": ImpactAnalysisJustification.CODE_NOT_REACHABLE,
    "vulnerable_code_cannot_be_controlled_by_adversary": (
        ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL
    ),
    "inline_mitigations_already_exist": (
        ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL
    ),
}
METHODS = {
    "2.0": VulnerabilityScoreSource.CVSS_V2,
    "3.0": VulnerabilityScoreSource.CVSS_V3,
    "3.1": VulnerabilityScoreSource.CVSS_V3_1,
    "4.0": VulnerabilityScoreSource.CVSS_V4,
}
_LICENSES = LicenseFactory()


def _properties(pairs) -> list[Property]:
    return [Property(name=n, value=str(v)) for n, v in pairs if v not in (None, "", [])]


def _license(text: str | None):
    if not text or not text.strip():
        return []
    with LICENSING_LOCK:
        return [
            _LICENSES.make_from_string(
                text, license_acknowledgement=LicenseAcknowledgement.DECLARED
            )
        ]


def _hashes(row: dict) -> list[HashType]:
    hashes = []
    if row["sha256"]:
        hashes.append(HashType(alg=HashAlgorithm.SHA_256, content=row["sha256"]))
    if row["md5"]:
        hashes.append(HashType(alg=HashAlgorithm.MD5, content=row["md5"]))
    return hashes


def _component(row: dict) -> Component:
    coverage = "covered" if row["covered"] else "not-tracked"
    return Component(
        type=ComponentType.LIBRARY,
        bom_ref=row["key"],
        name=row["name"],
        version=row["version"],
        purl=PackageURL.from_string(row["purls"][0]),
        supplier=OrganizationalEntity(name=supplier(row)),
        hashes=_hashes(row),
        licenses=_license(row["license"]),
        properties=_properties(
            [
                ("conda-badges:coverage", coverage),
                ("conda-badges:coverage:identities", ", ".join(row["identities"])),
                ("conda-badges:coverage:reason", row["coverage_reason"]),
                ("conda-badges:purl:secondary", ", ".join(row["purls"][1:])),
                ("conda-badges:facts-from", row["origin"]),
                ("conda-badges:channel", row["channel"]),
                ("conda-badges:note", row["note"]),
                ("conda-badges:url", row["url"]),
                ("conda-badges:unresolved-depends", ", ".join(row["unresolved_depends"])),
            ]
        ),
    )


def _rating(cve: dict) -> list[VulnerabilityRating]:
    if cve["score"] is None:
        return []
    score = Decimal(str(cve["score"]))
    try:
        severity = VulnerabilitySeverity(cve["severity"])
    except ValueError:
        severity = VulnerabilitySeverity.UNKNOWN
    rating = VulnerabilityRating(
        score=score, severity=severity, method=METHODS.get(cve["score_version"] or "")
    )
    if cve["vector"]:
        rating.vector = cve["vector"]
    return [rating]


def _vulnerability(cve: dict, row: dict) -> Vulnerability:
    url = cve["url"] if str(cve["url"] or "").startswith(("http://", "https://")) else None
    return Vulnerability(
        bom_ref=f"vulnerability:{cve['id']}:{row['key']}",
        id=cve["id"],
        source=VulnerabilitySource(
            name="NVD" if cve["id"].startswith("CVE-") else None, url=XsUri(url) if url else None
        ),
        description=cve["summary"] or None,
        ratings=_rating(cve),
        analysis=VulnerabilityAnalysis(
            state=STATES.get(cve["status"], ImpactAnalysisState.IN_TRIAGE),
            justification=JUSTIFICATIONS.get(str(cve["justification"])),
            detail=cve["detail"] or f"status {cve['status']}",
            last_updated=parse_iso(cve["curated_at"]),
        ),
        affects=[BomTarget(ref=row["key"])],
        properties=_properties(
            [
                ("conda:cve:status", cve["status"]),
                ("conda:cve:fixed-in", ", ".join(cve["fixed_in"])),
                ("conda:cve:aliases", ", ".join(cve["aliases"])),
            ]
        ),
    )


def build_bom(report: dict) -> Bom:
    """The CycloneDX model of the environment: packages, graph, vulnerabilities, coverage."""
    summary, database = report["summary"], report["database"]
    root = Component(
        type=ComponentType.APPLICATION,
        bom_ref=ROOT_REF,
        name=f"environment {report['environment']} ({report['platform']})",
        version=report["lockfile"]["sha256"][:12],
        supplier=OrganizationalEntity(name="the lockfile's author"),
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=report["lockfile"]["sha256"])],
        properties=_properties(
            [
                ("conda-badges:lockfile:sha256", report["lockfile"]["sha256"]),
                ("conda-badges:lockfile:format", report["lockfile"]["format"]),
                ("conda-badges:vulns-database:version", database["version"]),
                ("conda-badges:vulns-database:digest", database["digest"]),
                ("conda-badges:coverage:covered", summary["covered"]),
                ("conda-badges:coverage:not-tracked", summary["not_tracked"]),
                ("conda-badges:verdict", summary["verdict"]),
            ]
        ),
    )
    bom = Bom(
        serial_number=uuid.UUID(serial(report, "cyclonedx")),
        metadata=BomMetaData(
            component=root,
            timestamp=document_time(report),
            properties=_properties([("conda-badges:generator", "conda-badges environments")]),
        ),
    )
    rows = report["packages"]
    components = {row["key"]: _component(row) for row in rows}
    for component in components.values():
        bom.components.add(component)
    bom.dependencies.add(
        Dependency(
            ref=root.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in components.values()]
        )
    )
    for row in rows:
        bom.dependencies.add(
            Dependency(
                ref=components[row["key"]].bom_ref,
                dependencies=[Dependency(ref=components[k].bom_ref) for k in row["depends"]],
            )
        )
        for cve in row["cves"]:
            bom.vulnerabilities.add(_vulnerability(cve, row))
    return bom


def render_cyclonedx(report: dict, spec_version: str = "1.6") -> str:
    """The CycloneDX JSON text of the environment (`spec_version` 1.6 or 1.5)."""
    return VERSIONS[spec_version](build_bom(report)).output_as_string(indent=2)
