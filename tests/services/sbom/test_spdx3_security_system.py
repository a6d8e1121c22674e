"""The SPDX 3.0.1 Security profile through the real gateway and SBOM processes (gunicorn): the
document's vulnerabilities, scores and VEX classes against the gateway's own `/cves` answer."""

from __future__ import annotations

import json

import pytest

from tests.processes import http_get as get
from tests.services.sbom.test_spdx3_security import CVSS_TYPES
from tests.services.sbom.test_spdx3_security import EXPECTED_VEX

pytestmark = pytest.mark.integration

SUBDIR, FILENAME = "linux-64", "zlib-1.2.11-h7b6447c_3.conda"


def test_the_spdx3_document_carries_what_cves_lists_for_the_file(system):
    _, _, body = get(system.gateway_url, "/api/channels/main/artifacts/conda/zlib/cves")
    items = [i for i in json.loads(body)["items"] if f"{SUBDIR}/{FILENAME}" in i["affected_files"]]
    assert items, "zlib 1.2.11 has CVEs in the embedded database"
    status, _, body = get(system.gateway_url, f"/main/{SUBDIR}/{FILENAME}.spdx3.json")
    assert status == 200, body
    graph = json.loads(body)["@graph"]
    names = {e["spdxId"]: e["name"] for e in graph if e["type"] == "security_Vulnerability"}
    assert sorted(names.values()) == sorted(i["id"] for i in items)
    scores = {
        (names[e["from"]], e["type"], float(e["security_score"]))
        for e in graph
        if e["type"] in CVSS_TYPES.values()
    }
    assert scores == {
        (i["id"], CVSS_TYPES[v], s["score"]) for i in items for v, s in i["scores"].items()
    }
    vex = {names[e["from"]]: e["type"] for e in graph if e["type"].startswith("security_Vex")}
    for item in items:
        (entry,) = [f for f in item["files"] if (f["subdir"], f["filename"]) == (SUBDIR, FILENAME)]
        assert vex[item["id"]] == EXPECTED_VEX[entry["status"]][0]
