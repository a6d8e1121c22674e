"""CycloneDX documents for real files carry exactly the facts of the real repodata."""

from __future__ import annotations

import json
import random
import uuid

import pytest
from packageurl import PackageURL

from common.licenses import normalize_spdx
from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.identity import serial_uuid
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import find
from tests.services.sbom.realdata import records

# zlib 1.2.11's real memory-corruption CVE (NVD: CVSS 3.1 7.5 HIGH)
ZLIB_CVE = {
    "id": "CVE-2018-25032",
    "summary": "zlib before 1.2.12 allows memory corruption when deflating if the input has "
    "many distant matches.",
    "severity": "HIGH",
    "score": 7.5,
    "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "status": "active",
    "published_at": "2022-03-25T09:15:08Z",
    "url": "https://nvd.nist.gov/vuln/detail/CVE-2018-25032",
    "affected_files": [],
}

REAL_FILES = [
    ("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda"),
    ("main", "win-64", "zlib-1.2.11-h62dcd97_3.tar.bz2"),
    ("test-recipes", "noarch", "another_dependent-1.0-0.conda"),
    ("test-recipes", "noarch", "buildstring-1.0-versioned_2.conda"),
    ("private", "linux-64", "rstudio-1.1.423-hcfd39f1_0.tar.bz2"),
] + [("private", r.subdir, r.filename) for r in random.Random(8).sample(records("private"), 6)]


