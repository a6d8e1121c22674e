"""The environments page's downloads (gateway/web/environments.py) on the real gateway app."""

from __future__ import annotations

import base64
import html
import json
import re

import pytest

from tests.conftest import gateway_client
from tests.environments.lockdata import PIXI

LOCK = next(p for p in PIXI if p.name.startswith("setup-pixi"))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return gateway_client(tmp_path_factory.mktemp("env-page"))


@pytest.mark.parametrize(
    ("label", "suffix", "key"),
    [("SPDX 2.3", "spdx.json", "spdxVersion"), ("SPDX 3.0.1", "spdx3.json", "@context")],
)
def test_the_report_page_offers_each_spdx_download(client, label, suffix, key):
    page = client.post(
        "/ui/environments?platform=linux-64", data={"lockfile_text": LOCK.read_text()}
    ).data.decode()
    (action,) = re.findall(rf'formaction="([^"]+)">{re.escape(label)}</button>', page)
    encoded = re.search(r'name="lockfile_b64" value="([^"]+)"', page).group(1)
    assert base64.b64decode(encoded) == LOCK.read_bytes()
    response = client.post(html.unescape(action), data={"lockfile_b64": encoded})
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="environment-default-linux-64.{suffix}"'
    assert key in json.loads(response.data)
