"""The gateway's pooled calls to the badges and SBOM services survive a service closing an
idle kept-alive connection just as the gateway reuses it."""

from __future__ import annotations

from tests.common.dropping_server import DroppingServer
from tests.conftest import gateway_client


def test_a_badge_is_served_when_the_service_drops_a_reused_connection(tmp_path):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    with DroppingServer(body=svg, content_type="image/svg+xml").running() as service:
        client = gateway_client(tmp_path, BADGES_URL=service.url, RATE_LIMIT="off")
        answers = [client.get(f"/main/zlib/badges/version.svg?label=n{n}") for n in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all(answer.data == svg for answer in answers)
    assert len(service.requests) == 5  # the 2nd and 3rd each went out twice
