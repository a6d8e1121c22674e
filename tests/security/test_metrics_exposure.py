"""Finding 9: /metrics was public, named private channels, and grew a series per invented
HTTP method."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import mint
from tests.security.conftest import request

pytestmark = pytest.mark.integration


def test_metrics_are_not_served_on_the_public_port(attacked):
    for base in (
        attacked.gateway_url,
        attacked.metadata_url,
        attacked.badges_url,
        attacked.sbom_url,
    ):
        assert request(base, "/metrics").status == 404


def test_metrics_have_bounded_methods_and_no_private_channel_names(attacked):
    token = mint("private")
    answer = request(
        attacked.gateway_url,
        "/api/channels/private/artifacts/conda/r-base",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 200
    for _ in range(5):
        request(attacked.gateway_url, "/api/channels", method="X" + uuid.uuid4().hex[:8].upper())
    text = request(attacked.metrics_urls["gateway"], "/metrics").body.decode()
    assert "http_requests_total" in text
    methods = set(re.findall(r'^http_requests_total\{[^}]*method="([^"]*)"', text, re.M))
    assert methods <= {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"}
    assert "other" in methods
    assert '"private"' not in text