def _props(item: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in item.get("properties", []):
        found.setdefault(prop["name"], []).append(prop["value"])
    return found


@pytest.mark.parametrize(("channel", "subdir", "filename"), REAL_FILES)
def test_root_component_equals_the_repodata(channel, subdir, filename):
    record = find(channel, subdir, filename)
    raw = record.raw  # read by the test itself from repodata.json
    bom = json.loads(render_cyclonedx(facts_for(record)))
    root = bom["metadata"]["component"]
    assert (root["name"], root["version"]) == (raw["name"], raw["version"])
    hashes = {h["alg"]: h["content"] for h in root["hashes"]}
    hashes.pop(
        "SHA-512", None
    )  # from a whole read of the archive: tests/services/sbom/test_minimums.py
    assert hashes == {"SHA-256": raw["sha256"], "MD5": raw["md5"]}
    props = _props(root)
    assert props["conda:package:size"] == [str(raw["size"])]
    assert props["conda:package:build"] == [raw["build"]]
    assert props["conda:package:subdir"] == [subdir]
    assert props["conda:package:filename"] == [filename]
    purl = PackageURL.from_string(root["purl"])
    assert (purl.type, purl.name, purl.version) == ("conda", raw["name"], raw["version"])
    assert purl.qualifiers == {
        "build": raw["build"],
        "channel": channel,
        "subdir": subdir,
        "type": "conda" if filename.endswith(".conda") else "tar.bz2",
    }
    assert root["bom-ref"] == root["purl"]
    spdx = normalize_spdx(raw.get("license"))
    if spdx is None and raw.get("license"):
        assert root["licenses"] == [
            {"license": {"name": raw["license"], "acknowledgement": "declared"}}
        ]
    elif spdx is None:
        assert "licenses" not in root
    else:  # the declared one (and the same, concluded: tests/services/sbom/test_minimums.py)
        declared = [
            c
            for c in root["licenses"]
            if c.get("license", {}).get("acknowledgement") != "concluded"
        ]
        (choice,) = declared
        assert choice.get("expression") == spdx or choice["license"]["id"] == spdx
    # one component per declared dependency, each with its match spec kept
    declared = set(raw.get("depends") or [])
    kept = set(
        s for c in bom.get("components", []) for s in _props(c)["conda:dependency:match-spec"]
    )
    assert kept == declared
    names = {c["name"] for c in bom.get("components", [])}
    assert names == {spec.split()[0] for spec in declared}
    graph = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert len(graph[root["bom-ref"]]) == len(names)
    # the root's list is complete; the dependencies' own lists were not looked at
    complete, *unknown = bom["compositions"]
    assert complete == {"aggregate": "complete", "dependencies": [root["bom-ref"]]}
    if names:
        assert unknown == [
            {"aggregate": "unknown", "dependencies": sorted(set(graph) - {root["bom-ref"]})}
        ]


def test_resolved_and_unresolved_dependencies_are_marked():
    record = find("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda")
    bom = json.loads(render_cyclonedx(facts_for(record)))
    (dep,) = bom["components"]
    libgcc = find("main", "linux-64", "libgcc-ng-8.2.0-hdf63c60_1.tar.bz2").raw
    assert dep["purl"] == (
        "pkg:conda/libgcc-ng@8.2.0?build=hdf63c60_1&channel=main&subdir=linux-64&type=tar.bz2"
    )
    assert {h["alg"]: h["content"] for h in dep["hashes"]} == {
        "SHA-256": libgcc["sha256"],
        "MD5": libgcc["md5"],
    }
    assert _props(dep)["conda:dependency:resolved"] == ["true"]
    assert _props(dep)["conda:dependency:match-spec"] == ["libgcc-ng >=7.3.0"]
    assert dep["scope"] == "required"
    # win-32 zlib depends on vc, which the channel has for win-64 only
    win = json.loads(
        render_cyclonedx(facts_for(find("main", "win-32", "zlib-1.2.11-h62dcd97_3.conda")))
    )
    (vc,) = win["components"]
    assert "purl" not in vc and "hashes" not in vc
    assert _props(vc)["conda:dependency:resolved"] == ["false"]
    assert _props(vc)["conda:dependency:unresolved-reason"] == ["no-matching-file"]
    assert _props(vc)["conda:dependency:constraint"] == [">=14.1,<15.0a0"]
    assert _props(win["metadata"])["conda:sbom:dependencies-unresolved"] == ["1"]
    # r-base needs system libraries the r channel does not carry
    r_base = json.loads(
        render_cyclonedx(facts_for(find("private", "linux-64", "r-base-3.4.2-haf99962_0.tar.bz2")))
    )
    reasons = {
        c["name"]: _props(c)["conda:dependency:unresolved-reason"]
        for c in r_base["components"]
        if "conda:dependency:unresolved-reason" in _props(c)
    }
    assert reasons["libgcc-ng"] == ["not-in-channel"]


def test_same_facts_give_the_same_bytes_with_derived_serial_and_time():
    record = find("main", "osx-64", "zlib-1.2.11-h1de35cc_3.tar.bz2")
    first = render_cyclonedx(facts_for(record, [ZLIB_CVE]))
    assert first == render_cyclonedx(facts_for(record, [ZLIB_CVE]))
    bom = json.loads(first)
    expected = serial_uuid(record.raw["sha256"], "cyclonedx-1.6")
    assert bom["serialNumber"] == expected.urn
    assert uuid.UUID(bom["serialNumber"][9:]).version == 5
    assert bom["metadata"]["timestamp"].startswith("2018-11-21T")  # repodata timestamp
    older = json.loads(render_cyclonedx(facts_for(record), "1.5"))
    assert older["specVersion"] == "1.5" and older["serialNumber"] != bom["serialNumber"]


def test_vulnerability_has_rating_state_and_raw_status():
    record = find("main", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2")
    bom = json.loads(render_cyclonedx(facts_for(record, [ZLIB_CVE])))
    (vuln,) = bom["vulnerabilities"]
    assert vuln["id"] == "CVE-2018-25032"
    rating = vuln["ratings"][0]
    assert (rating["score"], rating["severity"], rating["method"]) == (7.5, "high", "CVSSv31")
    assert rating["vector"] == ZLIB_CVE["vector"]
    assert vuln["analysis"]["state"] == "exploitable"
    assert _props(vuln)["conda:cve:status"] == ["active"]
    assert vuln["affects"] == [{"ref": bom["metadata"]["component"]["bom-ref"]}]


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("reported", "in_triage"),
        ("active", "exploitable"),
        ("mitigated", "resolved"),
        ("cleared", "not_affected"),
        ("disputed", "in_triage"),
        ("something new", "in_triage"),
    ],
)
def test_cve_status_maps_to_analysis_state(status, state):
    record = find("main", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2")
    bom = json.loads(render_cyclonedx(facts_for(record, [{**ZLIB_CVE, "status": status}])))
    (vuln,) = bom["vulnerabilities"]
    assert vuln["analysis"]["state"] == state
    assert _props(vuln)["conda:cve:status"] == [status]


def test_score_without_severity_gets_the_nvd_band():
    record = find("main", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2")
    cve = {**ZLIB_CVE, "severity": None, "vector": None, "score": 9.8}
    (vuln,) = json.loads(render_cyclonedx(facts_for(record, [cve])))["vulnerabilities"]
    assert vuln["ratings"] == [{"score": 9.8, "severity": "critical"}]


def test_metadata_names_tool_supplier_and_lifecycle():
    record = find("test-recipes", "noarch", "dependent-1.0-0.conda")
    meta = json.loads(render_cyclonedx(facts_for(record)))["metadata"]
    tools = {t["name"]: t["version"] for t in meta["tools"]["components"]}
    assert set(tools) == {"conda-badges-sbom", "cyclonedx-python-lib"}
    assert meta["supplier"] == {"name": "conda channel test-recipes"}
    assert meta["component"]["supplier"] == meta["supplier"]
    assert meta["lifecycles"] == [{"phase": "post-build"}]
    # the SBOM creator (SBOM_CREATOR_NAME, default conda-badges; no contact configured here)
    assert meta["authors"] == [{"name": "conda-badges"}]
    assert meta["manufacturer"] == {"name": "conda-badges", "contact": [{"name": "conda-badges"}]}


def test_transitive_graph_has_complete_compositions_and_edges():
    record = find("test-recipes", "noarch", "another_dependent-1.0-0.conda")
    bom = json.loads(render_cyclonedx(facts_for(record, depth=None)))
    purl = "pkg:conda/{}@2.0?build=0&channel=test-recipes&subdir=noarch&type=conda"
    root = bom["metadata"]["component"]["bom-ref"]
    dependent, dependency = purl.format("dependent"), purl.format("dependency")
    assert bom["compositions"] == [
        {"aggregate": "complete", "dependencies": [root, dependency, dependent]}
    ]
    graph = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert graph == {root: [dependent], dependent: [dependency], dependency: []}
