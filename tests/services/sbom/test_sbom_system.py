"""SBOMs through the real gateway and SBOM processes (gunicorn), on the embedded channels."""

from __future__ import annotations

import json

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.processes import http_get as get
from tests.services.sbom.realdata import find

pytestmark = pytest.mark.integration

ZLIB = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda"
R_BASE = "/private/linux-64/r-base-3.4.2-haf99962_0.tar.bz2"


def test_public_cyclonedx_through_the_gateway_is_valid_and_true(system):
    status, headers, body = get(system.gateway_url, f"{ZLIB}.cdx.json")
    assert status == 200, body
    assert headers["content-type"] == "application/vnd.cyclonedx+json; version=1.6"
    assert headers["content-disposition"].startswith("attachment;")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(body.decode()) is None
    bom = json.loads(body)
    raw = find("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda").raw
    root = bom["metadata"]["component"]
    assert {h["alg"]: h["content"] for h in root["hashes"]}["SHA-256"] == raw["sha256"]
    (dep,) = bom["components"]
    assert dep["name"] == "libgcc-ng" and "hashes" in dep  # resolved through the gateway


@pytest.mark.parametrize("where", ["sbom_url", "gateway_url"])
def test_etag_and_304(system, where):
    base = getattr(system, where)
    status, headers, body = get(base, f"{ZLIB}.cdx.json")
    assert status == 200 and headers["etag"].startswith('"')
    for _ in range(3):  # whichever worker answers, the same bytes and a 304
        status, again, rest = get(base, f"{ZLIB}.cdx.json", {"If-None-Match": headers["etag"]})
        assert (status, rest, again["etag"]) == (304, b"", headers["etag"])


def test_negotiated_spdx_through_the_gateway(system):
    status, headers, body = get(
        system.gateway_url, f"{ZLIB}/sbom.json", {"Accept": "application/spdx+json"}
    )
    assert status == 200
    assert headers["content-type"] == "application/spdx+json"
    assert json.loads(body)["spdxVersion"] == "SPDX-2.3"


def test_private_sbom_with_a_token_and_refused_without(system, mint_token):
    status, _, body = get(system.gateway_url, f"{R_BASE}.spdx.json")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "channel_not_found"
    token = mint_token("private", audience="sbom")
    for path, headers in [
        (f"{R_BASE}.spdx.json", {"Authorization": f"Bearer {token}"}),
        (f"{R_BASE}.cdx.json?token={token}", {}),
        (f"/t/{token}{R_BASE}/sbom.json", {}),
    ]:
        status, got, body = get(system.gateway_url, path, headers)
        assert status == 200, (path, body[:300])
        assert got["cache-control"] == "private, no-store"
        assert b"r-base" in body and token.encode() not in body


def test_missing_file_through_the_gateway(system):
    status, _, body = get(system.gateway_url, "/main/linux-64/zlib-9.9-h0_0.conda.cdx.json")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "file_not_found"


def test_sbom_service_is_ready(system):
    status, _, body = get(system.sbom_url, "/readyz")
    assert status == 200, body
