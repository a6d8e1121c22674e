"""SPDX 3.0.1 documents: made with spdx-python-model, read back by it unchanged, and judged by
ntia-conformance-checker 6 (`bsi`, `fsct3-min`, `ntia`) for every embedded package file.

What the checker must find missing is derived here, per file, from the archive and the
repodata (not from the writer): the root package lacks a concluded license when it declares no
SPDX license or ships no license text, and copyright text when it ships none; a dependency
always lacks them and a SHA-512, since its own archive is not read (see docs/sbom-minimums.md).
"""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from ntia_conformance_checker.bsi_checker import BSIChecker
from ntia_conformance_checker.fsct_checker import FSCT3Checker
from ntia_conformance_checker.ntia_checker import NTIAChecker
from spdx_python_model.bindings import v3_0_1 as spdx3

from services.sbom.spdx3 import render_spdx3
from tests.contents.conftest import members
from tests.services.sbom.realdata import archive_path
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import records
from tests.services.sbom.test_minimums import _license_texts

CONTACT = "sbom-team@example.org"
ON_DISK = [r for channel in ("main", "test-recipes") for r in records(channel)]
ON_DISK = [r for r in ON_DISK if archive_path(r).is_file()]


def _id(record) -> str:
    return f"{record.channel}/{record.subdir}/{record.filename}"


def _read(text: str) -> spdx3.SHACLObjectSet:
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    return objects


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_the_document_round_trips_through_the_spdx3_model(record):
    text = render_spdx3(facts_for(record))
    objects = _read(text)  # the model checks every property's type and pattern as it reads
    assert not objects.link(), "every reference resolves to an element of the document"
    again = json.dumps(spdx3.JSONLDSerializer().serialize_data(objects), indent=2, sort_keys=True)
    assert json.loads(again) == json.loads(text)
    (document,) = objects.foreach_type(spdx3.SpdxDocument)
    assert document.creationInfo.specVersion == "3.0.1"
    packages = {p.name for p in objects.foreach_type(spdx3.software_Package)}
    assert record.raw["name"] in packages


def _expected_gaps(record) -> dict[str, set[str]]:
    """name -> reasons: what each reachable package cannot have, and why."""
    facts = facts_for(record)
    texts = _license_texts(record)
    root = record.raw["name"]
    gaps: dict[str, set[str]] = {}
    if not (facts.file.get("license_spdx") and texts):
        gaps.setdefault(root, set()).add("concluded")
    if not texts:
        gaps.setdefault(root, set()).add("copyright")
    resolved = [n for n in facts.graph().nodes.values() if n.file is not None]
    for node in resolved:  # in the document, but its own archive is not read
        gaps.setdefault(node.name, set()).update({"concluded", "copyright", "sha512"})
    held = members(archive_path(record))
    shipped = json.loads(held["info/paths.json"].data)["paths"] if "info/paths.json" in held else []
    if not resolved and not shipped:
        # nothing to relate: no dependency, no file (the document says dependsOn NoneElement)
        gaps.setdefault(root, set()).add("relationships")
    return gaps


def _names(missing: list[tuple[str, str]]) -> set[str]:
    return {name for name, _ in missing}


