"""SPDX 3.0.1 environment SBOMs: made with spdx-python-model, read back by it unchanged, and
judged by ntia-conformance-checker 6 (`ntia`, `fsct3-min`, `bsi`) for every real lockfile.

What the checker must find missing is derived here from the report's rows (the lock's own
facts), not from the writer: a lockfile carries no package archive, so no package has a
concluded license, copyright text or SHA-512; a package without a URL has no file name; one
whose URL is not http(s) has no supplier URL; the environment itself (described by its
lockfile) has no creator contact, license, copyright, SHA-512 or container property.
"""

from __future__ import annotations

import io
import json
from functools import cache
from posixpath import basename
from urllib.parse import urlsplit

import pytest
from ntia_conformance_checker.bsi_checker import BSIChecker
from ntia_conformance_checker.fsct_checker import FSCT3Checker
from ntia_conformance_checker.ntia_checker import NTIAChecker
from spdx_python_model.bindings import v3_0_1 as spdx3

from environments import render
from environments.minimums import Creator
from tests.environments.lockdata import ALL_LOCKS
from tests.environments.test_report import report_of

CREATOR = Creator("conda-badges", "sbom-team@example.org")
ENVIRONMENT = "environment"


@cache
def _report(path) -> dict:
    return report_of(path)


def _read(text: str) -> spdx3.SHACLObjectSet:
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    return objects


@pytest.mark.parametrize("path", ALL_LOCKS, ids=lambda p: p.name)
def test_the_document_round_trips_and_holds_every_locked_package(path):
    report = _report(path)
    text = render(report, "spdx3", creator=CREATOR)
    graph = json.loads(text)["@graph"]
    objects = _read(text)  # the model checks every property's type and pattern as it reads
    assert not objects.link(), "every reference resolves to an element of the document"
    assert len(objects.objects) == len(graph), "no two elements share an id"
    again = json.dumps(spdx3.JSONLDSerializer().serialize_data(objects), indent=2, sort_keys=True)
    assert json.loads(again) == json.loads(text)
    (document,) = objects.foreach_type(spdx3.SpdxDocument)
    assert document.creationInfo.specVersion == "3.0.1"
    packages = [p for p in objects.foreach_type(spdx3.software_Package)]
    purls = sorted(p.software_packageUrl for p in packages if p.software_packageUrl)
    assert purls == sorted(row["purls"][0] for row in report["packages"])
    files = {f.name: f for f in objects.foreach_type(spdx3.software_File)}
    for row in report["packages"]:
        if row["sha256"] and _filename(row):
            hashes = {
                h.algorithm.rsplit("/", 1)[-1]: h.hashValue
                for h in files[_filename(row)].verifiedUsing
            }
            assert hashes["sha256"] == row["sha256"]
    depends = [
        r
        for r in graph
        if r["type"] == "Relationship"
        and r["relationshipType"] == "dependsOn"
        and not r["to"][0].endswith("Element")
    ]
    assert sum(len(r["to"]) for r in depends) == sum(
        len(row["depends"]) for row in report["packages"]
    )


def _filename(row: dict) -> str:
    return row["filename"] or basename(urlsplit(row["url"] or "").path)


def _expected_gaps(report: dict) -> dict[str, set[str]]:
    """name -> what the checker must find missing (an independent reading of the rows)."""
    gaps = {ENVIRONMENT: {"concluded", "copyright", "sha512", "creator", "structured"}}
    for row in report["packages"]:
        found = gaps.setdefault(row["name"], set())
        found |= {"concluded", "copyright"}  # the lock carries no archive
        # no SHA-512 either; the checker judges it (and "structured") on the file: without a
        # URL there is no file, and what it finds missing is the file name
        found.add("sha512" if _filename(row) else "filename")
        if row["kind"] != "pypi" and not str(row["url"] or "").startswith(("http://", "https://")):
            found.add("creator")
    return gaps


def _names(missing) -> set[str]:
    return {ENVIRONMENT if name.startswith("environment ") else name for name, _ in missing}


def _wanted(gaps: dict[str, set[str]], kind: str) -> set[str]:
    return {name for name, why in gaps.items() if kind in why}


@pytest.mark.parametrize("path", ALL_LOCKS, ids=lambda p: p.name)
def test_bsi_cisa_and_ntia_find_exactly_the_gaps_a_lockfile_leaves(path, tmp_path):
    report = _report(path)
    document = tmp_path / "env.spdx3.json"
    document.write_text(render(report, "spdx3", creator=CREATOR))
    gaps = _expected_gaps(report)
    bsi = BSIChecker(str(document), sbom_spec="spdx3")
    assert not bsi.validation_messages and not bsi.parsing_errors
    assert bsi.doc_creator and bsi.doc_timestamp and bsi.doc_uri and bsi.dependency_completeness
    assert bsi.components_without_names == bsi.components_without_versions == []
    assert _names(bsi.components_without_creators) == _wanted(gaps, "creator")
    assert _names(bsi.components_without_filenames) == _wanted(gaps, "filename")
    assert _names(bsi.components_without_structured_prop) == _wanted(gaps, "structured")
    assert _names(bsi.components_without_concluded_licenses) == _wanted(gaps, "concluded")
    assert _names(bsi.components_without_sha512_hashes) == _wanted(gaps, "sha512")
    assert not bsi.compliant  # a lockfile cannot give a SHA-512 or a concluded license
    fsct = FSCT3Checker(str(document), compliance="fsct3-min", sbom_spec="spdx3")
    assert fsct.sbom_gen_context and fsct.doc_author and fsct.dependency_relationships
    assert fsct.components_without_suppliers == []
    assert _names(fsct.components_without_copyright_texts) == _wanted(gaps, "copyright")
    assert _names(fsct.components_without_concluded_licenses) == _wanted(gaps, "concluded")
    assert not fsct.compliant
    ntia = NTIAChecker(str(document), sbom_spec="spdx3")
    assert ntia.compliant, ntia.output_json()
    assert ntia.get_total_number_components() == len(report["packages"]) + 1


