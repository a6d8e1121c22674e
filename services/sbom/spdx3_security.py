"""SPDX 3.0.1 Security-profile elements for known vulnerabilities (pure: findings -> elements).

One `security_Vulnerability` per id (its CVE as an external identifier of type `cve`, aliases,
advisory references, published/modified times), one CVSS assessment per score version from the
vulnerability to each affected package, and one VEX assessment from the channel's status. The
status mapping mirrors the CycloneDX `analysis.state` one (services/sbom/cyclonedx.py
`CVE_STATES`); see docs/sbom.md for where the two formats differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from spdx_python_model.bindings import v3_0_1 as spdx3

from services.sbom.spdx3_builder import Builder
from services.sbom.vulnerabilities import file_status

_REL = spdx3.RelationshipType
_IDS = spdx3.ExternalIdentifierType
# the channel's status -> (VEX relationship class, relationship type); as CVE_STATES maps them:
# reported/disputed -> in_triage, active -> exploitable, mitigated -> resolved, cleared ->
# not_affected; an unknown status is under investigation (in_triage) in both formats
VEX = {
    "reported": (
        spdx3.security_VexUnderInvestigationVulnAssessmentRelationship,
        "underInvestigationFor",
    ),
    "disputed": (
        spdx3.security_VexUnderInvestigationVulnAssessmentRelationship,
        "underInvestigationFor",
    ),
    "active": (spdx3.security_VexAffectedVulnAssessmentRelationship, "affects"),
    "mitigated": (spdx3.security_VexFixedVulnAssessmentRelationship, "fixedIn"),
    "cleared": (spdx3.security_VexNotAffectedVulnAssessmentRelationship, "doesNotAffect"),
}
_UNKNOWN = VEX["reported"]
# OpenVEX justifications (the channel's curation) are SPDX 3's five, one to one
JUSTIFICATIONS = {
    "component_not_present": "componentNotPresent",
    "vulnerable_code_not_present": "vulnerableCodeNotPresent",
    "vulnerable_code_not_in_execute_path": "vulnerableCodeNotInExecutePath",
    "vulnerable_code_cannot_be_controlled_by_adversary": (
        "vulnerableCodeCannotBeControlledByAdversary"
    ),
    "inline_mitigations_already_exist": "inlineMitigationsAlreadyExist",
}
_CVSS = {
    "2.0": spdx3.security_CvssV2VulnAssessmentRelationship,
    "3.0": spdx3.security_CvssV3VulnAssessmentRelationship,
    "3.1": spdx3.security_CvssV3VulnAssessmentRelationship,
    "4.0": spdx3.security_CvssV4VulnAssessmentRelationship,
}
ACTION = "no fix is recorded by the channel's CVE curation: see the advisory for remediation"


@dataclass(frozen=True)
class Finding:
    """One vulnerability as it applies to one package (either writer's input, normalized)."""

    id: str
    status: str
    aliases: tuple[str, ...] = ()
    summary: str | None = None
    url: str | None = None
    references: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    scores: tuple[
        tuple[str, float, str | None, str | None], ...
    ] = ()  # version, score, vector, severity
    justification: str | None = None
    detail: str | None = None
    curated_at: str | None = None


def _http(url: object) -> str | None:
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def from_cves_item(cve: Mapping, file: Mapping) -> Finding:
    """A `/cves` item, with this file's curated status (package-file SBOMs)."""
    entry = file_status(cve, file)
    scores = cve.get("scores") if isinstance(cve.get("scores"), Mapping) else {}
    sources = [s for s in cve.get("sources") or () if isinstance(s, Mapping)]
    return Finding(
        id=str(cve["id"]),
        status=str(entry.get("status") or "").lower(),
        aliases=tuple(str(s["id"]) for s in sources if s.get("id") and s.get("id") != cve["id"]),
        summary=cve.get("summary") or None,
        url=_http(cve.get("url")),
        references=tuple(
            u
            for r in cve.get("references") or ()
            if isinstance(r, Mapping) and (u := _http(r.get("url")))
        ),
        published=cve.get("published_at"),
        modified=cve.get("modified_at"),
        scores=tuple(
            (v, float(e["score"]), e.get("vector") or None, e.get("severity") or None)
            for v, e in sorted(scores.items())
            if isinstance(e, Mapping) and e.get("score") is not None
        ),
        justification=entry.get("justification"),
        detail=entry.get("detail"),
        curated_at=entry.get("curated_at"),
    )


def from_environment_cve(cve: Mapping) -> Finding:
    """A CVE of an environment report's package row (environments/evaluate.py)."""
    score = cve.get("score")
    return Finding(
        id=str(cve["id"]),
        status=str(cve.get("status") or "").lower(),
        aliases=tuple(a for a in cve.get("aliases") or () if a != cve["id"]),
        summary=cve.get("summary") or None,
        url=_http(cve.get("url")),
        scores=(
            (str(cve.get("score_version")), float(score), cve.get("vector"), cve.get("severity")),
        )
        if score is not None
        else (),
        justification=cve.get("justification"),
        detail=cve.get("detail"),
        curated_at=cve.get("curated_at"),
    )


def _time(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


def _identifier(value: str) -> spdx3.ExternalIdentifier:
    kind = _IDS.cve if value.startswith("CVE-") else _IDS.securityOther
    return spdx3.ExternalIdentifier(externalIdentifierType=kind, identifier=value)


def _severity(score: float, given: str | None) -> str:
    """The record's severity, else the CVSS v3/v4 rating of the score."""
    if given in ("critical", "high", "medium", "low", "none"):
        return given
    bands = ((9.0, "critical"), (7.0, "high"), (4.0, "medium"), (0.1, "low"))
    return next((name for floor, name in bands if score >= floor), "none")


class Security:
    """Adds vulnerabilities (each once) and their assessments to one document's builder."""

    def __init__(self, builder: Builder):
        self.builder = builder
        self.vulnerabilities: dict[str, str] = {}
        self.assessments = 0

    def add(self, findings: Iterable[Finding], affected: str) -> None:
        """Every finding, assessed against the package `affected` (an element id)."""
        for finding in sorted(findings, key=lambda f: f.id):
            if spdx3.ProfileIdentifierType.security not in self.builder.profiles:
                self.builder.profiles.append(spdx3.ProfileIdentifierType.security)
            source = self._vulnerability(finding)
            for version, score, vector, severity in finding.scores:
                self._cvss(source, affected, version, score, vector, severity)
            self._vex(source, affected, finding)

    def _vulnerability(self, finding: Finding) -> str:
        if finding.id in self.vulnerabilities:
            return self.vulnerabilities[finding.id]
        links = [u for u in (finding.url, *finding.references) if u]
        values = {
            "spdxId": self.builder.id(f"Vulnerability-{finding.id}"),
            "name": finding.id,
            "summary": finding.summary,
            "externalIdentifier": [_identifier(i) for i in (finding.id, *finding.aliases)],
            "externalRef": [
                spdx3.ExternalRef(
                    externalRefType=spdx3.ExternalRefType.securityAdvisory, locator=[u]
                )
                for u in dict.fromkeys(links)
            ],
            "security_publishedTime": _time(finding.published) if finding.published else None,
            "security_modifiedTime": _time(finding.modified) if finding.modified else None,
            "creationInfo": self.builder.info,
        }
        element = self.builder.add(
            spdx3.security_Vulnerability(**{k: v for k, v in values.items() if v is not None})
        )
        self.vulnerabilities[finding.id] = element.spdxId
        return element.spdxId

    def _next(self, kind: str) -> str:
        self.assessments += 1
        return self.builder.id(f"{kind}-{self.assessments}")

    def _cvss(
        self,
        source: str,
        affected: str,
        version: str,
        score: float,
        vector: str | None,
        severity: str | None,
    ) -> None:
        kind = _CVSS.get(version)
        if kind is None or not vector:
            return  # an unknown CVSS version or no vector: the model cannot carry the score
        values = {
            "spdxId": self._next(f"CVSS-{version}"),
            "from_": source,
            "relationshipType": _REL.hasAssessmentFor,
            "to": [affected],
            "security_score": score,
            "security_vectorString": vector,
            "creationInfo": self.builder.info,
        }
        if version != "2.0":
            values["security_severity"] = getattr(
                spdx3.security_CvssSeverityType, _severity(score, severity)
            )
        self.builder.add(kind(**values))

    def _vex(self, source: str, affected: str, finding: Finding) -> None:
        kind, relationship = VEX.get(finding.status, _UNKNOWN)
        values = {
            "spdxId": self._next("VEX"),
            "from_": source,
            "relationshipType": getattr(_REL, relationship),
            "to": [affected],
            "security_statusNotes": f"channel status {finding.status or 'unknown'}",
            "security_publishedTime": _time(finding.curated_at) if finding.curated_at else None,
            "creationInfo": self.builder.info,
        }
        if kind is spdx3.security_VexAffectedVulnAssessmentRelationship:
            values["security_actionStatement"] = finding.detail or ACTION
        if kind is spdx3.security_VexNotAffectedVulnAssessmentRelationship:
            justification = JUSTIFICATIONS.get(str(finding.justification))
            if justification:
                values["security_justificationType"] = getattr(
                    spdx3.security_VexJustificationType, justification
                )
            values["security_impactStatement"] = finding.detail or (
                "cleared by the channel's CVE curation: analyzed and found not to apply"
            )
        self.builder.add(kind(**{k: v for k, v in values.items() if v is not None}))
