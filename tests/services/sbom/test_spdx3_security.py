"""SPDX 3.0.1 Security profile for a package file: zlib 1.2.11 on `main` (linux-64) with the
real vulnerability database and the channel's real OpenVEX curation.

Expected answers come from the vulnerability service's report for the file (its findings and
the `/cves` items' scores), and from the SPDX 3.0.1 spec's VEX classes, not from the writer.
"""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import datetime

import pytest
from ntia_conformance_checker.bsi_checker import BSIChecker
from ntia_conformance_checker.fsct_checker import FSCT3Checker
from ntia_conformance_checker.ntia_checker import NTIAChecker
from spdx_python_model.bindings import v3_0_1 as spdx3

from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.spdx3 import render_spdx3
from tests.services.sbom.test_vulnerabilities import CASES
from tests.services.sbom.test_vulnerabilities import vulnerable_facts
from vulns.model import STATUSES

# our status -> the CycloneDX analysis.state (as cyclonedx.py's test states it) -> SPDX 3.0.1
# VEX class: in_triage = under investigation, exploitable = affected, resolved = fixed,
# not_affected = not affected (SPDX 3.0.1 Security profile, VexVulnAssessmentRelationship)
EXPECTED_VEX = {
    "reported": (
        "security_VexUnderInvestigationVulnAssessmentRelationship",
        "underInvestigationFor",
    ),
    "disputed": (
        "security_VexUnderInvestigationVulnAssessmentRelationship",
        "underInvestigationFor",
    ),
    "active": ("security_VexAffectedVulnAssessmentRelationship", "affects"),
    "mitigated": ("security_VexFixedVulnAssessmentRelationship", "fixedIn"),
    "cleared": ("security_VexNotAffectedVulnAssessmentRelationship", "doesNotAffect"),
}
CVSS_TYPES = {
    "2.0": "security_CvssV2VulnAssessmentRelationship",
    "3.0": "security_CvssV3VulnAssessmentRelationship",
    "3.1": "security_CvssV3VulnAssessmentRelationship",
    "4.0": "security_CvssV4VulnAssessmentRelationship",
}
# the CycloneDX analysis.state each SPDX 3 VEX class stands for
CDX_STATES = {
    "security_VexUnderInvestigationVulnAssessmentRelationship": "in_triage",
    "security_VexAffectedVulnAssessmentRelationship": "exploitable",
    "security_VexFixedVulnAssessmentRelationship": "resolved",
    "security_VexNotAffectedVulnAssessmentRelationship": "not_affected",
}
ZLIB = CASES[0]


def camel(snake: str) -> str:
    """OpenVEX's snake_case justification in SPDX 3's camelCase."""
    first, *rest = snake.split("_")
    return first + "".join(word.title() for word in rest)


def read(text: str) -> spdx3.SHACLObjectSet:
    """The document read back by the SPDX 3 model (which checks types and patterns)."""
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    return objects


@pytest.fixture(scope="module")
def zlib(vulns_db):
    facts, report = vulnerable_facts(vulns_db, *ZLIB)
    findings = {f.id: f for f in report.file(ZLIB[2], ZLIB[1]).findings}
    return facts, findings, json.loads(render_spdx3(facts))["@graph"]


def _of_type(graph: list[dict], kind: str) -> list[dict]:
    return [e for e in graph if e["type"] == kind]


def test_one_vulnerability_per_cve_the_file_has(zlib):
    facts, findings, graph = zlib
    vulnerabilities = _of_type(graph, "security_Vulnerability")
    cve_ids = [
        i["identifier"]
        for v in vulnerabilities
        for i in v["externalIdentifier"]
        if i["externalIdentifierType"] == "cve"
    ]
    assert sorted(cve_ids) == sorted(findings) and len(findings) >= 3
    for vulnerability in vulnerabilities:
        item = next(c for c in facts.cves if c["id"] == vulnerability["name"])
        locators = {loc for ref in vulnerability["externalRef"] for loc in ref["locator"]}
        assert item["url"] in locators
        assert {r["url"] for r in item["references"]} <= locators
        for ours, theirs in (("publishedTime", "published_at"), ("modifiedTime", "modified_at")):
            stated = datetime.fromisoformat(vulnerability[f"security_{ours}"])
            assert stated == datetime.fromisoformat(item[theirs]).replace(microsecond=0)


def test_each_cvss_assessment_carries_the_records_score_and_vector(zlib):
    facts, _, graph = zlib
    (package,) = [p for p in _of_type(graph, "software_Package") if p["name"] == "zlib"]
    ids = {v["spdxId"]: v["name"] for v in _of_type(graph, "security_Vulnerability")}
    found = {
        (ids[e["from"]], e["type"], float(e["security_score"]), e["security_vectorString"])
        for e in graph
        if e["type"] in CVSS_TYPES.values()
    }
    expected = {
        (c["id"], CVSS_TYPES[version], entry["score"], entry["vector"])
        for c in facts.cves
        for version, entry in c["scores"].items()
    }
    assert found == expected
    assert all(e["to"] == [package["spdxId"]] for e in graph if e["type"] in CVSS_TYPES.values())


