"""Every file of the embedded channels gives SBOMs that validators and NTIA checks accept,
in the deep form (files, license texts, provenance) and the short one (`?files=false`).

CycloneDX: the library's strict JSON schema validator (slow: ~0.25 s a document, so the private
channel's 4,211 files are all generated but a fixed-seed sample is schema-validated). SPDX:
spdx-tools' validator and ntia-conformance-checker's NTIA minimum elements.
"""

from __future__ import annotations

import json
import random
from functools import cache

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from ntia_conformance_checker import SbomChecker
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.identity import serial_uuid
from services.sbom.spdx import render_spdx
from tests.services.sbom.realdata import Record
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import records

SEED = 20261123
SMALL = records("main") + records("test-recipes")
PRIVATE = records("private")
CDX_SAMPLE = random.Random(SEED).sample(PRIVATE, 20)
SPDX_SAMPLE = random.Random(SEED + 1).sample(PRIVATE, 300)
CHUNKS = 8


def _id(record: Record) -> str:
    return f"{record.channel}/{record.subdir}/{record.filename}"


@cache
def _validator(version: str) -> JsonStrictValidator:
    return JsonStrictValidator({"1.6": SchemaVersion.V1_6, "1.5": SchemaVersion.V1_5}[version])


def check_cyclonedx(record: Record, version: str, files: bool = True) -> None:
    """Generate and strictly validate one CycloneDX document."""
    text = render_cyclonedx(facts_for(record, depth=1, files=files), version)
    error = _validator(version).validate_str(text)
    assert error is None, f"{_id(record)} CycloneDX {version}: {error}"


def check_spdx(record: Record, tmp_path, files: bool = True) -> None:
    """Generate one SPDX document; spdx-tools and the NTIA checker must both accept it."""
    text = render_spdx(facts_for(record, files=files))
    errors = validate_full_spdx_document(JsonLikeDictParser().parse(json.loads(text)))
    assert errors == [], f"{_id(record)}: {[e.validation_message for e in errors]}"
    path = tmp_path / f"{record.filename}.spdx.json"
    path.write_text(text)
    checker = SbomChecker(str(path), validate=True, compliance="ntia", sbom_spec="spdx2")
    assert checker.compliant, f"{_id(record)} is not NTIA-conformant: {checker.output_json()}"


@pytest.mark.parametrize("form", ["deep", "short"])
@pytest.mark.parametrize("version", ["1.6", "1.5"])
@pytest.mark.parametrize("record", SMALL, ids=_id)
def test_main_and_test_recipes_cyclonedx_is_schema_valid(record, version, form):
    check_cyclonedx(record, version, files=form == "deep")


@pytest.mark.parametrize("form", ["deep", "short"])
@pytest.mark.parametrize("record", SMALL, ids=_id)
def test_main_and_test_recipes_spdx_is_valid_and_ntia_conformant(record, tmp_path, form):
    check_spdx(record, tmp_path, files=form == "deep")


@pytest.mark.parametrize("version", ["1.6", "1.5"])
@pytest.mark.parametrize("record", CDX_SAMPLE, ids=_id)
def test_private_sample_cyclonedx_is_schema_valid(record, version):
    check_cyclonedx(record, version)


def test_private_sample_spdx_is_valid_and_ntia_conformant(tmp_path):
    for record in SPDX_SAMPLE:
        check_spdx(record, tmp_path)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_private_file_generates(chunk):
    for record in PRIVATE[chunk::CHUNKS]:
        facts = facts_for(record)
        bom = json.loads(render_cyclonedx(facts))
        assert bom["serialNumber"] == serial_uuid(record.raw["sha256"], "cyclonedx-1.6").urn
        assert bom["metadata"]["component"]["name"] == record.raw["name"]
        kept = {
            p["value"]
            for c in bom.get("components", [])
            for p in c["properties"]
            if p["name"] == "conda:dependency:match-spec"
        }
        assert kept == set(record.raw["depends"])
        doc = json.loads(render_spdx(facts))
        assert len(doc["packages"]) == 1 + len(bom.get("components", []))