@pytest.mark.parametrize("record", ON_DISK, ids=_id)
def test_bsi_and_cisa_minimums_hold_except_where_a_named_reason_says_why(record, tmp_path):
    path = tmp_path / f"{record.filename}.spdx3.json"
    # a deployment names its contact (SBOM_CREATOR_CONTACT, else PUBLIC_URL): BSI needs one
    facts = dataclasses.replace(facts_for(record), creator_contact=CONTACT)
    path.write_text(render_spdx3(facts))
    gaps = _expected_gaps(record)
    wanted = {
        kind: {n for n, why in gaps.items() if kind in why}
        for kind in ("concluded", "copyright", "sha512")
    }
    bsi = BSIChecker(str(path), sbom_spec="spdx3")
    assert not bsi.validation_messages and not bsi.parsing_errors
    assert bsi.doc_creator and bsi.doc_timestamp and bsi.doc_uri and bsi.dependency_completeness
    for missing in (
        bsi.components_without_names,
        bsi.components_without_versions,
        bsi.components_without_creators,
        bsi.components_without_filenames,
        bsi.components_without_structured_prop,
    ):
        assert missing == [], _id(record)
    assert _names(bsi.components_without_concluded_licenses) == wanted["concluded"]
    assert _names(bsi.components_without_sha512_hashes) == wanted["sha512"]
    bsi_gaps = {n: g - {"relationships", "copyright"} for n, g in gaps.items()}
    assert bsi.compliant == (not any(bsi_gaps.values())), (_id(record), gaps)
    fsct = FSCT3Checker(str(path), compliance="fsct3-min", sbom_spec="spdx3")
    assert fsct.sbom_gen_context and fsct.doc_author
    assert fsct.dependency_relationships == (not any("relationships" in g for g in gaps.values()))
    assert _names(fsct.components_without_copyright_texts) == wanted["copyright"]
    assert _names(fsct.components_without_concluded_licenses) == wanted["concluded"]
    assert fsct.components_without_suppliers == []
    assert fsct.compliant == (not gaps)
    ntia = NTIAChecker(str(path), sbom_spec="spdx3")  # NTIA needs a relationship as well
    assert ntia.compliant == (not any("relationships" in g for g in gaps.values()))


def test_some_embedded_file_is_fully_conformant():
    """At least one real file has every element: a file with license texts and no resolved
    dependency (the rest are named, with reasons, by the test above)."""
    assert any(not _expected_gaps(r) for r in ON_DISK)


def test_without_a_contact_the_creator_is_not_enough_for_bsi(tmp_path):
    """No SBOM_CREATOR_CONTACT and no PUBLIC_URL: the creator has no email or URL (named)."""
    (record,) = [r for r in ON_DISK if _id(r) == "main/win-64/zlib-1.2.11-h62dcd97_3.conda"]
    path = tmp_path / "doc.spdx3.json"
    path.write_text(render_spdx3(facts_for(record)))
    assert not BSIChecker(str(path), sbom_spec="spdx3").doc_creator
    url = dataclasses.replace(facts_for(record), namespace_base="https://badges.example.org")
    path.write_text(render_spdx3(url))
    assert BSIChecker(str(path), sbom_spec="spdx3").doc_creator


@pytest.fixture
def sbom_client(tmp_path):
    from common.settings import Settings
    from services.sbom import create_app
    from tests.services.sbom.fakes import FakeMetadataClient

    settings = Settings.from_env(
        {"STATE_DIR": str(tmp_path), "SBOM_CREATOR_CONTACT": CONTACT},
        with_channels=False,
        token_hs256_secret="unit-test-secret-" + "x" * 32,
        internal_key="unit-test-internal-key",
    )
    app = create_app(settings, metadata_client=FakeMetadataClient())
    app.testing = True
    return app.test_client()


ZLIB = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda"
SPDX3_TYPE = "application/spdx+json; version=3.0.1"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (f"{ZLIB}.spdx3.json", {}),
        (f"{ZLIB}/sbom.json", {"Accept": SPDX3_TYPE}),
        (f"{ZLIB}/sbom.json?format=spdx3", {}),
        (f"{ZLIB}/sbom.json?format=spdx-3.0.1", {"Accept": "application/spdx+json"}),
    ],
)
def test_spdx3_by_suffix_accept_and_format(sbom_client, path, headers):
    response = sbom_client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == SPDX3_TYPE
    assert response.headers["Content-Disposition"].endswith('.spdx3.json"')
    objects = _read(response.get_data(as_text=True))
    (document,) = objects.foreach_type(spdx3.SpdxDocument)
    assert document.creationInfo.specVersion == "3.0.1"
    (creator,) = [o for o in objects.foreach_type(spdx3.Organization) if o.name == "conda-badges"]
    assert [i.identifier for i in creator.externalIdentifier] == [CONTACT]
    # the plain SPDX suffix stays 2.3
    assert sbom_client.get(f"{ZLIB}.spdx.json").get_json()["spdxVersion"] == "SPDX-2.3"


