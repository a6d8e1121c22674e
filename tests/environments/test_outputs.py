"""The environment SBOMs of every real lockfile: CycloneDX 1.6 and 1.5 pass the strict schema,
SPDX 2.3 passes spdx-tools and the NTIA minimum elements; contents follow the report."""

from __future__ import annotations

import json
from functools import cache

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from ntia_conformance_checker import SbomChecker
from spdx_tools.spdx.parser.json.json_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from environments import render
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
