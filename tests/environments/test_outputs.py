"""The environment SBOMs of every real lockfile: CycloneDX 1.6 and 1.5 pass the strict schema,
SPDX 2.3 passes spdx-tools and the NTIA minimum elements; contents follow the report."""

from __future__ import annotations

import json
from functools import cache
from posixpath import basename
from urllib.parse import urlsplit

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from ntia_conformance_checker import SbomChecker
from ntia_conformance_checker.fsct_checker import FSCT3Checker
from spdx_tools.spdx.parser.json.json_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from environments import render
from environments.minimums import Creator
from tests.environments.lockdata import ALL_LOCKS
from tests.environments.test_report import report_of

VERSIONS = {"1.6": SchemaVersion.V1_6, "1.5": SchemaVersion.V1_5}


@cache
def _report(path):
    return report_of(path)


@pytest.mark.parametrize("version", ["1.6", "1.5"])
@pytest.mark.parametrize("path", ALL_LOCKS, ids=lambda p: p.name)
def test_cyclonedx_is_strictly_valid_and_follows_the_report(path, version):
    report = _report(path)
    text = render(report, "cyclonedx", version)
    assert JsonStrictValidator(VERSIONS[version]).validate_str(text) is None
    bom = json.loads(text)
    components = {c["bom-ref"]: c for c in bom["components"]}
    assert set(components) == {row["key"] for row in report["packages"]}
    for row in report["packages"]:
        component = components[row["key"]]
        assert component["purl"] == row["purls"][0]
        hashes = {h["alg"]: h["content"] for h in component.get("hashes", [])}
        assert hashes.get("SHA-256") == row["sha256"]
        props = {p["name"]: p["value"] for p in component.get("properties", [])}
        assert props["conda-badges:coverage"] == ("covered" if row["covered"] else "not-tracked")
    edges = {d["ref"]: set(d.get("dependsOn", [])) for d in bom["dependencies"]}
    assert all(edges[row["key"]] == set(row["depends"]) for row in report["packages"])
    found = {(v["id"], v["affects"][0]["ref"]) for v in bom.get("vulnerabilities", [])}
    assert found == {(c["id"], row["key"]) for row in report["packages"] for c in row["cves"]}
    root = {p["name"]: p["value"] for p in bom["metadata"]["component"]["properties"]}
    assert root["conda-badges:lockfile:sha256"] == report["lockfile"]["sha256"]
    assert root["conda-badges:vulns-database:version"] == report["database"]["version"]


@pytest.mark.parametrize("path", ALL_LOCKS, ids=lambda p: p.name)
def test_spdx_is_valid_and_ntia_conformant(path, tmp_path):
    report = _report(path)
    text = render(report, "spdx")
    errors = validate_full_spdx_document(JsonLikeDictParser().parse(json.loads(text)))
    assert errors == [], [e.validation_message for e in errors][:5]
    (tmp_path / "env.spdx.json").write_text(text)
    checker = SbomChecker(str(tmp_path / "env.spdx.json"), validate=True, compliance="ntia")
    assert checker.compliant, checker.output_json()
    doc = json.loads(text)
    packages = [p for p in doc["packages"] if p["SPDXID"] != "SPDXRef-Environment"]
    assert len(packages) == len(report["packages"])
    ids = {p["SPDXID"]: p for p in packages}
    depends = [r for r in doc["relationships"] if r["relationshipType"] == "DEPENDS_ON"]
    assert len(depends) == sum(len(row["depends"]) for row in report["packages"])
    assert all(r["relatedSpdxElement"] in ids for r in depends)


CREATOR = Creator("Example SBOMs", "sbom-team@example.org")
URL_CREATOR = Creator("Example SBOMs", url="https://badges.example.org")


def _lock_gaps(row: dict) -> set[str]:
    """What a lockfile cannot give for a row (an independent reading of the row)."""
    found = {"concluded", "copyright", "sha512"}  # the lock carries no package archive
    if not (row["filename"] or basename(urlsplit(row["url"] or "").path)):
        found.add("filename")
    if row["kind"] != "pypi" and not str(row["url"] or "").startswith(("http://", "https://")):
        found.add("creator")
    return found


@pytest.mark.parametrize("path", ALL_LOCKS, ids=lambda p: p.name)
def test_cyclonedx_names_its_creator_and_each_missing_minimum_with_the_reason(path):
    report = _report(path)
    bom = json.loads(render(report, "cyclonedx", "1.6", CREATOR))
    assert bom["metadata"]["authors"] == [{"name": CREATOR.name, "email": CREATOR.email}]
    assert bom["metadata"]["manufacturer"]["contact"][0]["email"] == CREATOR.email
    with_url = json.loads(render(report, "cyclonedx", "1.6", URL_CREATOR))
    assert with_url["metadata"]["manufacturer"]["url"] == [URL_CREATOR.url]
    components = {c["bom-ref"]: c for c in bom["components"]}
    names = {
        "concluded": "conda:license:concluded-none",
        "copyright": "conda:copyright:none",
        "sha512": "conda:package:sha512-none",
        "filename": "conda:package:filename-none",
        "creator": "conda:supplier:url-none",
    }
    for row in report["packages"]:
        props = {p["name"]: p["value"] for p in components[row["key"]].get("properties", [])}
        missing = {kind for kind, name in names.items() if props.get(name)}
        assert missing == _lock_gaps(row), row["key"]


@pytest.mark.parametrize("path", ALL_LOCKS, ids=lambda p: p.name)
def test_spdx_under_ntia_and_fsct3_min_lacks_only_what_a_lockfile_cannot_give(path, tmp_path):
    report = _report(path)
    (tmp_path / "env.spdx.json").write_text(render(report, "spdx", creator=CREATOR))
    doc = json.loads((tmp_path / "env.spdx.json").read_text())
    assert f"Organization: {CREATOR.name} ({CREATOR.email})" in doc["creationInfo"]["creators"]
    with_url = json.loads(render(report, "spdx", creator=URL_CREATOR))
    assert URL_CREATOR.url in with_url["creationInfo"]["comment"]
    fsct = FSCT3Checker(str(tmp_path / "env.spdx.json"), compliance="fsct3-min")
    assert fsct.doc_author and fsct.dependency_relationships
    assert fsct.components_without_suppliers == []
    expected = {row["name"] for row in report["packages"]} | {_root_name(report)}
    assert {n for n, _ in fsct.components_without_concluded_licenses} == expected
    assert {n for n, _ in fsct.components_without_copyright_texts} == expected
    assert not fsct.compliant  # and SPDX 2.3 states no SBOM type (checker reads SPDX 3 only)
    by_name = {p["name"]: p for p in doc["packages"]}
    for row in report["packages"]:
        assert (
            "a lockfile records SHA-256 (and MD5) only" in by_name[row["name"]]["licenseComments"]
        )


def _root_name(report: dict) -> str:
    return f"environment {report['environment']} ({report['platform']})"
