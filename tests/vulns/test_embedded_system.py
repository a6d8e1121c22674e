"""`make run`'s embedded default through the real processes: API, badge, page and SBOMs.

Expected answers come from the recorded records (tests/vulns/records.py) and from the embedded
channel's OpenVEX file, read here with plain json.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.conftest import DATA
from tests.processes import http_get
from tests.vulns import records
from vulns.database import Snapshot

pytestmark = pytest.mark.integration
ZLIB_LATEST = {"CVE-2018-25032", "CVE-2022-37434", "CVE-2023-45853"}


def get_json(system, path: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, _, body = http_get(system.gateway_url, path, headers)
    return status, json.loads(body)


def embedded_curation() -> dict[str, set[str]]:
    """CVE id -> conda versions the embedded main channel's OpenVEX clears (plain reading)."""
    document = json.loads((DATA / "vex" / "main.openvex.json").read_text())
    cleared: dict[str, set[str]] = {}
    for statement in document["statements"]:
        assert statement["status"] == "not_affected"
        versions = {p["@id"].split("@", 1)[1] for p in statement["products"]}
        cleared.setdefault(statement["vulnerability"]["name"], set()).update(versions)
    return cleared


def test_zlib_on_main_shows_its_nvd_cves_with_nvds_scores(system, vulns_db):
    status, body = get_json(system, "/api/channels/main/artifacts/conda/zlib/cves")
    assert status == 200 and body["covered"] is True
    assert body["database"]["version"] == Snapshot(vulns_db).version
    items = {item["id"]: item for item in body["items"]}
    assert set(items) == records.nvd_cves_for_cpe("zlib:zlib", "1.2.11") == ZLIB_LATEST
    for cve_id, item in items.items():
        record = records.nvd(cve_id)
        assert item["score"] == records.nvd_primary_v31(record)
        assert item["scores"]["3.1"]["vector"] == next(
            m["cvssData"]["vectorString"]
            for m in record["metrics"]["cvssMetricV31"]
            if m["source"] == "nvd@nist.gov"
        )
        assert item["modified_at"].startswith(record["lastModified"][:10])
        assert item["url"] == f"https://nvd.nist.gov/vuln/detail/{cve_id}"
    cleared = embedded_curation()
    for cve_id, item in items.items():
        for entry in item["files"]:
            expected = "cleared" if entry["version"] in cleared.get(cve_id, ()) else "reported"
            assert entry["status"] == expected, (cve_id, entry["filename"])


def test_zlib_files_and_artifact_carry_score_count_and_status(system):
    _, files = get_json(system, "/api/channels/main/artifacts/conda/zlib/files")
    cleared = embedded_curation()
    for entry in files["items"]:
        expected = records.nvd_cves_for_cpe("zlib:zlib", entry["version"])
        open_ids = {c for c in expected if entry["version"] not in cleared.get(c, ())}
        assert entry["cve_count"] == len(expected)
        assert entry["cve_status"] == "reported"
        assert entry["cve_score"] == max(records.nvd_primary_v31(records.nvd(c)) for c in open_ids)
    _, artifact = get_json(system, "/api/channels/main/artifacts/conda/zlib")
    assert (artifact["latest_version"], artifact["cve_count"]) == ("1.2.11", len(ZLIB_LATEST))
    assert artifact["cve_covered"] is True and artifact["cve_database"]["version"]


def test_r_base_3_on_private_shows_cve_2024_27322(system, mint_token):
    token = mint_token("private")
    status, body = get_json(system, "/api/channels/private/artifacts/conda/r-base/cves", token)
    assert status == 200
    (item,) = body["items"]
    assert item["id"] == "CVE-2024-27322"
    span = records.cve5("CVE-2024-27322")["containers"]["cna"]["affected"][0]["versions"][0]
    _, files = get_json(system, "/api/channels/private/artifacts/conda/r-base/files", token)
    for entry in files["items"]:
        inside = records.numbers(span["version"]) <= records.numbers(entry["version"])
        inside &= records.numbers(entry["version"]) < records.numbers(span["lessThan"])
        assert entry["cve_count"] == int(inside)
        assert (f"{entry['subdir']}/{entry['filename']}" in item["affected_files"]) == inside
    assert any(v.startswith("3.") for v in item["affected_versions"])


@pytest.mark.parametrize("package", ["readxl", "jsonlite"])
def test_r_packages_show_exactly_the_rsec_advisories_including_them(system, mint_token, package):
    token = mint_token("private")
    base = f"/api/channels/private/artifacts/conda/r-{package}"
    _, files = get_json(system, f"{base}/files", token)
    assert files["items"]
    for entry in files["items"]:
        expected = records.rsec_ids_for(package, entry["version"])
        _, found = get_json(system, f"{base}/cves?filename={quote(entry['filename'])}", token)
        assert {i["id"] for i in found["items"]} == expected, entry["filename"]
        assert entry["cve_count"] == len(expected)


