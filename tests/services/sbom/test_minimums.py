"""The minimum elements (BSI TR-03183-2, CISA 2024) in SPDX 2.3 and CycloneDX, for every
embedded package file: each expected value is derived here from the archive itself, read with
the standard library (tests/contents/conftest.py `members`), not by the code under test."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from common.settings import Settings
from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.spdx import render_spdx
from tests.contents.conftest import ZLIB_CONDA
from tests.contents.conftest import members
from tests.services.sbom.realdata import archive_path
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import find
from tests.services.sbom.realdata import range_read_facts
from tests.services.sbom.realdata import records

ON_DISK = [r for channel in ("main", "test-recipes") for r in records(channel)]
ON_DISK = [r for r in ON_DISK if archive_path(r).is_file()]


def _id(record) -> str:
    return f"{record.channel}/{record.subdir}/{record.filename}"


def _license_texts(record) -> dict[str, str]:
    """The license texts the archive ships, as conda-build lays them out."""
    held = members(archive_path(record))
    names = sorted(n for n in held if n.startswith("info/licenses/") and held[n].data)
    names = names or [n for n in ("info/LICENSE.txt",) if n in held and held[n].data]
    return {n: held[n].data.decode("utf-8", "replace") for n in names}


def _root(spdx: dict) -> dict:
    (described,) = [
        r["relatedSpdxElement"]
        for r in spdx["relationships"]
        if r["relationshipType"] == "DESCRIBES"
    ]
    return next(p for p in spdx["packages"] if p["SPDXID"] == described)


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_concluded_license_is_the_declared_one_only_when_texts_ship(record):
    facts = facts_for(record)
    declared = facts.file.get("license_spdx")
    expected = declared if declared and _license_texts(record) else None
    root = _root(json.loads(render_spdx(facts)))
    assert root["licenseConcluded"] == (expected or "NOASSERTION")
    assert ("concluded license NOASSERTION" in root["licenseComments"]) == (expected is None)
    bom = json.loads(render_cyclonedx(facts))
    component = bom["metadata"]["component"]
    concluded = [
        entry["license"].get("id")
        for entry in component.get("licenses", [])
        if entry.get("license", {}).get("acknowledgement") == "concluded"
    ]
    properties = {p["name"]: p["value"] for p in component.get("properties", [])}
    assert (concluded[:1] or [properties.get("conda:license:concluded")])[0] == expected
    assert ("conda:license:concluded-none" in properties) == (expected is None)


def _copyright_lines(texts: dict[str, str]) -> list[str]:
    """Lines of the texts that open with a copyright notice (the oracle: plain prefixes)."""
    found = []
    for text in texts.values():
        for line in text.splitlines():
            line = line.strip()
            if line.startswith(("Copyright", "(C)", "(c)", "©")) and line not in found:
                found.append(line)
    return found


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_copyright_statements_are_the_texts_own_and_none_is_invented(record):
    facts = facts_for(record)
    texts = _license_texts(record)
    root = _root(json.loads(render_spdx(facts)))
    component = json.loads(render_cyclonedx(facts))["metadata"]["component"]
    if not texts:
        # named file, named reason: nothing ships to find a copyright statement in
        assert root["copyrightText"] == "NOASSERTION", _id(record)
        assert "ships no license or notice text" in root["licenseComments"]
        assert "copyright" not in component
        return
    statements = root["copyrightText"].splitlines()
    assert statements and statements == component["copyright"].splitlines()
    for statement in statements:  # verbatim from a shipped text
        assert any(statement in text for text in texts.values()), statement
    assert statements == _copyright_lines(texts)


def _sha512(record) -> str:
    return hashlib.sha512(archive_path(record).read_bytes()).hexdigest()


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_a_whole_read_gives_the_package_files_sha512(record):
    facts = facts_for(record)
    root = _root(json.loads(render_spdx(facts)))
    checksums = {c["algorithm"]: c["checksumValue"] for c in root["checksums"]}
    assert checksums["SHA512"] == _sha512(record)
    component = json.loads(render_cyclonedx(facts))["metadata"]["component"]
    assert {h["alg"]: h["content"] for h in component["hashes"]}["SHA-512"] == _sha512(record)


def test_a_range_read_says_there_is_no_sha512_and_how_to_get_one():
    facts = range_read_facts()
    root = _root(json.loads(render_spdx(facts)))
    assert "SHA512" not in {c["algorithm"] for c in root["checksums"]}
    assert "SHA-512 not computed" in root["licenseComments"]
    assert "CONTENTS_MODE=full" in root["licenseComments"]
    component = json.loads(render_cyclonedx(facts))["metadata"]["component"]
    assert "SHA-512" not in {h["alg"] for h in component["hashes"]}
    properties = {p["name"]: p["value"] for p in component["properties"]}
    assert "SHA-512 not computed" in properties["conda:package:sha512-none"]


@pytest.mark.parametrize(
    ("contact", "spdx_creator", "url"),
    [
        ("sbom-team@example.org", "Organization: ACME SBOM (sbom-team@example.org)", None),
        (
            "https://sbom.example.org/contact",
            "Organization: ACME SBOM",
            "https://sbom.example.org/contact",
        ),
    ],
)
def test_the_sbom_creator_and_contact_come_from_the_settings(contact, spdx_creator, url):
    settings = Settings.from_env(
        {"SBOM_CREATOR_NAME": "ACME SBOM", "SBOM_CREATOR_CONTACT": contact}, with_channels=False
    )
    facts = dataclasses.replace(
        facts_for(find("main", "linux-64", ZLIB_CONDA.name)),
        creator_name=settings.sbom_creator_name,
        creator_contact=settings.sbom_creator_contact,
    )
    info = json.loads(render_spdx(facts))["creationInfo"]
    assert spdx_creator in info["creators"]
    assert (f"contact {url}" in info.get("comment", "")) == (url is not None)
    manufacturer = json.loads(render_cyclonedx(facts))["metadata"]["manufacturer"]
    assert manufacturer["name"] == "ACME SBOM"
    assert manufacturer.get("url", [None]) == [url]
    if url is None:
        assert manufacturer["contact"] == [{"name": "ACME SBOM", "email": contact}]


def test_the_creator_defaults_to_conda_badges_with_the_public_url():
    settings = Settings.from_env({}, with_channels=False)
    assert settings.sbom_creator_name == "conda-badges" and settings.sbom_creator_contact == ""
    facts = dataclasses.replace(
        facts_for(find("main", "linux-64", ZLIB_CONDA.name)),
        namespace_base="https://badges.example.org",
    )
    manufacturer = json.loads(render_cyclonedx(facts))["metadata"]["manufacturer"]
    assert manufacturer["url"] == ["https://badges.example.org"]


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_file_components_say_executable_and_archive_from_the_members(record):
    held = members(archive_path(record))
    bom = json.loads(render_cyclonedx(facts_for(record)))
    spdx = json.loads(render_spdx(facts_for(record)))
    spdx_files = {f["fileName"].removeprefix("./"): f for f in spdx.get("files", [])}
    for component in bom["metadata"]["component"].get("components", []):
        if component["type"] != "file":
            continue
        properties = {p["name"]: p["value"] for p in component.get("properties", [])}
        member = held[component["name"]]
        assert properties["conda:file:executable"] == str(bool(member.mode & 0o111)).lower()
        archive = component["name"].endswith((".a", ".zip", ".tar.gz", ".tar.bz2", ".whl"))
        assert (properties.get("conda:file:archive") == "true") == archive, component["name"]
        if spdx_files:
            types = spdx_files[component["name"]].get("fileTypes", [])
            assert ("ARCHIVE" in types) == archive
    if record.filename.startswith("zlib-1.2.11-h7b6447c_3"):  # the real static library
        names = [c["name"] for c in bom["metadata"]["component"]["components"]]
        assert "lib/libz.a" in names
