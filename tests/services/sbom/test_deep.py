"""Deep SBOMs against the archives themselves: every file of paths.json, each hash re-computed
from an independent extraction, and the license texts the package ships."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.spdx import render_spdx
from tests.contents.conftest import extract
from tests.contents.conftest import held_differently
from tests.contents.conftest import members
from tests.services.sbom.realdata import archive_path
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import records

ON_DISK = [r for channel in ("main", "test-recipes") for r in records(channel)]
ON_DISK = [r for r in ON_DISK if archive_path(r).is_file()]


def _id(record) -> str:
    return f"{record.channel}/{record.subdir}/{record.filename}"


def sha1(data: bytes):
    """SHA-1, as SPDX requires per file (not for security)."""
    return hashlib.sha1(data, usedforsecurity=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_archive_of_the_embedded_channels_is_covered():
    assert len(ON_DISK) == 8 + 32  # zlib in 4 subdirs (.conda and .tar.bz2), 32 test recipes


def _file_components(bom: dict) -> dict[str, dict]:
    """name -> {hash algorithm: value, property name: value} of the root's file components."""
    found = {}
    for c in bom["metadata"]["component"].get("components", []):
        if c["type"] == "file":
            found[c["name"]] = {h["alg"]: h["content"] for h in c["hashes"]} | {
                p["name"]: p["value"] for p in c.get("properties", [])
            }
    return found


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_files_are_exactly_paths_json_and_hash_what_the_archive_holds(record):
    """One rule, checked against tarfile's own reading of the members: a regular file's hashes
    are of its bytes; a symbolic link's are its target's (paths.json's), and say so; where the
    archive holds something else than paths.json says, the document says that too."""
    held = members(archive_path(record))
    paths_json = json.loads(held["info/paths.json"].data)["paths"]
    bom = json.loads(render_cyclonedx(facts_for(record)))
    files = _file_components(bom)
    assert sorted(files) == sorted(p["_path"] for p in paths_json)
    by_sha256 = {hashlib.sha256(m.data).hexdigest(): m.data for m in held.values() if m.data}
    for entry in paths_json:
        member, component = held[entry["_path"]], files[entry["_path"]]
        if member.kind == "symlink":
            assert component["conda:file:hashes-of"] == "link target"
            assert component.get("conda:file:link-target", "") == member.target
            assert component["SHA-256"] == entry["sha256"]
            assert component["SHA-1"] == sha1(by_sha256[entry["sha256"]]).hexdigest()
        else:
            assert component["conda:file:hashes-of"] == "archive member"
            assert component["SHA-256"] == hashlib.sha256(member.data).hexdigest()
            assert component["SHA-1"] == sha1(member.data).hexdigest()
            assert component["conda:file:size"] == str(len(member.data))
    differing = held_differently(archive_path(record))
    properties = _all_properties(bom)
    assert ("conda:contents:files-mismatched", str(len(differing))) in properties
    notes = [v for p, v in properties if p == "conda:contents:note"]
    for path in differing:
        listed = next(e for e in paths_json if e["_path"] == path)
        assert files[path]["conda:file:paths-json-sha256"] == listed["sha256"]
        assert any(note.startswith(f"{path}: paths.json lists a") for note in notes)


def _all_properties(bom: dict) -> list[tuple[str, str]]:
    return [(p["name"], p["value"]) for p in bom["metadata"]["component"]["properties"]]


def test_the_tar_bz2_zlib_holds_0_byte_files_where_paths_json_lists_softlinks():
    (record,) = [r for r in ON_DISK if _id(r) == "main/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2"]
    held = members(archive_path(record))
    # the defect the issue reports, seen by tarfile alone: the test above covers such paths
    assert held_differently(archive_path(record)) == ["lib/libz.so", "lib/libz.so.1"]
    assert held["lib/libz.so"].kind == "file" and held["lib/libz.so"].data == b""


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_license_texts_are_the_shipped_files(record, tmp_path):
    root = extract(archive_path(record), tmp_path)
    shipped = sorted((root / "info" / "licenses").rglob("*")) or sorted(
        (root / "info").glob("LICENSE.txt")
    )
    expected = {str(p.relative_to(root)): p.read_text() for p in shipped if p.is_file()}
    bom = json.loads(render_cyclonedx(facts_for(record)))
    evidence = bom["metadata"]["component"].get("evidence", {}).get("licenses", [])
    assert {e["license"]["name"]: e["license"]["text"]["content"] for e in evidence} == expected
    spdx = json.loads(render_spdx(facts_for(record)))
    extracted = {
        e["name"]: e["extractedText"]
        for e in spdx.get("hasExtractedLicensingInfos", [])
        if e["licenseId"].startswith("LicenseRef-conda-")
    }
    assert extracted == expected


