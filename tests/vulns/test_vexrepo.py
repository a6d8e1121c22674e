"""The VEX repository's pure parts: statements, documents, index, archive, manifest.

Checked against the real schemas in data/vex-spec (see its PROVENANCE) and the spec's layout.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
import re
import tarfile

import jsonschema
import pytest

from tests.conftest import DATA
from vulns import vexrepo

SPEC = DATA / "vex-spec"


def schema(name: str) -> dict:
    """One of the real schemas in data/vex-spec."""
    return json.loads((SPEC / name).read_text())


def index_schema_without_id_pattern() -> dict:
    """The index schema with its `id` pattern set aside (it rejects the spec's own example)."""
    relaxed = copy.deepcopy(schema("index.schema.json"))
    del relaxed["properties"]["packages"]["items"]["properties"]["id"]["pattern"]
    return relaxed


def test_every_schema_matches_its_provenance_row():
    text = (SPEC / "PROVENANCE.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \|.*?\| (\d+) \| `([0-9a-f]{64})` \|", text, re.MULTILINE)
    assert {p for p, _, _ in rows} == {p.name for p in SPEC.glob("*.json")}
    for path, size, sha256 in rows:
        body = (SPEC / path).read_bytes()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (int(size), sha256)


def test_the_index_schemas_id_pattern_rejects_the_specs_own_example():
    """README's example id `pkg:npm/lodash` fails the pattern: the pattern, not us, is off."""
    example = {
        "updated_at": "2023-07-04T12:00:00Z",
        "packages": [{"id": "pkg:npm/lodash", "location": "pkg/npm/lodash/vex.json"}],
    }
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        jsonschema.validate(example, schema("index.schema.json"))
    jsonschema.validate(example, index_schema_without_id_pattern())


ZLIB = "pkg:conda/zlib@1.2.11?build=h7b6447c_3&channel=main&subdir=linux-64&type=conda"
OTHER = "pkg:conda/zlib@1.2.8?build=0&channel=main&subdir=win-64&type=tar.bz2"


def found(**changes) -> vexrepo.FileStatement:
    base = dict(vuln_id="CVE-2022-37434", aliases=(), purl=ZLIB, status="reported")
    return vexrepo.FileStatement(**{**base, **changes})


@pytest.mark.parametrize(
    "item, expected",
    [
        (found(), {"status": "under_investigation"}),
        (found(status="disputed"), {"status": "under_investigation"}),
        (
            found(
                status="cleared",
                vex_status="not_affected",
                justification="vulnerable_code_not_present",
                detail="no MiniZip",
            ),
            {
                "status": "not_affected",
                "justification": "vulnerable_code_not_present",
                "impact_statement": "no MiniZip",
            },
        ),
        (
            found(status="active", vex_status="affected", detail="upgrade to 1.2.12"),
            {"status": "affected", "action_statement": "upgrade to 1.2.12"},
        ),
        (found(status="active", vex_status="affected"), {"status": "affected"}),
        (found(status="mitigated", vex_status="fixed"), {"status": "fixed"}),
    ],
)
def test_each_status_becomes_a_valid_openvex_statement(item, expected):
    document = vexrepo.package_document("zlib", [item], "urn:x", "us", "2026-01-01T00:00:00Z")
    jsonschema.validate(document, schema("openvex_json_schema.json"))
    (body,) = document["statements"]
    assert {k: body[k] for k in expected} == expected
    assert body["products"] == [{"@id": ZLIB}]


def test_one_statement_per_cve_and_status_with_every_file_as_a_product():
    items = [found(), found(purl=OTHER), found(vuln_id="CVE-2018-25032", aliases=("GHSA-x",))]
    document = vexrepo.package_document("zlib", items, "urn:x", "us", "2026-01-01T00:00:00Z")
    by_id = {s["vulnerability"]["name"]: s for s in document["statements"]}
    assert [p["@id"] for p in by_id["CVE-2022-37434"]["products"]] == sorted([ZLIB, OTHER])
    assert by_id["CVE-2018-25032"]["vulnerability"]["aliases"] == ["GHSA-x"]
    assert vexrepo.package_document("zlib", [], "urn:x", "us", "t") is None


def test_the_archive_has_the_specs_layout_and_the_same_bytes_every_time():
    document = vexrepo.package_document("zlib", [found()], "urn:x", "us", "2026-01-01T00:00:00Z")
    files = vexrepo.repository_files({"zlib": document, "r-base": document}, "2026-01-01T00:00:00Z")
    body = vexrepo.archive(files)
    assert body == vexrepo.archive(dict(reversed(list(files.items()))))
    assert gzip.decompress(body)  # a gzip stream (mtime 0: no build time in the bytes)
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    index = json.loads(members["index.json"])
    jsonschema.validate(index, index_schema_without_id_pattern())
    assert index["packages"] == [
        {"id": "pkg:conda/r-base", "location": "pkg/conda/r-base/vex.json"},
        {"id": "pkg:conda/zlib", "location": "pkg/conda/zlib/vex.json"},
    ]
    for entry in index["packages"]:
        jsonschema.validate(
            json.loads(members[entry["location"]]), schema("openvex_json_schema.json")
        )


def test_the_manifest_follows_the_manifest_schema():
    manifest = vexrepo.manifest("n", "d", "https://example.org/vex/v0.1/x.tar.gz", "5m")
    jsonschema.validate(manifest, schema("vex-repository.schema.json"))
    assert manifest["versions"][0]["spec_version"] == "0.1"


@pytest.mark.parametrize("seconds, text", [(300, "5m"), (3600, "1h"), (7200, "2h"), (0, "1m")])
def test_update_intervals_are_go_durations_the_schema_accepts(seconds, text):
    assert vexrepo.update_interval(seconds) == text


def test_a_name_with_special_characters_is_url_encoded_in_its_location():
    assert vexrepo.location("a+b") == "pkg/conda/a%2Bb/vex.json"
