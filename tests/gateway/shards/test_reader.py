"""Sharded channels through the conda driver, in process, over real loopback HTTP."""

import shutil
import time

import msgpack
import pytest
import zstandard

from common.channels import parse_channels
from common.errors import UpstreamError
from common.errors import UpstreamInvalid
from common.settings import Settings
from gateway import artifacts
from gateway.drivers.conda import CondaDriver
from gateway.shards.format import decompress
from gateway.shards.format import sha256_hex
from gateway.upstream import UpstreamFetcher
from tests.gateway.channels import fixture_channel
from tests.gateway.channels import rattler_channel
from tests.processes import UpstreamServer

SAME_DOWNLOADS = 'download_url = "https://conda.example.org/main"\n'


def driver_for(
    state, url: str, extra: str = "", ttl: int = 300, cache_url: str = ""
) -> CondaDriver:
    """A conda driver for `url` with its own state folder (and HTTP cache, unless given)."""
    text = f'[channels.c]\nurl = "{url}"\nttl = {ttl}\n{extra}'
    channels = parse_channels(text, state, {})
    environ = {"STATE_DIR": str(state), "GATEWAY_CACHE_URL": cache_url}
    settings = Settings.from_env(environ, channels=channels)
    return CondaDriver(channels["c"], UpstreamFetcher(settings))


@pytest.fixture
def served(tmp_path):
    """A loopback server per folder, closed at the end."""
    servers = []

    def serve(root):
        server = UpstreamServer(root=root)
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.close()


def _answers(driver: CondaDriver, names: list[str]) -> dict:
    out = {}
    for name in names:
        info = driver.package(name, None)
        out[name] = (
            artifacts.artifact(info, "c", None, False),
            [artifacts.file_entry(f) for f in info.files],
        )
    return out


@pytest.mark.parametrize("source", ["main", "test-recipes", "fixture"])
def test_sharded_answers_equal_whole_answers(tmp_path, served, source):
    if source == "fixture":
        sharded, whole = fixture_channel(tmp_path)
        extra = 'subdirs = ["linux-64"]\n'
    else:
        sharded, whole = rattler_channel(source, tmp_path)
        extra = ""
    shard_server, whole_server = served(sharded), served(whole)
    by_shards = driver_for(tmp_path / "a", shard_server.url, extra + SAME_DOWNLOADS)
    by_whole = driver_for(tmp_path / "b", whole_server.url, extra + SAME_DOWNLOADS)
    names = [item["name"] for item in by_whole.search(None, "", 500, 0)[0]]
    assert names, "the whole channel lists its packages"
    assert _answers(by_shards, names) == _answers(by_whole, names)
    assert not any("repodata.json" in path for path in shard_server.hits), shard_server.hits
    assert not any("/shards/" in path for path in whole_server.hits)


def test_a_cold_look_up_costs_the_index_and_one_shard(tmp_path, served):
    sharded, _ = rattler_channel("test-recipes", tmp_path)
    server = served(sharded)
    driver = driver_for(tmp_path / "s", server.url, 'subdirs = ["noarch"]\ncrawl_shards = false\n')
    for name in ("dependent", "dependency", "dependent"):
        driver.package(name, None)
    shards = sorted(p for p in server.hits if p.startswith("/noarch/shards/"))
    assert len(shards) == 2 and all(server.hits[p] == 1 for p in shards)
    assert set(server.hits) == {
        "/channeldata.json",
        "/noarch/repodata_shards.msgpack.zst",
        *shards,
    }
    assert server.hits["/noarch/repodata_shards.msgpack.zst"] == 1
    # a second worker on the same host reads the shards from disk
    other = driver_for(tmp_path / "s", server.url, 'subdirs = ["noarch"]\ncrawl_shards = false\n')
    other.package("dependent", None)
    assert sum(server.hits[p] for p in shards) == 2


def test_sharded_download_urls_follow_the_index(tmp_path, served):
    sharded, _ = rattler_channel("main", tmp_path)
    server = served(sharded)
    info = driver_for(tmp_path / "s", server.url).package("zlib", None)
    by_name = {(f.subdir, f.filename): f for f in info.files}
    assert by_name[("linux-64", "zlib-1.2.11-h7b6447c_3.conda")].download_url == (
        f"{server.url}/linux-64/zlib-1.2.11-h7b6447c_3.conda"
    )


