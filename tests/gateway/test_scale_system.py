"""Issue 15 over real loopback HTTP with real gunicorn: sharded channels answer like whole ones,
one index build per upstream change per host, the legacy package, the fallback upstream."""

import json
import shutil
import threading
import time

import pytest

from gateway.shards.format import decode_index
from tests.conftest import CHANNELS
from tests.conftest import RECORDED
from tests.gateway.channels import fixture_channel
from tests.gateway.channels import rattler_channel
from tests.processes import UpstreamServer
from tests.processes import free_port
from tests.processes import http_get
from tests.processes import start_gunicorn
from tests.processes import start_system

# one worker runs the module in order: the request-log test must see a host with no shards yet
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("scale-system")]

LEGACY_FILE = "zlib-1.2.11-h1de35cc_3.tar.bz2"
PAIRS = {  # sharded channel -> the same channel served whole
    "main-sharded": "main-whole",
    "recipes-sharded": "recipes-whole",
    "fixture-sharded": "fixture-whole",
}
BADGE_KINDS = ("version", "license", "platforms", "latest_release_date")


@pytest.fixture(scope="module")
def upstreams(tmp_path_factory):
    """Loopback servers for every channel, keyed by channel name, plus the fallback hosts."""
    made = tmp_path_factory.mktemp("channels")
    roots = {}
    roots["main-sharded"], roots["main-whole"] = rattler_channel("main", made / "main")
    roots["recipes-sharded"], roots["recipes-whole"] = rattler_channel(
        "test-recipes", made / "recipes"
    )
    roots["fixture-sharded"], roots["fixture-whole"] = fixture_channel(made)
    roots["cold-sharded"] = roots["main-sharded"]  # the same data, asked for only once
    servers = {name: UpstreamServer(root=root) for name, root in roots.items()}
    forge = made / "conda-host"
    shutil.copytree(roots["main-sharded"], forge / "forge")
    servers["conda-host"] = UpstreamServer(root=forge)
    servers["api-host"] = UpstreamServer(
        routes={"/package/anaconda/pytest": RECORDED / "anaconda-api/package/anaconda/pytest.json"}
    )
    legacy = made / "legacy"
    shutil.copytree(CHANNELS / "main", legacy)
    path = legacy / "osx-64" / "repodata.json"
    document = json.loads(path.read_text())
    # what the issue reports a real indexer wrote for a legacy package without a subdir in
    # its index.json: the record says "unknown", the file sits in osx-64/
    document["packages"][LEGACY_FILE]["subdir"] = "unknown"
    path.write_text(json.dumps(document))
    yield servers, legacy
    for server in servers.values():
        server.close()


@pytest.fixture(scope="module")
def running(upstreams, tmp_path_factory):
    servers, legacy = upstreams
    work = tmp_path_factory.mktemp("scale-system")
    lines = []
    for name, server in servers.items():
        if name.endswith(("-host",)):
            continue
        lines += [f"[channels.{name}]", f'url = "{server.url}"']
        lines.append('download_url = "https://conda.example.org/main"')
        if name.startswith("fixture"):
            lines.append('subdirs = ["linux-64"]')
        if name in ("main-sharded", "cold-sharded"):
            lines.append("crawl_shards = false")  # the request log must show no crawl
    lines += ["[channels.legacy]", f'url = "{legacy.as_uri()}"']
    lines += ["[channels.private]", f'url = "{(CHANNELS / "private").as_uri()}"', "private = true"]
    config = work / "channels.toml"
    config.write_text("\n".join(lines) + "\n")
    system = start_system(
        work,
        {
            "GATEWAY_CHANNELS_FILE": str(config),
            "GATEWAY_FALLBACK_UPSTREAM": servers["conda-host"].url,
            "GATEWAY_FALLBACK_API": servers["api-host"].url,
            "GATEWAY_FALLBACK_SUBDIRS": "noarch,linux-64,osx-64,win-32,win-64",
            "RATE_LIMIT": "off",
        },
    )
    yield system
    system.stop()


def _json(base: str, path: str):
    status, _, body = http_get(base, path)
    return status, json.loads(body) if body[:1] in (b"{", b"[") else body


