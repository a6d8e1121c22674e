"""Rate limits: per client, 429 with Retry-After, X-Forwarded-For only behind trusted proxies."""

import dataclasses

import pytest

from common.settings import Settings
from gateway import create_app
from gateway.limits import storage_uri
from tests.conftest import mint
from tests.processes import TEST_ISSUER
from tests.processes import TEST_SECRET


def _client(tmp_path, **overrides):
    settings = Settings.from_env(
        {"STATE_DIR": str(tmp_path), "TOKEN_HS256_SECRET": TEST_SECRET, "TOKEN_ISSUER": TEST_ISSUER}
    )
    settings = dataclasses.replace(settings, rate_limit="3 per minute", **overrides)
    return create_app(settings).test_client()


URL = "/api/channels/main/artifacts/conda/zlib"


def test_fourth_request_is_429_with_retry_after(tmp_path):
    client = _client(tmp_path)
    statuses = [client.get(URL).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(URL)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert client.get("/healthz").status_code == 200  # health is never limited


@pytest.mark.parametrize(
    ("trusted", "expected"), [((), 429), (("127.0.0.1",), 200), (("10.0.0.0/8",), 429)]
)
def test_forwarded_for_counts_only_behind_a_trusted_proxy(tmp_path, trusted, expected):
    client = _client(tmp_path, trusted_proxies=trusted)
    for n in range(3):
        client.get(URL, headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert client.get(URL, headers={"X-Forwarded-For": "203.0.113.99"}).status_code == expected


def test_token_holders_are_counted_by_subject_not_address(tmp_path):
    client = _client(tmp_path)
    alice = mint("private", sub="alice")
    for _ in range(3):
        assert client.get(URL, headers={"Authorization": f"Bearer {alice}"}).status_code == 200
    assert client.get(URL, headers={"Authorization": f"Bearer {alice}"}).status_code == 429
    bob = mint("private", sub="bob")
    assert client.get(URL, headers={"Authorization": f"Bearer {bob}"}).status_code == 200


def test_counters_follow_the_redis_cache_when_configured(tmp_path):
    settings = Settings.from_env({"STATE_DIR": str(tmp_path)})
    assert storage_uri(settings) == "memory://"
    redis_settings = dataclasses.replace(settings, cache_url="redis://127.0.0.1:6399/0")
    assert storage_uri(redis_settings) == "redis://127.0.0.1:6399/0"
