"""The edge treats every spelling that looks like a token as a token: the real nginx of
`make run` (`python -m deploy.edge`) before a real gateway and badges service never stores
the answer (nor any cache file holds the token) and never writes the token to access.log."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.conftest import mint
from tests.deploy.edges import start_edge
from tests.processes import http_get
from tests.processes import start_system

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("edge")]

BADGE = "/main/zlib/badges/version.svg"
SBOM = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json"
SPELLINGS = {  # how each request carries the token `{t}` (a real HS256 JWT)
    "semicolon": BADGE + "?label={label};token={t}",
    "brackets": BADGE + "?label={label}&token[]={t}",
    "plus": BADGE + "?label={label}&+token={t}",
    "escaped-equals": BADGE + "?label={label}&token%3D{t}",
    "escaped-letter": BADGE + "?label={label}&%54oken={t}",
    "upper-case-path": "/T/{t}" + BADGE + "?label={label}",
    "unknown-parameter": BADGE + "?label={label}&session={t}",
    "escaped-dots": BADGE + "?label={label}&x={t_escaped}",
    "in-a-path-segment": "/main/{t}/badges/version.svg?label={label}",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("edge-tokens")
    env = {"TRUSTED_PROXIES": "127.0.0.1", "PUBLIC_URL": "http://edge.example"}
    system = start_system(tmp / "system", env, only=("gateway", "badges", "sbom"))
    edge = start_edge(tmp / "edge", system.gateway_url)
    edge.system = system
    yield edge
    edge.stop()
    system.stop()


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_a_token_in_any_spelling_is_never_stored_or_logged(world, spelling):
    token = mint("main", audience=["api", "badges", "sbom"])
    escaped = token.replace(".", "%2E")
    label = f"spell-{uuid.uuid4().hex[:8]}"
    url = SPELLINGS[spelling].format(t=token, t_escaped=escaped, label=label)
    before = len(world.access_log())
    for _ in range(2):  # the second would be a HIT had the first been stored
        status, head, _ = http_get(world.url, url)
        assert head["x-edge-cache"] == "BYPASS", (spelling, status, head)
    time.sleep(0.2)
    assert len(world.access_log()) == before + 2  # both requests were logged...
    signature = token.split(".")[2]
    for log in [world.directory / "access.log", *world.system.app_log_paths]:
        text = log.read_bytes()  # the edge's, and the gateway's and service's logs
        for secret in (token, escaped, signature, signature[:20]):  # ...without the token
            assert secret.encode() not in text, (spelling, log.name)
    for entry in world.cached_files():
        assert signature.encode() not in entry.read_bytes(), spelling


@pytest.mark.parametrize("path", [BADGE + "?label=plain&style=flat", SBOM])
def test_answers_without_a_token_are_still_stored(world, path):
    http_get(world.url, path)
    status, head, _ = http_get(world.url, path)
    assert status == 200 and head["x-edge-cache"] == "HIT", path