def _names(base: str, channel: str) -> list[str]:
    status, body = _json(base, f"/api/channels/{channel}/artifacts?limit=500")
    assert status == 200
    assert body["freshness"]["source"] == "repodata" and body["freshness"]["complete"] is True
    return [item["name"] for item in body["items"]]


def _everything(base: str, channel: str, names: list[str]) -> dict:
    """Artifact, files, badges (shields JSON) and SBOMs of every package, channel name removed."""
    out = {}
    for name in names:
        status, artifact = _json(base, f"/api/channels/{channel}/artifacts/conda/{name}")
        assert status == 200, (channel, name, artifact)
        artifact.pop("channel")
        status, files = _json(base, f"/api/channels/{channel}/artifacts/conda/{name}/files")
        badges = {}
        for kind in BADGE_KINDS:
            status, badge = _json(base, f"/{channel}/{name}/badges/{kind}.json")
            assert status == 200, (channel, name, kind)
            badges[kind] = badge
        sboms = {}
        for file in files["items"]:
            for form in ("cdx", "spdx"):
                path = f"/{channel}/{file['subdir']}/{file['filename']}.{form}.json"
                status, _, body = http_get(base, path)
                assert status == 200, (path, body[:300])
                sboms[path.replace(channel, "CH")] = body.decode().replace(channel, "CH")
        text = json.dumps([artifact, files, badges]).replace(channel, "CH")
        out[name] = (json.loads(text), sboms)
    return out


def test_the_request_log_shows_the_index_and_one_shard_per_cold_package(running, upstreams):
    servers, _ = upstreams
    server = servers["cold-sharded"]
    # the first test of the module: no shard is on this host yet. Ask for zlib many times
    # through both gateway processes (two workers each)
    for _ in range(4):
        for base in (running.gateway_url, running.metadata_url):
            status, _ = _json(base, "/api/channels/cold-sharded/artifacts/conda/zlib")
            assert status == 200
    indexes = {p for p in server.hits if p.endswith("/repodata_shards.msgpack.zst")}
    root = server.root
    expected_shards = set()
    for index in indexes:
        subdir = index.split("/")[1]
        digest = decode_index((root / index.lstrip("/")).read_bytes(), "x/y").shards.get("zlib")
        if digest:
            expected_shards.add(f"/{subdir}/shards/{digest}.msgpack.zst")
    assert len(expected_shards) == 4  # zlib is in linux-64, osx-64, win-32 and win-64
    assert set(server.hits) - {"/channeldata.json"} == indexes | expected_shards
    assert all(server.hits[p] == 1 for p in indexes | expected_shards)  # once per host


@pytest.mark.parametrize("sharded", sorted(PAIRS))
def test_a_sharded_channel_answers_like_the_same_channel_whole(running, upstreams, sharded):
    whole = PAIRS[sharded]
    names = _names(running.gateway_url, whole)
    assert names
    by_shards = _everything(running.gateway_url, sharded, names)
    by_whole = _everything(running.gateway_url, whole, names)
    assert by_shards == by_whole
    servers, _ = upstreams
    assert not any("repodata.json" in path for path in servers[sharded].hits)


def test_the_legacy_package_is_listed_under_its_folder(running):
    base = running.gateway_url
    status, files = _json(base, "/api/channels/legacy/artifacts/conda/zlib/files?subdir=osx-64")
    assert status == 200
    legacy = next(f for f in files["items"] if f["filename"] == LEGACY_FILE)
    assert legacy["subdir"] == "osx-64" and legacy["record_subdir"] == "unknown"
    status, artifact = _json(base, "/api/channels/legacy/artifacts/conda/zlib")
    assert "unknown" not in artifact["platforms"]
    status, _, sbom = http_get(base, f"/legacy/osx-64/{LEGACY_FILE}.cdx.json")
    assert status == 200 and LEGACY_FILE in sbom.decode()
    status, badge = _json(base, "/legacy/zlib/badges/platforms.json")
    assert status == 200 and "osx-64" in badge["message"] and "unknown" not in badge["message"]