@pytest.mark.parametrize("path", ALL_LOCKS[:1], ids=lambda p: p.name)
def test_each_package_names_the_reasons_of_its_gaps(path):
    report = _report(path)
    objects = _read(render(report, "spdx3", creator=CREATOR))
    comments = {
        p.software_packageUrl: p.comment for p in objects.foreach_type(spdx3.software_Package)
    }
    for row in report["packages"]:
        comment = comments[row["purls"][0]]
        assert "a lockfile records SHA-256 (and MD5) only" in comment
        assert "no concluded license" in comment and "no copyright text" in comment


def test_without_a_contact_the_creator_is_not_enough_for_bsi(tmp_path):
    report = _report(ALL_LOCKS[0])
    document = tmp_path / "env.spdx3.json"
    document.write_text(render(report, "spdx3", creator=Creator("conda-badges")))
    assert not BSIChecker(str(document), sbom_spec="spdx3").doc_creator
    document.write_text(render(report, "spdx3", creator=CREATOR))
    assert BSIChecker(str(document), sbom_spec="spdx3").doc_creator


def test_equal_reports_give_equal_bytes():
    report = _report(ALL_LOCKS[-1])
    assert render(report, "spdx3", creator=CREATOR) == render(report, "spdx3", creator=CREATOR)


# the SPDX 3.0.1 VEX class of each of our statuses (as the CycloneDX analysis.state mapping)
VEX = {
    "reported": "security_VexUnderInvestigationVulnAssessmentRelationship",
    "disputed": "security_VexUnderInvestigationVulnAssessmentRelationship",
    "active": "security_VexAffectedVulnAssessmentRelationship",
    "mitigated": "security_VexFixedVulnAssessmentRelationship",
    "cleared": "security_VexNotAffectedVulnAssessmentRelationship",
}
CVSS = {"2.0": "V2", "3.0": "V3", "3.1": "V3", "4.0": "V4"}
(PANGEO,) = [p for p in ALL_LOCKS if p.name == "pangeo-example.conda-lock.yml"]


def _assessed(graph: list[dict], package: str) -> dict[str, list[dict]]:
    """vulnerability name -> the assessments from it to `package`."""
    names = {e["spdxId"]: e["name"] for e in graph if e["type"] == "security_Vulnerability"}
    found: dict[str, list[dict]] = {}
    for element in graph:
        if element["type"].startswith("security_") and element.get("to") == [package]:
            found.setdefault(names[element["from"]], []).append(element)
    return found


def test_zlib_1_2_11_in_a_lock_carries_its_cves_as_security_elements():
    report = _report(PANGEO)
    graph = json.loads(render(report, "spdx3", creator=CREATOR))["@graph"]
    packages = {e["software_packageUrl"]: e for e in graph if e.get("software_packageUrl")}
    rows = [r for r in report["packages"] if r["cves"]]
    assert any(r["name"] == "zlib" and r["version"] == "1.2.11" for r in rows)
    for row in rows:
        assessed = _assessed(graph, packages[row["purls"][0]]["spdxId"])
        assert set(assessed) == {c["id"] for c in row["cves"]}
        for cve in row["cves"]:
            kinds = {e["type"]: e for e in assessed[cve["id"]]}
            cvss = kinds[f"security_Cvss{CVSS[cve['score_version']]}VulnAssessmentRelationship"]
            assert float(cvss["security_score"]) == cve["score"]
            assert cvss["security_vectorString"] == cve["vector"]
            assert VEX[cve["status"]] in kinds
    every = {c["id"] for r in rows for c in r["cves"]}
    vulnerabilities = [e for e in graph if e["type"] == "security_Vulnerability"]
    assert sorted(v["name"] for v in vulnerabilities) == sorted(every)  # each CVE once
    (document,) = [e for e in graph if e["type"] == "SpdxDocument"]
    assert "security" in document["profileConformance"]


def test_the_checkers_answer_the_same_with_and_without_the_cves(tmp_path):
    report = _report(PANGEO)
    quiet = {**report, "packages": [{**r, "cves": []} for r in report["packages"]]}
    answers = []
    for which in (report, quiet):
        document = tmp_path / "env.spdx3.json"
        text = render(which, "spdx3", creator=CREATOR)
        assert not _read(text).link()
        document.write_text(text)
        bsi = BSIChecker(str(document), sbom_spec="spdx3")
        fsct = FSCT3Checker(str(document), compliance="fsct3-min", sbom_spec="spdx3")
        ntia = NTIAChecker(str(document), sbom_spec="spdx3")
        answers.append((bsi.output_json(), fsct.output_json(), ntia.output_json()))
    assert answers[0] == answers[1]
