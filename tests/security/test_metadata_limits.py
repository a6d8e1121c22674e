"""Finding 1: the metadata gateway limited the badges and SBOM services as one client, so one
client's burst of uncached badges made everyone's badges and SBOMs fail."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.security.conftest import LIMIT
from tests.security.conftest import request

pytestmark = pytest.mark.integration

SBOM = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json"


def test_a_burst_of_random_badges_from_one_client_cannot_break_another_clients(attacked):
    attacker = "127.0.0.21"

    def random_badge(_: int) -> int:
        name = "nope-" + uuid.uuid4().hex[:12]
        return request(
            attacked.gateway_url, f"/main/{name}/badges/version.svg", source=attacker
        ).status

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(random_badge, range(2000)))
    assert statuses.count(404) >= LIMIT - 10  # the attacker got its own share, then refusals
    assert set(statuses) <= {404, 429}

    victim = "127.0.0.22"
    label = uuid.uuid4().hex[:8]  # uncached: the badges service must ask the metadata gateway
    badge = request(
        attacked.gateway_url, f"/main/zlib/badges/version.svg?label={label}", source=victim
    )
    assert badge.status == 200, badge.body[:300]
    assert b"unavailable" not in badge.body
    sbom = request(attacked.gateway_url, SBOM + f"?x={label}", source=victim)
    assert sbom.status == 200, sbom.body[:300]
    assert sbom.json()["bomFormat"] == "CycloneDX"


def test_services_are_not_limited_by_the_metadata_gateway(attacked):
    # the services call the metadata gateway from one address; with the internal key they are
    # trusted callers, not one public client sharing one bucket
    from tests.processes import TEST_INTERNAL_KEY

    keyed = {"X-Internal-Key": TEST_INTERNAL_KEY}
    statuses = [
        request(
            attacked.metadata_url, "/api/channels/main/artifacts/conda/zlib", headers=keyed
        ).status
        for _ in range(LIMIT + 20)
    ]
    assert statuses.count(200) == LIMIT + 20
