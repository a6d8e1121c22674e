"""Issue 20, item 2: one client request causes at most a documented number of upstream
requests, counted on a loopback upstream serving real recorded data, for every route the
gateway has (read from its url_map, so a new route is walked the day it is added), and the
upstream requests a request makes count against the client's rate limit."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from itertools import count

import pytest

from gateway.drivers.conda import COMMON_SUBDIRS
from tests.conftest import CHANNELS
from tests.conftest import RECORDED
from tests.conftest import gateway_client
from tests.conftest import sbom_document_paths
from tests.processes import System
from tests.processes import UpstreamServer
from tests.processes import start_redis
from tests.processes import start_system
from tests.security.conftest import request

pytestmark = pytest.mark.integration

BUDGET = 4  # UPSTREAM_REQUEST_BUDGET of this system
INTERNAL = 6  # UPSTREAM_INTERNAL_BUDGET of this system
LIMIT = 40  # requests per minute per client
# the metadata calls one badge or SBOM URL makes (docs/operations.md, "Upstream requests")
SERVICE_CALLS = {"badge": 1, "sbom": 5}
PYTEST_FILE = ("linux-32", "pytest-3.10.0-py27_0.tar.bz2")
RECIPES_FILE = ("noarch", "dependency-2.0-0.conda")
ANACONDA_NAMES = ["pytest", *(f"nope-{i}" for i in range(10))]  # search reads each one
CHANNEL_FILES = {"anaconda-rec": PYTEST_FILE, "anaconda": PYTEST_FILE, "remote": RECIPES_FILE}
_sources = count(10)


@pytest.fixture(scope="module")
def costed(tmp_path_factory) -> Iterator[tuple[System, UpstreamServer]]:
    """An anaconda-org channel and a conda channel over loopback HTTP (real recorded data),
    the fallback upstream on the same server, a small budget and Redis-shared limits."""
    work = tmp_path_factory.mktemp("costed")
    root = work / "upstream"
    shutil.copytree(CHANNELS / "test-recipes", root / "remote")
    recorded = RECORDED / "anaconda-api/package/anaconda/pytest.json"
    upstream = UpstreamServer(routes={"/package/anaconda/pytest": recorded}, root=root)
    channels = work / "channels.toml"
    channels.write_text(
        f'[channels.anaconda-rec]\ndriver = "anaconda-org"\nurl = "{upstream.url}"\n'
        f'owner = "anaconda"\ndownload_url = "{upstream.url}/downloads"\n'
        f"packages = {json.dumps(ANACONDA_NAMES)}\n"
        f'[channels.remote]\ndriver = "conda"\nurl = "{upstream.url}/remote"\n'
    )
    redis, redis_url = start_redis(work / "redis")
    env = {
        "GATEWAY_CHANNELS_FILE": str(channels),
        "GATEWAY_FALLBACK_UPSTREAM": f"{upstream.url}/conda-host",
        "GATEWAY_FALLBACK_API": upstream.url,
        "UPSTREAM_REQUEST_BUDGET": str(BUDGET),
        "UPSTREAM_INTERNAL_BUDGET": str(INTERNAL),
        "RATE_LIMIT": f"{LIMIT} per minute",
        "RATE_LIMIT_STORAGE_URL": redis_url,
    }
    try:
        system = start_system(work, env)
    except BaseException:
        redis.stop()
        upstream.close()
        raise
    yield system, upstream
    system.stop()
    redis.stop()
    upstream.close()


def _rules(tmp_path_factory) -> list[tuple[str, tuple[str, ...]]]:
    client = gateway_client(tmp_path_factory.mktemp("rules"))
    return [
        (rule.rule, tuple(sorted(rule.methods - {"HEAD", "OPTIONS"})))
        for rule in client.application.url_map.iter_rules()
    ]


def _fill(rule: str, channel: str, name: str) -> list[tuple[str, str]]:
    """(kind, path) for one route: its placeholders filled; the proxy's catch-all becomes
    every badge kind and every SBOM document URL."""
    subdir, filename = CHANNEL_FILES[channel]
    if rule == "/<path:path>":
        badges = [f"/{channel}/{name}/badges/{k}.svg" for k in ("version", "downloads", "cves")]
        sboms = sbom_document_paths(f"/{channel}/{subdir}/{filename}")
        return [("badge", p) for p in badges] + [("sbom", p) for p in sboms]
    values = {
        "<channel>": channel,
        "<subchannel>": "main",
        "<name>": name,
        "<subdir>": subdir,
        "<filename>": filename,
        "<path:filename>": "nope.css",
        "<lock_id>": "0" * 64,  # a watched environment nobody stored
    }
    path = rule
    for placeholder, value in values.items():
        path = path.replace(placeholder, value)
    assert "<" not in path, f"a new placeholder in {rule}: teach this test its values"
    query = f"?subdir={subdir}&filename={filename}&q={name}&name={name}"
    # the public VEX archive reads every public conda channel: the remote one's index too
    kind = "every-channel" if rule.startswith(("/vex/", "/.well-known/vex")) else "api"
    return [(kind, path + query)]


def _explicit_lock(base: str, channel: str, name: str) -> bytes:
    """An @EXPLICIT lockfile of 30 packages nobody asked for before, and `name`, all on the
    channel's URL: each one the environment's resolution may look up upstream."""
    subdir = CHANNEL_FILES[channel][0]
    names = [f"x{uuid.uuid4().hex[:10]}" for _ in range(30)] + [name]
    lines = ["@EXPLICIT", *(f"{base}/{channel}/{subdir}/{n}-1.0-0.conda" for n in names)]
    return "\n".join(lines).encode() + b"\n"


def _bound(kind: str, channel: str) -> int:
    """The documented most: the budget of each request the URL makes, plus, on a configured
    conda channel, its index refresh (both repodata URLs of each subdir, once per TTL)."""
    counted = BUDGET if kind in ("api", "every-channel") else SERVICE_CALLS[kind] * INTERNAL
    refresh = channel == "remote" or kind == "every-channel"
    return counted + (2 * len(COMMON_SUBDIRS) if refresh else 0)


@pytest.mark.parametrize("channel", sorted(CHANNEL_FILES))
def test_no_route_makes_more_upstream_requests_than_documented(costed, tmp_path_factory, channel):
    system, upstream = costed
    names = ["pytest" if channel != "remote" else "dependency", f"n{uuid.uuid4().hex[:10]}"]
    walked = 0
    for rule, methods in _rules(tmp_path_factory):
        for name in names:
            for kind, path in _fill(rule, channel, name):
                for method in methods:
                    body, content_type = None, {}
                    if method == "POST" and "environments" in path:
                        body = _explicit_lock(upstream.url, channel, name)
                    elif method == "POST":  # a batch of names nobody asked for before
                        specs = [f"x{uuid.uuid4().hex[:10]}" for _ in range(30)] + [name]
                        body = json.dumps({"specs": specs}).encode()
                        content_type = {"Content-Type": "application/json"}
                    before = upstream.count()
                    answer = request(
                        system.gateway_url,
                        path,
                        method=method,
                        body=body,
                        source=f"127.0.1.{next(_sources) % 250 + 2}",
                        headers=content_type,
                    )
                    spent = upstream.count() - before
                    assert answer.status != 500, (path, answer.body[:300])
                    assert spent <= _bound(kind, channel), (method, path, spent, answer.status)
                    walked += 1
    assert walked > 60


def _batch(system: System, count: int, source: str):
    """A batch of `count` names nobody asked for before, on the anaconda-org channel."""
    specs = [f"x{uuid.uuid4().hex[:10]}" for _ in range(count)]
    return request(
        system.gateway_url,
        "/api/channels/anaconda-rec/batch/files",
        method="POST",
        body=json.dumps({"specs": specs}).encode(),
        source=source,
        headers={"Content-Type": "application/json"},
    )


def test_a_batch_of_unknown_names_stops_at_the_budget_and_says_what_it_deferred(costed):
    system, upstream = costed
    before = upstream.count()
    answer = _batch(system, 50, "127.0.2.1")
    assert upstream.count() - before == BUDGET
    assert answer.status == 200 and answer.headers["cache-control"] == "no-store"
    items = answer.json()["items"]
    assert [i["found"] for i in items[:BUDGET]] == [False] * BUDGET
    assert all(i["found"] is None and i["deferred"] for i in items[BUDGET:])
    assert answer.json()["deferred"] == 50 - BUDGET


def test_the_upstream_requests_of_a_request_count_against_the_clients_limit(costed):
    system, _ = costed
    statuses = [_batch(system, 10, "127.0.2.2").status for _ in range(LIMIT // BUDGET + 2)]
    # each batch costs BUDGET upstream requests: LIMIT // BUDGET batches, then refusals
    assert statuses == [200] * (LIMIT // BUDGET) + [429] * 2


def test_an_api_channels_vex_repository_is_not_published(costed):
    """Listing an anaconda-org channel's packages would cost one upstream request each: its VEX
    repository URLs answer 404 `vex_not_served`, asking no upstream; a conda channel's answer."""
    system, upstream = costed
    before = upstream.count()
    for suffix in (".well-known/vex-repository.json", "v0.1/vex-repository.tar.gz"):
        answer = request(system.gateway_url, f"/api/channels/anaconda-rec/vex/{suffix}")
        assert answer.status == 404 and answer.json()["error"]["code"] == "vex_not_served"
        assert request(system.gateway_url, f"/api/channels/remote/vex/{suffix}").status == 200
    assert upstream.count() - before <= 2 * len(COMMON_SUBDIRS)  # the remote index, at most