def test_zlib_ships_its_license_text():
    (zlib,) = [r for r in ON_DISK if _id(r) == "main/linux-64/zlib-1.2.11-h7b6447c_3.conda"]
    bom = json.loads(render_cyclonedx(facts_for(zlib)))
    (text,) = bom["metadata"]["component"]["evidence"]["licenses"]
    assert text["license"]["name"] == "info/LICENSE.txt"
    assert "Jean-loup Gailly" in text["license"]["text"]["content"]


@pytest.mark.parametrize("record", ON_DISK[:2], ids=_id)
def test_short_form_has_no_file_components_but_keeps_licenses(record):
    short = json.loads(render_cyclonedx(facts_for(record, files=False)))
    root = short["metadata"]["component"]
    assert not [c for c in root.get("components", []) if c["type"] == "file"]
    assert root["evidence"]["licenses"]
    spdx = json.loads(render_spdx(facts_for(record, files=False)))
    assert "files" not in spdx and spdx["packages"][0]["filesAnalyzed"] is False
    assert "?files=false" in spdx["packages"][0]["comment"]


def test_spdx_files_carry_sha1_and_the_verification_code(tmp_path):
    (zlib,) = [r for r in ON_DISK if _id(r) == "main/win-64/zlib-1.2.11-h62dcd97_3.tar.bz2"]
    root = extract(archive_path(zlib), tmp_path)
    doc = json.loads(render_spdx(facts_for(zlib)))
    package = doc["packages"][0]
    sha1s = []
    for file in doc["files"]:
        sums = {c["algorithm"]: c["checksumValue"] for c in file["checksums"]}
        data = (root / file["fileName"][2:]).read_bytes()
        assert sums == {
            "SHA1": sha1(data).hexdigest(),
            "SHA256": hashlib.sha256(data).hexdigest(),
        }
        sha1s.append(sums["SHA1"])
    code = sha1("".join(sorted(sha1s)).encode()).hexdigest()
    assert package["packageVerificationCode"]["packageVerificationCodeValue"] == code
    contains = [r for r in doc["relationships"] if r["relationshipType"] == "CONTAINS"]
    assert len(contains) == len(doc["files"]) == 9


def test_provenance_from_about_and_the_rendered_recipe():
    (zlib,) = [r for r in ON_DISK if _id(r) == "main/linux-64/zlib-1.2.11-h7b6447c_3.conda"]
    bom = json.loads(render_cyclonedx(facts_for(zlib)))
    root = bom["metadata"]["component"]
    refs = {(r["type"], r["url"]) for r in root["externalReferences"]}
    assert ("source-distribution", "http://zlib.net/zlib-1.2.11.tar.gz") in refs
    assert ("vcs", "https://github.com/madler/zlib") in refs  # about.json dev_url
    (ancestor,) = root["pedigree"]["ancestors"]
    assert ancestor["purl"].startswith("pkg:generic/zlib@1.2.11?checksum=sha256:c3e5e9fd")
    (formula,) = bom["formulation"]
    assert formula["workflows"][0]["name"] == "conda-build 3.16.2 build of " + zlib.filename
    pins = {c["purl"] for c in formula["components"]}
    assert "pkg:conda/gcc_impl_linux-64@7.3.0?build=habb00fd_1" in pins
    properties = {p["name"]: p["value"] for p in root["properties"]}
    assert properties["conda:contents:archive-sha256-verified"] == "true"
    assert properties["conda:build:conda-build-version"] == "3.16.2"


def test_no_contents_is_said_plainly():
    (record,) = [r for r in records("private") if r.filename == "r-base-3.4.2-haf99962_0.tar.bz2"]
    bom = json.loads(render_cyclonedx(facts_for(record)))
    properties = {p["name"]: p["value"] for p in bom["metadata"]["component"]["properties"]}
    assert properties["conda:contents:status"].startswith("unavailable:")
    spdx = json.loads(render_spdx(facts_for(record)))
    assert spdx["packages"][0]["comment"].startswith(
        "files not listed: package contents unavailable"
    )


def test_python_distributions_are_nested_components_with_pypi_purls():
    import dataclasses

    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from contents.info import python_distributions

    (zlib,) = [r for r in ON_DISK if _id(r) == "main/linux-64/zlib-1.2.11-h7b6447c_3.conda"]
    facts = facts_for(zlib)
    # site-packages paths of conda-forge's numpy-1.26.4-py311h7125741_0 (conda/rattler
    # test-data conda-meta/numpy-1.26.4-py311h7125741_0.json @105471831140)
    python = python_distributions(
        [{"path": "lib/python3.11/site-packages/numpy-1.26.4.dist-info/METADATA"}]
    )
    facts = dataclasses.replace(facts, contents={**facts.contents, "python": python})
    text = render_cyclonedx(facts)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    root = json.loads(text)["metadata"]["component"]
    (numpy,) = [c for c in root["components"] if c["type"] == "library"]
    assert numpy["purl"] == "pkg:pypi/numpy@1.26.4"
    assert numpy["evidence"]["occurrences"] == [
        {"location": "lib/python3.11/site-packages/numpy-1.26.4.dist-info"}
    ]
