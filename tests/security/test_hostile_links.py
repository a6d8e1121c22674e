"""Finding 11: `javascript:` and `data:` URLs from package metadata were rendered as links on the
package page and copied into SBOMs."""

from __future__ import annotations

import html
import json

import pytest

from tests.security.conftest import HOSTILE_DEV_URL
from tests.security.conftest import HOSTILE_HOME
from tests.security.conftest import request

pytestmark = pytest.mark.integration

FILE = "/hostile/linux-64/zlib-1.2.11-h7b6447c_3.conda"


def test_the_package_page_links_http_urls_only(attacked):
    page = request(attacked.gateway_url, "/hostile/zlib", headers={"Accept": "text/html"})
    assert page.status == 200
    text = page.body.decode()
    assert 'href="javascript:' not in text and 'href="data:' not in text
    assert html.escape(HOSTILE_HOME) in text  # shown as text, with a note
    assert 'href="http://zlib.net/manual.html"' in text  # the safe link is still a link


@pytest.mark.parametrize("suffix", [".cdx.json", ".spdx.json"])
def test_sboms_carry_http_urls_only(attacked, suffix):
    answer = request(attacked.gateway_url, FILE + suffix)
    assert answer.status == 200
    text = answer.body.decode()
    for hostile in (HOSTILE_HOME, HOSTILE_DEV_URL):
        assert json.dumps(hostile)[1:-1] not in text and hostile not in text
    assert "http://zlib.net/manual.html" in text or suffix == ".spdx.json"
