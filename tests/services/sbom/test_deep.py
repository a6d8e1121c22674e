"""Deep SBOMs against the archives themselves: every file of paths.json, each hash re-computed
from an independent extraction, and the license texts the package ships."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.spdx import render_spdx
from tests.services.sbom.realdata import archive_path
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import records

try:
    from compression import zstd  # Python 3.14+
except ImportError:
    from backports import zstd

ON_DISK = [r for channel in ("main", "test-recipes") for r in records(channel)]
ON_DISK = [r for r in ON_DISK if archive_path(r).is_file()]


def _id(record) -> str:
    return f"{record.channel}/{record.subdir}/{record.filename}"


def extract(path: Path, dest: Path) -> Path:
    """Unpack a .conda (ZIP of zstd tarballs) or .tar.bz2 with the standard library only."""
    if path.name.endswith(".conda"):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith(".tar.zst"):
                    raw = zstd.decompress(archive.read(name))
                    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                        tar.extractall(dest, filter="tar")
    else:
        with tarfile.open(path, "r:bz2") as tar:
            tar.extractall(dest, filter="tar")
    return dest


def sha1(data: bytes):
    """SHA-1, as SPDX requires per file (not for security)."""
    return hashlib.sha1(data, usedforsecurity=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_archive_of_the_embedded_channels_is_covered():
    assert len(ON_DISK) == 8 + 32  # zlib in 4 subdirs (.conda and .tar.bz2), 32 test recipes


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_files_are_exactly_paths_json_and_rehash_to_its_sha256(record, tmp_path):
    root = extract(archive_path(record), tmp_path)
    paths_json = json.loads((root / "info" / "paths.json").read_text())["paths"]
    bom = json.loads(render_cyclonedx(facts_for(record)))
    files = {
        c["name"]: {h["alg"]: h["content"] for h in c["hashes"]}
        for c in bom["metadata"]["component"].get("components", [])
        if c["type"] == "file"
    }
    assert sorted(files) == sorted(p["_path"] for p in paths_json)
    regular = {}
    for entry in paths_json:
        extracted = root / entry["_path"]
        assert files[entry["_path"]]["SHA-256"] == entry["sha256"]
        if entry.get("path_type", "hardlink") == "hardlink":
            assert sha256(extracted) == entry["sha256"]
            assert extracted.stat().st_size == entry["size_in_bytes"]
            assert files[entry["_path"]]["SHA-1"] == sha1(extracted.read_bytes()).hexdigest()
            regular[entry["sha256"]] = extracted
    for entry in paths_json:
        if entry.get("path_type") == "softlink":
            # archives keep no data for links; paths.json gives the target's hash (CEP 34)
            assert entry["sha256"] in regular, entry["_path"]


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
