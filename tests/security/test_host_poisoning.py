"""Finding 2: the public base URL came from the client's Host (and X-Forwarded-* from
127.0.0.1), and the gateway stored that answer for everyone."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.security.conftest import request

pytestmark = pytest.mark.integration


def _urls(body: bytes) -> list[str]:
    data = json.loads(body)
    return [badge["url"] for badge in data["badges"].values()] + [data["link"]]


@pytest.mark.parametrize(
    "hostile",
    [
        {"Host": "evil.example"},
        {"X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Proto": "https"},
        {"Forwarded": "host=evil.example;proto=https"},
    ],
    ids=["host", "x-forwarded-host", "x-forwarded-proto", "forwarded"],
)
def test_headers_a_client_sends_cannot_change_the_snippet_urls_anyone_gets(attacked, hostile):
    port = attacked.gateway_url.rsplit(":", 1)[1]
    path = f"/main/zlib/badges?x={uuid.uuid4().hex[:8]}"
    poisoned = request(attacked.gateway_url, path, headers=hostile)
    if poisoned.status == 200:  # allowed, but never built on what the client said
        assert not any(
            "evil.example" in url or url.startswith("https") for url in _urls(poisoned.body)
        )
    else:
        assert poisoned.status == 400 and poisoned.json()["error"]["code"] == "host_not_allowed"
    victim = request(attacked.gateway_url, path, source="127.0.0.31")
    assert victim.status == 200
    assert all(url.startswith(f"http://127.0.0.1:{port}/") for url in _urls(victim.body))


def test_the_page_builds_snippets_on_allowed_hosts_only(attacked):
    page = request(attacked.gateway_url, "/main/zlib", headers={"Host": "evil.example"})
    assert b"evil.example" not in page.body
