"""Fallback channel names never become metric label values: a real gateway (gunicorn) with
the fallback on, against loopback upstreams, asked for many channel names nobody configured."""

from __future__ import annotations

import re
import uuid

import pytest

from common.channels import load_channels
from common.observability import FALLBACK_CHANNEL_LABEL
from common.observability import PRIVATE_CHANNEL_LABEL
from tests.processes import REPO
from tests.processes import UpstreamServer
from tests.processes import http_get
from tests.processes import start_system

pytestmark = pytest.mark.integration

CHANNELS_FILE = REPO / "data" / "channels.toml"
LABEL = re.compile(r'^gateway_upstream_fetches_total\{channel="([^"]*)"', re.MULTILINE)


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    work = tmp_path_factory.mktemp("fallback-metrics")
    conda_host, api_host = UpstreamServer(root=work / "empty"), UpstreamServer()
    env = {
        "GATEWAY_CHANNELS_FILE": str(CHANNELS_FILE),
        "GATEWAY_FALLBACK_UPSTREAM": conda_host.url,
        "GATEWAY_FALLBACK_API": api_host.url,
        "RATE_LIMIT": "off",
    }
    running = start_system(work, env, only=("gateway",))
    running.upstream_hits = lambda: conda_host.count() + api_host.count()
    yield running
    running.stop()
    conda_host.close()
    api_host.close()


def test_many_fallback_names_add_one_label_value(system):
    http_get(system.gateway_url, "/api/channels/main/artifacts/conda/zlib")  # a configured one
    for _ in range(60):
        name = f"nobody-{uuid.uuid4().hex[:10]}"
        status, _, _ = http_get(system.gateway_url, f"/api/channels/{name}/artifacts/conda/zlib")
        assert status == 404
    assert system.upstream_hits() >= 60  # each name was looked up on the fallback upstream
    _, _, body = http_get(system.metrics_urls["gateway"], "/metrics")
    labels = set(LABEL.findall(body.decode()))
    configured = load_channels(CHANNELS_FILE, {})
    public = {c.name for c in configured.values() if not c.private}
    assert FALLBACK_CHANNEL_LABEL in labels and "main" in labels  # configured: by name
    assert labels <= public | {FALLBACK_CHANNEL_LABEL, PRIVATE_CHANNEL_LABEL}, labels