def _rewrite_index(folder, name: str, digest: str) -> None:
    """Point the shard index at `digest` for `name` (derived from the real index)."""
    path = folder / "repodata_shards.msgpack.zst"
    document = msgpack.unpackb(decompress(path.read_bytes(), 10**8))
    document["shards"][name] = bytes.fromhex(digest)
    path.write_bytes(zstandard.ZstdCompressor().compress(msgpack.packb(document)))


@pytest.fixture
def fixture_server(tmp_path, served):
    sharded, _ = fixture_channel(tmp_path)
    return sharded / "linux-64", served(sharded)


def test_a_shard_that_does_not_match_its_name_keeps_the_last_good_one(tmp_path, fixture_server):
    folder, server = fixture_server
    extra = 'subdirs = ["linux-64"]\n'
    warm = driver_for(tmp_path / "state", server.url, extra, ttl=0)
    good = warm.package("zlib", None)
    # the upstream now names a shard whose bytes hash to something else
    original = next(folder.glob("56a0*.msgpack.zst")).read_bytes()
    wrong = sha256_hex(original + b"changed")
    (folder / f"{wrong}.msgpack.zst").write_bytes(original)
    _rewrite_index(folder, "zlib", wrong)
    assert warm.package("zlib", None).files == good.files  # last good shard serves
    with pytest.raises(UpstreamInvalid) as refused:
        driver_for(tmp_path / "cold", server.url, extra).package("zlib", None)
    assert refused.value.code == "upstream_shard_invalid"
    assert "sha256" in refused.value.message


def test_an_index_naming_a_missing_shard(tmp_path, fixture_server):
    folder, server = fixture_server
    extra = 'subdirs = ["linux-64"]\n'
    warm = driver_for(tmp_path / "state", server.url, extra, ttl=0)
    good = warm.package("zlib", None)
    _rewrite_index(folder, "zlib", "ab" * 32)
    assert warm.package("zlib", None).files == good.files
    with pytest.raises(UpstreamInvalid) as missing:
        driver_for(tmp_path / "cold", server.url, extra).package("zlib", None)
    assert missing.value.code == "upstream_shard_missing"


def test_a_truncated_index_keeps_the_last_good_one(tmp_path, fixture_server):
    folder, server = fixture_server
    extra = 'subdirs = ["linux-64"]\n'
    warm = driver_for(tmp_path / "state", server.url, extra, ttl=0)
    good = warm.package("zlib", None)
    index = folder / "repodata_shards.msgpack.zst"
    shutil.copy(index, tmp_path / "index.bak")
    index.write_bytes(index.read_bytes()[:-9])
    assert warm.package("zlib", None).files == good.files
    with pytest.raises(UpstreamError) as refused:
        driver_for(tmp_path / "cold", server.url, extra).package("zlib", None)
    assert refused.value.status == 502
    assert "truncated" in refused.value.message


def test_listing_and_dependants_of_a_sharded_channel_come_from_a_background_index(tmp_path, served):
    sharded, whole = rattler_channel("test-recipes", tmp_path)
    by_shards = driver_for(tmp_path / "a", served(sharded).url, SAME_DOWNLOADS)
    by_whole = driver_for(tmp_path / "b", served(whole).url, SAME_DOWNLOADS)
    expected, total, _ = by_whole.search_with_freshness(None, "", 500, 0)
    first, first_total, freshness = by_shards.search_with_freshness(None, "", 500, 0)
    if not freshness["complete"]:  # names only until the background index is built
        assert [i["name"] for i in first] == [i["name"] for i in expected]
        assert first_total == total and all(i["latest_version"] is None for i in first)
    deadline = time.monotonic() + 60
    while not freshness["complete"]:
        assert time.monotonic() < deadline, "the background index was never built"
        time.sleep(0.1)
        items, _, freshness = by_shards.search_with_freshness(None, "", 500, 0)
    assert freshness["source"] == "shards" and items == expected
    for name in ("dependent", "dependency", "python"):
        dependants, fresh = by_shards.dependants_with_freshness(name, None)
        assert fresh["complete"] is True
        assert dependants == by_whole.dependants(name, None)
    assert by_whole.dependants("dependent", None)  # the comparison is not between empty lists