def test_the_fallback_upstream_answers_api_badges_and_sboms(running, upstreams):
    servers, _ = upstreams
    base = running.gateway_url
    status, artifact = _json(base, "/api/channels/forge/artifacts/conda/zlib")
    assert status == 200 and artifact["latest_version"] == "1.2.11"
    status, _, svg = http_get(base, "/forge/zlib/badges/version.svg")
    assert status == 200 and b"1.2.11" in svg
    status, _, sbom = http_get(base, "/forge/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json")
    assert status == 200 and b"zlib" in sbom
    status, artifact = _json(base, "/api/channels/anaconda/artifacts/conda/pytest")
    assert status == 200 and artifact["download_count"] > 0
    status, _, svg = http_get(base, "/anaconda/pytest/badges/downloads.svg")
    assert status == 200
    status, files = _json(base, "/api/channels/anaconda/artifacts/conda/pytest/files")
    file = files["items"][0]
    status, _, sbom = http_get(base, f"/anaconda/{file['subdir']}/{file['filename']}.cdx.json")
    assert status == 200, sbom[:300]
    assert not any("repodata.json" in p for p in servers["conda-host"].hits)


def test_private_and_reserved_names_never_reach_the_fallback(running, upstreams):
    servers, _ = upstreams
    before = (dict(servers["conda-host"].hits), dict(servers["api-host"].hits))
    for path in (
        "/private/r-base/badges/version.svg",
        "/PRIVATE/r-base/badges/version.svg",
        "/api/channels/Private/artifacts/conda/r-base",
        "/api/channels/healthz/artifacts",
    ):
        status, _, _ = http_get(running.gateway_url, path)
        assert status == 404
    assert (dict(servers["conda-host"].hits), dict(servers["api-host"].hits)) == before


@pytest.fixture
def two_gateways(tmp_path):
    """Two gateway processes (two workers each) on one host, one whole channel, TTL 2 s."""
    _, root = rattler_channel("test-recipes", tmp_path / "made")
    upstream = UpstreamServer(root=root)
    config = tmp_path / "channels.toml"
    config.write_text(f'[channels.recipes]\nurl = "{upstream.url}"\nttl = 2\n')
    env = {
        "STATE_DIR": str(tmp_path / "state"),
        "GATEWAY_CHANNELS_FILE": str(config),
        "TOKEN_HS256_SECRET": "x" * 32,
        "RATE_LIMIT": "off",
    }
    ports = [free_port(), free_port()]
    gateways = [
        start_gunicorn("gateway.wsgi:app", port, env, tmp_path / "logs", f"g{port}")
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    yield bases, root, tmp_path / "state" / "index" / "builds.log", upstream
    for process in gateways:
        process.stop()
    upstream.close()


def _burst(bases: list[str], path: str, count: int = 40) -> list[int]:
    statuses = []

    def one(i):
        statuses.append(http_get(bases[i % 2], path)[0])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_four_workers_in_two_processes_build_once_per_change(two_gateways):
    bases, root, builds, _ = two_gateways
    assert _burst(bases, "/api/channels/recipes/artifacts/conda/dependent") == [200] * 40
    assert len(builds.read_text().splitlines()) == 1
    # the upstream changes: one file of `dependent` removed (real records, one less)
    for name in ("repodata.json.zst", "repodata.json"):
        (root / "noarch" / name).unlink()
    document = json.loads((root.parent / "sharded" / "noarch" / "repodata.json").read_text())
    document["packages.conda"].pop("dependent-2.0-0.conda")
    (root / "noarch" / "repodata.json").write_text(json.dumps(document))
    time.sleep(2.2)
    deadline = time.monotonic() + 90
    versions = set()
    while time.monotonic() < deadline:
        statuses = _burst(bases, "/api/channels/recipes/artifacts/conda/dependent", 8)
        assert statuses == [200] * 8  # the old index answers while the new one builds
        versions = {
            _json(base, "/api/channels/recipes/artifacts/conda/dependent")[1]["latest_version"]
            for base in bases
            for _ in range(4)
        }
        if versions == {"1.0"}:
            break
        time.sleep(0.2)
    assert versions == {"1.0"}
    assert len(builds.read_text().splitlines()) == 2