def test_a_package_with_no_mapping_is_not_covered_in_api_badge_and_page(system):
    status, body = get_json(system, "/api/channels/main/artifacts/conda/vc/cves")
    assert status == 200 and body["covered"] is False and body["items"] == [] and body["reason"]
    _, artifact = get_json(system, "/api/channels/main/artifacts/conda/vc")
    assert artifact["cve_covered"] is False and artifact["cve_count"] is None
    _, files = get_json(system, "/api/channels/main/artifacts/conda/vc/files")
    assert all(f["cve_count"] is None and f["cve_status"] is None for f in files["items"])
    status, _, svg = http_get(system.gateway_url, "/main/vc/badges/cves.svg")
    assert status == 200 and b"not tracked" in svg and b"#9f9f9f" in svg
    _, badge = get_json(system, "/main/vc/badges/cves.json")
    assert (badge["message"], badge["color"]) == ("not tracked", "lightgrey")
    status, _, page = http_get(system.gateway_url, "/main/vc", {"Accept": "text/html"})
    assert status == 200 and b'data-cve-state="not-covered"' in page and b"not covered" in page


def test_the_zlib_badge_counts_its_open_cves_by_severity(system):
    _, body = get_json(system, "/api/channels/main/artifacts/conda/zlib/cves?version=1.2.11")
    bands = {}
    for item in body["items"]:
        if any(
            f["status"] in ("active", "reported") for f in item["files"] if f["version"] == "1.2.11"
        ):
            score = records.nvd_primary_v31(records.nvd(item["id"]))
            band = "critical" if score >= 9 else "high" if score >= 7 else "medium"
            bands[band] = bands.get(band, 0) + 1
    _, badge = get_json(system, "/main/zlib/badges/cves.json")
    order = ["critical", "high", "medium"]
    assert badge["message"] == ", ".join(f"{bands[b]} {b}" for b in order if b in bands)
    assert badge["color"] == ("red" if "critical" in bands else "orange")
    _, snippets = get_json(system, "/main/zlib/badges")
    assert snippets["badges"]["cves"]["url"].endswith("/main/zlib/badges/cves.svg")


@pytest.mark.parametrize(
    "query",
    ["score_gte=high", "score_lte=10.5", "status=fixed", "published_after=soon", "limit=0"],
)
def test_bad_filter_values_are_400(system, query):
    status, body = get_json(system, f"/api/channels/main/artifacts/conda/zlib/cves?{query}")
    assert status == 400 and body["error"]["code"] == "invalid_parameter"


def test_the_sboms_carry_the_same_cves_and_the_database(system):
    filename = "zlib-1.2.11-h7b6447c_3.conda"
    _, body = get_json(system, f"/api/channels/main/artifacts/conda/zlib/cves?filename={filename}")
    status, _, raw = http_get(system.gateway_url, f"/main/linux-64/{filename}.cdx.json")
    assert status == 200
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(raw.decode()) is None
    bom = json.loads(raw)
    states = {v["id"]: v["analysis"]["state"] for v in bom["vulnerabilities"]}
    expected = {
        i["id"]: {"cleared": "not_affected", "reported": "in_triage"}[
            next(f["status"] for f in i["files"] if f["filename"] == filename)
        ]
        for i in body["items"]
    }
    assert states == expected and states["CVE-2023-45853"] == "not_affected"
    props = {p["name"]: p["value"] for p in bom["metadata"]["properties"]}
    assert props["conda:vulns:database-version"] == body["database"]["version"]
    status, _, raw = http_get(system.gateway_url, f"/main/linux-64/{filename}.spdx.json")
    refs = json.loads(raw)["packages"][0]["externalRefs"]
    assert {r["referenceLocator"] for r in refs if r["referenceType"] == "advisory"} == {
        i["url"] for i in body["items"]
    }
    assert "cpe:2.3:a:zlib:zlib:1.2.11:*:*:*:*:*:*:*" in {r["referenceLocator"] for r in refs}


def test_the_page_shows_the_cves_with_every_cvss_version_on_hover(system):
    status, _, page = http_get(system.gateway_url, "/main/zlib", {"Accept": "text/html"})
    text = page.decode()
    assert status == 200 and 'id="cves"' in text
    for cve_id in ZLIB_LATEST:
        assert f'data-cve="{cve_id}"' in text
    v2 = records.nvd("CVE-2018-25032")["metrics"]["cvssMetricV2"][0]["cvssData"]["baseScore"]
    assert f'title="CVSS 3.1: 7.5 high (NVD) · CVSS 2.0: {v2} medium (NVD)"' in text
    assert "not endorsed or certified by the NVD" in text and "CC-BY-4.0" in text
    status, _, filtered = http_get(
        system.gateway_url, "/ui/fragments/cves/main/zlib?score_lte=8", {"Accept": "text/html"}
    )
    assert filtered.decode().count("data-cve=") == 1 and b"CVE-2018-25032" in filtered


def test_answers_match_the_openapi_document(system, mint_token):
    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    _, _, raw = http_get(system.gateway_url, "/api/openapi.yaml")
    spec = yaml.safe_load(raw)
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(spec))

    def check(schema: str, body: dict) -> None:
        validator = Draft202012Validator(
            {"$ref": f"urn:openapi#/components/schemas/{schema}"}, registry=registry
        )
        errors = sorted(validator.iter_errors(body), key=str)
        assert errors == [], errors[0].message

    token = mint_token("private")
    for channel, name in (("main", "zlib"), ("main", "vc"), ("private", "r-readxl")):
        base = f"/api/channels/{channel}/artifacts/conda/{name}"
        check("CvePage", get_json(system, f"{base}/cves", token)[1])
        check("Artifact", get_json(system, base, token)[1])
        for entry in get_json(system, f"{base}/files", token)[1]["items"]:
            check("File", entry)
