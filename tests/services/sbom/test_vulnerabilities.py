"""SBOM vulnerabilities from the real report: a strictly valid CycloneDX VEX and SPDX refs."""

from __future__ import annotations

import dataclasses
import json

import pytest
from ntia_conformance_checker import SbomChecker
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from gateway.drivers.conda import parse_repodata
from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.spdx import render_spdx
from tests.conftest import CHANNELS
from tests.conftest import DATA
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import find
from tests.services.sbom.test_conformance import _validator
from vulns import ChannelSources
from vulns import VulnService

CASES = [
    ("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda", DATA / "vex" / "main.openvex.json"),
    ("main", "win-64", "zlib-1.2.8-0.tar.bz2", None),
    ("private", "linux-64", "r-base-3.4.3-h290ecf8_0.tar.bz2", None),
]


def vulnerable_facts(vulns_db, channel, subdir, filename, vex):
    record = find(channel, subdir, filename)
    files = parse_repodata(
        json.loads((CHANNELS / channel / subdir / "repodata.json").read_text()), None
    )
    same = [f for f in files if f.name == record.raw["name"]]
    report = VulnService(vulns_db).package_report(
        ChannelSources(channel, vex=vex), record.raw["name"], same
    )
    items = [i for i in report.items if f"{subdir}/{filename}" in i["affected_files"]]
    assert items, "the case has CVEs"
    facts = dataclasses.replace(
        facts_for(record),
        cves=items,
        vulns_database=report.database,
        cve_covered=report.covered,
        cve_identities=report.identities,
    )
    return facts, report


@pytest.mark.parametrize(("channel", "subdir", "filename", "vex"), CASES)
def test_cyclonedx_carries_every_cve_as_a_strictly_valid_vex(
    vulns_db, channel, subdir, filename, vex
):
    facts, report = vulnerable_facts(vulns_db, channel, subdir, filename, vex)
    text = render_cyclonedx(facts, "1.6")
    assert _validator("1.6").validate_str(text) is None
    assert _validator("1.5").validate_str(render_cyclonedx(facts, "1.5")) is None
    bom = json.loads(text)
    findings = {f.id: f for f in report.file(filename, subdir).findings}
    assert {v["id"] for v in bom["vulnerabilities"]} == set(findings)
    for vulnerability in bom["vulnerabilities"]:
        item = next(i for i in facts.cves if i["id"] == vulnerability["id"])
        methods = {r["method"]: r["score"] for r in vulnerability["ratings"]}
        expected = {
            {"2.0": "CVSSv2", "3.0": "CVSSv3", "3.1": "CVSSv31", "4.0": "CVSSv4"}[v]: e["score"]
            for v, e in item["scores"].items()
        }
        assert methods == expected
        state = {
            "reported": "in_triage",
            "cleared": "not_affected",
            "active": "exploitable",
            "mitigated": "resolved",
            "disputed": "in_triage",
        }[findings[vulnerability["id"]].status]
        assert vulnerability["analysis"]["state"] == state
        assert vulnerability["source"]["url"] == item["url"]
    props = {p["name"]: p["value"] for p in bom["metadata"]["properties"]}
    assert props["conda:vulns:database-version"] == report.database["version"]
    assert props["conda:vulns:covered"] == "true"


def test_the_curated_minizip_cve_is_not_affected_with_its_justification(vulns_db):
    channel, subdir, filename, vex = CASES[0]
    facts, _ = vulnerable_facts(vulns_db, channel, subdir, filename, vex)
    bom = json.loads(render_cyclonedx(facts))
    minizip = next(v for v in bom["vulnerabilities"] if v["id"] == "CVE-2023-45853")
    assert minizip["analysis"]["state"] == "not_affected"
    assert minizip["analysis"]["justification"] == "code_not_present"
    assert "MiniZip" in minizip["analysis"]["detail"]


@pytest.mark.parametrize(("channel", "subdir", "filename", "vex"), CASES)
def test_spdx_security_references_pass_spdx_tools_and_ntia(
    vulns_db, tmp_path, channel, subdir, filename, vex
):
    facts, report = vulnerable_facts(vulns_db, channel, subdir, filename, vex)
    text = render_spdx(facts)
    document = json.loads(text)
    refs = document["packages"][0]["externalRefs"]
    advisories = {r["referenceLocator"] for r in refs if r["referenceType"] == "advisory"}
    assert advisories == {i["url"] for i in facts.cves}
    security = [r for r in refs if r["referenceType"] in ("advisory", "cpe23Type")]
    assert all(r["referenceCategory"] == "SECURITY" for r in security)
    assert all(r["referenceCategory"] != "SECURITY" for r in refs if r not in security)
    cpes = [r["referenceLocator"] for r in refs if r["referenceType"] == "cpe23Type"]
    if any(i.startswith("cpe:") for i in report.identities):
        assert cpes and all(f":{facts.file['version']}:" in c for c in cpes)
    assert report.database["version"] in document["creationInfo"]["comment"]
    errors = validate_full_spdx_document(JsonLikeDictParser().parse(document))
    assert errors == [], [e.validation_message for e in errors]
    path = tmp_path / f"{filename}.spdx.json"
    path.write_text(text)
    checker = SbomChecker(str(path), validate=True, compliance="ntia", sbom_spec="spdx2")
    assert checker.compliant, checker.output_json()