def test_each_curated_status_is_the_matching_vex_relationship(zlib):
    _, findings, graph = zlib
    ids = {v["spdxId"]: v["name"] for v in _of_type(graph, "security_Vulnerability")}
    vex = [e for e in graph if e["type"].startswith("security_Vex")]
    assert sorted(ids[e["from"]] for e in vex) == sorted(findings)
    for element in vex:
        finding = findings[ids[element["from"]]]
        assert (element["type"], element["relationshipType"]) == EXPECTED_VEX[finding.status]
        assert finding.status in element["security_statusNotes"]
        if finding.status == "cleared":
            assert element["security_justificationType"] == camel(finding.justification)
            stated = datetime.fromisoformat(element["security_publishedTime"])
            assert stated == datetime.fromisoformat(finding.curated_at)
            assert element["security_impactStatement"] == finding.detail
        if finding.status == "active":
            assert element["security_actionStatement"]
    cleared = [f for f in findings.values() if f.status == "cleared"]
    assert cleared, "the channel's curation clears at least one CVE for this file"


def test_the_document_declares_the_security_profile_and_round_trips(zlib):
    facts, _, _ = zlib
    text = render_spdx3(facts)
    objects = read(text)
    assert not objects.link()
    again = json.dumps(spdx3.JSONLDSerializer().serialize_data(objects), indent=2, sort_keys=True)
    assert json.loads(again) == json.loads(text)
    (document,) = objects.foreach_type(spdx3.SpdxDocument)
    assert spdx3.ProfileIdentifierType.security in document.profileConformance
    listed = {getattr(e, "spdxId", e) for e in document.element}
    assert {v.spdxId for v in objects.foreach_type(spdx3.security_Vulnerability)} <= listed
    assert render_spdx3(facts) == text  # equal facts, equal bytes
    none = dataclasses.replace(facts, cves=[])
    (plain,) = read(render_spdx3(none)).foreach_type(spdx3.SpdxDocument)
    assert spdx3.ProfileIdentifierType.security not in plain.profileConformance


def test_the_conformance_checkers_answer_as_without_vulnerabilities(zlib, tmp_path):
    facts, _, _ = zlib
    facts = dataclasses.replace(facts, creator_contact="sbom-team@example.org")
    answers = []
    for cves in (facts.cves, []):
        path = tmp_path / f"doc-{len(cves)}.spdx3.json"
        path.write_text(render_spdx3(dataclasses.replace(facts, cves=cves)))
        bsi = BSIChecker(str(path), sbom_spec="spdx3")
        fsct = FSCT3Checker(str(path), compliance="fsct3-min", sbom_spec="spdx3")
        ntia = NTIAChecker(str(path), sbom_spec="spdx3")
        answers.append(
            (
                bsi.compliant,
                bsi.validation_messages,
                bsi.parsing_errors,
                fsct.compliant,
                ntia.compliant,
                sorted(map(str, bsi.components_without_concluded_licenses)),
            )
        )
    assert answers[0] == answers[1]
    assert not answers[0][1] and not answers[0][2]


@pytest.mark.parametrize("status", [*STATUSES, "something-new"])
def test_every_status_maps_as_the_cyclonedx_state_does(zlib, status):
    """Every status the curation can give (vulns.model.STATUSES), on the real CVE-2022-37434
    item; a status we do not know is under investigation, as CycloneDX's in_triage."""
    facts, _, _ = zlib
    item = next(c for c in facts.cves if c["id"] == "CVE-2022-37434")
    files = [{**e, "status": status} for e in item["files"]]
    graph = json.loads(render_spdx3(dataclasses.replace(facts, cves=[{**item, "files": files}])))
    (vex,) = [e for e in graph["@graph"] if e["type"].startswith("security_Vex")]
    kind, relationship = EXPECTED_VEX.get(status, EXPECTED_VEX["reported"])
    assert (vex["type"], vex["relationshipType"]) == (kind, relationship)
    cdx = json.loads(render_cyclonedx(dataclasses.replace(facts, cves=[{**item, "files": files}])))
    assert CDX_STATES[kind] == cdx["vulnerabilities"][0]["analysis"]["state"]
    if status == "active":
        assert vex["security_actionStatement"]
    if status == "cleared":
        assert vex["security_impactStatement"]  # required without a justification


def test_environment_cves_become_findings_with_their_single_score():
    from services.sbom.spdx3_security import from_environment_cve
    from tests.environments.lockdata import ALL_LOCKS
    from tests.environments.test_report import report_of

    (lock,) = [p for p in ALL_LOCKS if p.name == "pangeo-example.conda-lock.yml"]
    row = next(r for r in report_of(lock)["packages"] if r["name"] == "zlib")
    for cve in row["cves"]:
        finding = from_environment_cve(cve)
        assert finding.id == cve["id"] and finding.status == cve["status"]
        assert finding.scores == (
            (cve["score_version"], cve["score"], cve["vector"], cve["severity"]),
        )


def test_a_score_without_a_vector_is_not_written(zlib):
    """The model requires a vector on every CVSS assessment: a bare score is left out."""
    facts, _, _ = zlib
    item = next(c for c in facts.cves if c["id"] == "CVE-2018-25032")
    bare = {v: {**e, "vector": None} for v, e in item["scores"].items() if v == "2.0"}
    kept = {v: e for v, e in item["scores"].items() if v != "2.0"}
    cves = [{**item, "scores": {**bare, **kept}}]
    graph = json.loads(render_spdx3(dataclasses.replace(facts, cves=cves)))["@graph"]
    found = {e["type"] for e in graph if e["type"].startswith("security_Cvss")}
    assert found == {CVSS_TYPES[v] for v in kept}
