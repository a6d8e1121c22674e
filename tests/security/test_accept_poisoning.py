"""Finding 4: the response cache keyed SBOMs on a normalized Accept while the SBOM service
negotiated on the raw header, so one request chose the format every later client got."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import SBOM_ACCEPT_POISON as POISON
from tests.conftest import sbom_document_format as document_format
from tests.conftest import sbom_document_paths
from tests.security.conftest import request

pytestmark = pytest.mark.integration

FILE = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda"
HOSTILE = [
    "application/spdx+json;q=2, */*",
    "application/spdx+json, */*;q=0.1",
    "application/vnd.cyclonedx+json; version=1.5, */*",
    "*/*, application/spdx+json;q=1.5",
]


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("suffix", ["/sbom.json", ".cdx.json"])
def test_one_clients_accept_header_does_not_choose_the_format_for_others(attacked, hostile, suffix):
    path = f"{FILE}{suffix}?x={uuid.uuid4().hex[:8]}"
    request(attacked.gateway_url, path, headers={"Accept": hostile})
    for accept in (None, "*/*", "application/json"):
        headers = {"Accept": accept} if accept else {}
        through_gateway = request(attacked.gateway_url, path, headers=headers, source="127.0.0.51")
        direct = request(attacked.sbom_url, path, headers=headers)
        assert through_gateway.status == direct.status == 200
        assert through_gateway.type == direct.type
        assert through_gateway.body == direct.body


@pytest.mark.parametrize("path", sbom_document_paths(FILE))
def test_no_sbom_route_lets_one_clients_accept_choose_the_format_for_others(attacked, path):
    """Every SBOM document route the service has (signed ones included): six requests with a
    hostile Accept, then a plain one from another client gets the plain format."""
    poisoned = f"{path}?x={uuid.uuid4().hex[:8]}"
    for accept in POISON * 3:
        request(attacked.gateway_url, poisoned, headers={"Accept": accept})
    fresh = request(attacked.gateway_url, f"{path}?x={uuid.uuid4().hex[:8]}", source="127.0.0.52")
    plain = request(attacked.gateway_url, poisoned, source="127.0.0.53")
    assert plain.status == fresh.status == 200
    assert document_format(plain.body) == document_format(fresh.body)