def test_the_signed_spdx3_document_verifies_offline(sbom_client, tmp_path, capsys):
    from attestation.cli import main as verify_cli

    envelope = sbom_client.get(f"{ZLIB}.spdx3.intoto.json")
    assert envelope.status_code == 200
    assert envelope.headers["Content-Disposition"].endswith('.spdx3.intoto.json"')
    keys = sbom_client.get("/.well-known/conda-badges/sbom-keys.json")
    (tmp_path / "e.json").write_bytes(envelope.data)
    (tmp_path / "k.json").write_bytes(keys.data)
    code = verify_cli([str(tmp_path / "e.json"), "--keys", str(tmp_path / "k.json"), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0 and answer["predicateType"] == "https://spdx.dev/Document"
    plain = sbom_client.get(f"{ZLIB}.spdx3.json").get_json()
    import base64

    statement = json.loads(base64.b64decode(json.loads(envelope.data)["payload"]))
    assert statement["predicate"] == plain


def test_a_file_channel_has_no_url_for_the_component_creator(tmp_path):
    """A channel read from disk (file://) has no URL: BSI's component creator is missing, named."""
    (record,) = [r for r in ON_DISK if _id(r) == "main/win-64/zlib-1.2.11-h62dcd97_3.conda"]
    facts = facts_for(record)
    local = dataclasses.replace(
        facts,
        creator_contact=CONTACT,
        file={**facts.file, "download_url": archive_path(record).as_uri()},
    )
    path = tmp_path / "doc.spdx3.json"
    path.write_text(render_spdx3(local))
    bsi = BSIChecker(str(path), sbom_spec="spdx3")
    packages = {p.name for p in _read(path.read_text()).foreach_type(spdx3.software_Package)}
    assert "zlib" in packages
    assert _names(bsi.components_without_creators) == packages


def test_a_range_read_gives_no_sha512_and_says_why():
    from tests.contents.conftest import ZLIB_CONDA
    from tests.services.sbom.realdata import range_read_facts

    objects = _read(render_spdx3(range_read_facts()))
    (artifact,) = [
        f for f in objects.foreach_type(spdx3.software_File) if f.name == ZLIB_CONDA.name
    ]
    assert [str(h.algorithm).rsplit("/", 1)[-1] for h in artifact.verifiedUsing] == ["sha256"]
    (root,) = [p for p in objects.foreach_type(spdx3.software_Package) if p.name == "zlib"]
    assert "SHA-512 not computed" in root.comment and "CONTENTS_MODE=full" in root.comment


def test_spdx_2_3_carries_the_same_minimums_but_cannot_state_an_sbom_type(tmp_path):
    """docs/sbom-minimums.md: the checker reads the SBOM type from SPDX 3 only, so an SPDX 2.3
    document with every package's concluded license and copyright is still not fsct3-min."""
    from services.sbom.spdx import render_spdx

    (record,) = [r for r in ON_DISK if _id(r) == "main/osx-64/zlib-1.2.11-h1de35cc_3.conda"]
    path = tmp_path / "doc.spdx.json"
    path.write_text(render_spdx(facts_for(record)))
    fsct = FSCT3Checker(str(path), compliance="fsct3-min", sbom_spec="spdx2")
    assert fsct.components_without_concluded_licenses == []
    assert fsct.components_without_copyright_texts == []
    assert fsct.sbom_gen_context == [] and not fsct.compliant
    assert NTIAChecker(str(path), sbom_spec="spdx2").compliant


def test_no_dependency_is_said_with_none_element_and_complete():
    (record,) = [r for r in ON_DISK if _id(r) == "main/osx-64/zlib-1.2.11-h1de35cc_3.conda"]
    assert not record.raw.get("depends")  # the repodata declares none
    graph = json.loads(render_spdx3(facts_for(record)))["@graph"]
    (depends,) = [e for e in graph if e.get("relationshipType") == "dependsOn"]
    assert depends["to"] == ["NoneElement"]  # the compact form of Core/NoneElement
    assert depends["completeness"] == "complete"


def test_equal_facts_give_equal_bytes():
    """The document lists its elements in a stable order (the model's object set has none)."""
    facts = facts_for(ON_DISK[0])
    assert render_spdx3(facts) == render_spdx3(facts)
