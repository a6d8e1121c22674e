"""Finding 13a: HTML pages could be framed (no frame-ancestors, no X-Frame-Options)."""

from __future__ import annotations

import pytest

from tests.security.conftest import request

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/", "/main/zlib", "/no-such-channel/zlib"])
def test_html_pages_refuse_to_be_framed(attacked, path):
    page = request(attacked.gateway_url, path, headers={"Accept": "text/html"})
    assert page.type.startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
