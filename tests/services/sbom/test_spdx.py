"""SPDX 2.3 documents for real files: packages, checksums, purls, relationships."""

from __future__ import annotations

import json
from dataclasses import replace

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from common.licenses import normalize_spdx
from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.identity import serial_uuid
from services.sbom.spdx import render_spdx
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import find
from tests.services.sbom.test_cyclonedx import ZLIB_CVE


def _doc(channel: str, subdir: str, filename: str, cves=None) -> tuple[dict, dict]:
    record = find(channel, subdir, filename)
    return json.loads(render_spdx(facts_for(record, cves))), record.raw


def test_root_package_equals_the_repodata():
    doc, raw = _doc("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda")
    assert doc["spdxVersion"] == "SPDX-2.3" and doc["dataLicense"] == "CC0-1.0"
    root_id = next(
        r["relatedSpdxElement"]
        for r in doc["relationships"]
        if r["relationshipType"] == "DESCRIBES"
    )
    root = next(p for p in doc["packages"] if p["SPDXID"] == root_id)
    assert (root["name"], root["versionInfo"]) == (raw["name"], raw["version"])
    assert root["packageFileName"] == "zlib-1.2.11-h7b6447c_3.conda"
    checksums = {c["algorithm"]: c["checksumValue"] for c in root["checksums"]}
    checksums.pop("SHA512")  # a whole read's: tests/services/sbom/test_minimums.py
    assert checksums == {"SHA256": raw["sha256"], "MD5": raw["md5"]}
    assert root["supplier"] == "Organization: conda channel main"
    assert root["licenseDeclared"] == normalize_spdx(raw["license"]) == "Zlib"
    assert root["filesAnalyzed"] is True  # the archive is on disk: read whole, files listed
    assert root["externalRefs"][0] == {
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceLocator": "pkg:conda/zlib@1.2.11?build=h7b6447c_3&channel=main"
        "&subdir=linux-64&type=conda",
        "referenceType": "purl",
    }
    expected_serial = serial_uuid(raw["sha256"], "spdx-2.3")
    assert doc["documentNamespace"].endswith(
        f"/main/linux-64/{root['packageFileName']}-{expected_serial}"
    )


def test_depends_on_relationships_follow_the_graph():
    doc, _ = _doc("test-recipes", "noarch", "dependent-2.0-0.conda")
    by_id = {p["SPDXID"]: p for p in doc["packages"]}
    (describes,) = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
    (depends,) = [r for r in doc["relationships"] if r["relationshipType"] == "DEPENDS_ON"]
    assert describes["spdxElementId"] == "SPDXRef-DOCUMENT"
    assert depends["spdxElementId"] == describes["relatedSpdxElement"]
    dependency = by_id[depends["relatedSpdxElement"]]
    assert (dependency["name"], dependency["versionInfo"]) == ("dependency", "2.0")
    assert dependency["comment"] == "resolved from match spec dependency >=2.0,<3.0a0"


def test_unresolved_dependency_keeps_its_constraint():
    doc, _ = _doc("main", "win-32", "zlib-1.2.11-h62dcd97_3.tar.bz2")
    vc = next(p for p in doc["packages"] if p["name"] == "vc")
    assert vc["versionInfo"] == ">=14.1,<15.0a0"
    assert vc["downloadLocation"] == "NOASSERTION"
    assert "not resolved" in vc["comment"]


def test_unnormalized_license_is_noassertion_with_a_comment():
    doc, raw = _doc("private", "linux-64", "_r-mutex-1.0.0-anacondar_1.tar.bz2")
    assert raw["license"] == "BSD"
    (root,) = doc["packages"]
    assert root["licenseDeclared"] == "NOASSERTION"
    assert "'BSD'" in root["licenseComments"]


def test_cves_become_security_references():
    doc, _ = _doc("main", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2", [ZLIB_CVE])
    refs = doc["packages"][0]["externalRefs"]
    assert {
        "comment": "CVE-2018-25032, status active, CVSS 7.5",
        "referenceCategory": "SECURITY",
        "referenceLocator": "https://nvd.nist.gov/vuln/detail/CVE-2018-25032",
        "referenceType": "advisory",
    } in refs


def test_same_facts_give_the_same_bytes():
    record = find("test-recipes", "noarch", "another_dependent-2.0-0.conda")
    assert render_spdx(facts_for(record)) == render_spdx(facts_for(record))
    doc = json.loads(render_spdx(facts_for(record)))
    assert doc["creationInfo"]["created"].startswith("2026-07-28T")  # repodata timestamp


def test_license_ref_gets_its_extracted_licensing_info():
    record = find("test-recipes", "noarch", "dependency-2.0-0.conda")
    facts = facts_for(record)
    text = "Public Domain"
    file = {**facts.file, "license": text, "license_spdx": normalize_spdx(text)}
    assert file["license_spdx"] == "LicenseRef-Public-Domain"
    rendered = render_spdx(replace(facts, file=file))
    doc = json.loads(rendered)
    assert doc["packages"][0]["licenseDeclared"] == "LicenseRef-Public-Domain"
    assert doc["hasExtractedLicensingInfos"] == [
        {"extractedText": text, "licenseId": "LicenseRef-Public-Domain", "name": text}
    ]
    errors = validate_full_spdx_document(JsonLikeDictParser().parse(doc))
    assert errors == []
    bom = json.loads(render_cyclonedx(replace(facts, file=file)))
    assert bom["metadata"]["component"]["licenses"] == [
        {"expression": "LicenseRef-Public-Domain", "acknowledgement": "declared"}
    ]
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom)) is None
