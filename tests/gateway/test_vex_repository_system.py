"""The published VEX repository, read as a client would (real gunicorn processes, real data).

A client follows the VEX Repository Specification v0.1: the manifest at
`/.well-known/vex-repository.json`, a version it supports (0.1), the first location, the
archive's `index.json`, the package's entry, its OpenVEX document. What it finds must be what
the package page and `/cves` show, and its products must be the purls of our SBOMs.
"""

from __future__ import annotations

import io
import json
import tarfile
from urllib.parse import urlsplit

import jsonschema
import pytest

from common.settings import Settings
from tests.processes import http_get as get
from tests.vulns.test_vexrepo import index_schema_without_id_pattern
from tests.vulns.test_vexrepo import schema
from vulns.vexrepo import update_interval

pytestmark = pytest.mark.integration

CURATED = "CVE-2023-45853"  # data/vex/main.openvex.json clears it for zlib 1.2.11


def follow(base: str, root: str, headers: dict | None = None) -> tuple[dict, dict, dict]:
    """(manifest, index, {path: bytes}) reached from `<root>/.well-known/vex-repository.json`."""
    status, answer, body = get(base, f"{root}/.well-known/vex-repository.json", headers)
    assert status == 200, body
    assert answer["cache-control"] == ("private, no-store" if headers else "no-cache")
    manifest = json.loads(body)
    jsonschema.validate(manifest, schema("vex-repository.schema.json"))
    (version,) = [v for v in manifest["versions"] if v["spec_version"] == "0.1"]
    url = urlsplit(version["locations"][0]["url"])
    status, _, archive = get(base, url.path, headers)
    assert status == 200, archive
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    index = json.loads(files["index.json"])
    jsonschema.validate(index, index_schema_without_id_pattern())
    return manifest, index, files


def document(index: dict, files: dict, purl: str) -> dict:
    """The OpenVEX document the index names for a package purl (validated)."""
    (entry,) = [p for p in index["packages"] if p["id"] == purl]
    body = json.loads(files[entry["location"]])
    jsonschema.validate(body, schema("openvex_json_schema.json"))
    return body


def test_a_client_finds_the_curation_the_package_page_shows(system):
    _, index, files = follow(system.gateway_url, "")
    vex = document(index, files, "pkg:conda/zlib")
    about = [s for s in vex["statements"] if s["vulnerability"]["name"] == CURATED]
    (cleared,) = [s for s in about if s["status"] == "not_affected"]
    status, _, body = get(system.gateway_url, "/api/channels/main/artifacts/conda/zlib/cves")
    (item,) = [i for i in json.loads(body)["items"] if i["id"] == CURATED]
    shown = [f for f in item["files"] if f["status"] == "cleared"]
    assert shown and {f["justification"] for f in shown} == {cleared["justification"]}
    assert {f["detail"] for f in shown} == {cleared["impact_statement"]}
    status, _, page = get(system.gateway_url, "/ui/fragments/cves/main/zlib")
    assert status == 200
    row = page.decode().split(CURATED, 1)[1].split("</tr>", 1)[0]
    assert f'cve-status--cleared">cleared</span> <span class="muted">({len(shown)} files)' in row
    assert len(cleared["products"]) == len(shown)
    others = [f for f in item["files"] if f["status"] != "cleared"]
    assert sum(len(s["products"]) for s in about if s is not cleared) == len(others)


def test_every_product_is_the_purl_our_sbom_gives_that_file(system):
    _, index, files = follow(system.gateway_url, "")
    vex = document(index, files, "pkg:conda/zlib")
    products = {p["@id"] for s in vex["statements"] for p in s["products"]}
    _, _, body = get(system.gateway_url, "/api/channels/main/artifacts/conda/zlib/files")
    sbom_purls = set()
    for file in json.loads(body)["items"]:
        status, _, bom = get(
            system.gateway_url, f"/main/{file['subdir']}/{file['filename']}.cdx.json"
        )
        assert status == 200, bom
        sbom_purls.add(json.loads(bom)["metadata"]["component"]["purl"])
    assert products == sbom_purls


def test_a_private_channel_is_never_public_and_answers_only_to_its_token(system, mint_token):
    manifest, index, files = follow(system.gateway_url, "")
    assert "private" not in json.dumps(manifest)
    assert not [p for p in index["packages"] if p["id"] == "pkg:conda/r-base"]
    assert not [f for f, body in files.items() if b"channel=private" in body]
    root = "/api/channels/private/vex"
    other = {"Authorization": f"Bearer {mint_token('main')}"}
    for headers, expected in (({}, 404), ({"Authorization": "Bearer junk"}, 401), (other, 403)):
        status, _, _ = get(system.gateway_url, f"{root}/.well-known/vex-repository.json", headers)
        assert status == expected
    token = {"Authorization": f"Bearer {mint_token('private')}"}
    _, index, files = follow(system.gateway_url, root, token)
    vex = document(index, files, "pkg:conda/r-base")
    products = {p["@id"] for s in vex["statements"] for p in s["products"]}
    assert products and all("channel=private" in p for p in products)
    status, headers, _ = get(system.gateway_url, f"{root}/v0.1/vex-repository.tar.gz", token)
    assert status == 200 and headers["cache-control"] == "private, no-store"


def test_the_archive_is_etagged_and_answers_304(system):
    status, headers, body = get(system.gateway_url, "/vex/v0.1/vex-repository.tar.gz")
    assert status == 200 and headers["etag"].startswith('"')
    assert headers["cache-control"].startswith("public, max-age=")
    for _ in range(3):  # whichever worker answers: the same bytes, so the same ETag
        again = get(
            system.gateway_url,
            "/vex/v0.1/vex-repository.tar.gz",
            {"If-None-Match": headers["etag"]},
        )
        assert (again[0], again[2], again[1]["etag"]) == (304, b"", headers["etag"])


def test_the_index_lists_exactly_the_public_packages_with_a_matched_cve(system):
    manifest, index, _ = follow(system.gateway_url, "")
    expected, built_at = set(), set()
    _, _, body = get(system.gateway_url, "/api/channels")
    for channel in json.loads(body)["items"]:
        _, _, page = get(system.gateway_url, f"/api/channels/{channel['name']}/artifacts?limit=500")
        for item in json.loads(page)["items"]:
            path = f"/api/channels/{channel['name']}/artifacts/conda/{item['name']}/cves"
            cves = json.loads(get(system.gateway_url, path)[2])
            if cves["total"]:
                expected.add(f"pkg:conda/{item['name']}")
                built_at.add(cves["database"]["built_at"])
    assert {p["id"] for p in index["packages"]} == expected and expected
    assert {index["updated_at"]} == built_at
    ttl = Settings.from_env(system.env).default_ttl
    assert manifest["versions"][0]["update_interval"] == update_interval(ttl)
