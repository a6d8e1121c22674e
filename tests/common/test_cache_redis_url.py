"""`Settings.cache_redis_url` is the one answer to "is the shared cache Redis?": with a
`unix://` URL (a real redis-server on a unix socket, no TCP) every cache and limiter is shared
between two replicas, as with `redis://`."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest
import redis

from common.settings import Settings
from contents import ContentsService
from gateway import create_app
from gateway.http_cache import CACHE_NAMESPACE
from gateway.proxy import ServiceProxy
from gateway.upstream import UpstreamFetcher
from runner.embedded import CHANNELS
from runner.embedded import local_ref
from runner.processes import start_redis
from runner.system import LOCAL_ISSUER
from runner.system import LOCAL_SECRET
from runner.upstream import UpstreamServer
from tests.gateway.channels import rattler_channel
from tests.gateway.shards.test_reader import driver_for

ZLIB_CONDA = CHANNELS / "main" / "linux-64" / "zlib-1.2.11-h7b6447c_3.conda"
API = "/api/channels/main/artifacts/conda/zlib"


@pytest.mark.parametrize(
    ("url", "redis"),
    [
        ("redis://127.0.0.1:6379/0", True),
        ("rediss://cache.example:6380/1", True),
        ("unix:///run/redis/redis.sock?db=0", True),
        ("sqlite:///var/cache.sqlite", False),
        ("", False),
    ],
)
def test_which_cache_urls_name_a_redis(url, redis):
    settings = Settings.from_env({"GATEWAY_CACHE_URL": url}, with_channels=False)
    assert settings.cache_redis_url == (url if redis else "")


@pytest.fixture(scope="module")
def unix_redis():
    """A redis-server on a unix socket only (a short path: sockets allow ~108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="redis-", dir="/tmp"))
    process, url = start_redis(folder, unix_socket=folder / "redis.sock")
    assert url.startswith("unix://")
    yield url
    process.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _settings(state: Path, url: str, **values) -> Settings:
    environ = {"STATE_DIR": str(state), "GATEWAY_CACHE_URL": url}
    return Settings.from_env(environ, with_channels=False, channels={}, **values)


@pytest.fixture
def channel_server(tmp_path):
    """test-recipes as py-rattler indexes it, over loopback HTTP."""
    _, root = rattler_channel("test-recipes", tmp_path)
    server = UpstreamServer(root=root)
    yield server
    server.close()


@pytest.mark.integration
def test_the_http_cache_is_shared(tmp_path, unix_redis, channel_server):
    url = f"{channel_server.url}/noarch/repodata.json"
    replicas = [UpstreamFetcher(_settings(tmp_path / n, unix_redis)) for n in ("a", "b")]
    answers = [r.get(url, ttl=60, channel="c", parse=lambda d: sorted(d)) for r in replicas]
    assert answers[0] == answers[1] and channel_server.count() == 1
    assert redis.Redis.from_url(unix_redis).keys(f"{CACHE_NAMESPACE}*")  # and Redis has it


@pytest.mark.integration
def test_the_fetch_locks_are_shared(tmp_path, unix_redis):
    first, second = (UpstreamFetcher(_settings(tmp_path / n, unix_redis)) for n in ("a", "b"))
    with first.shared_locks.hold("one key", wait=0) as held:
        assert held
        with second.shared_locks.hold("one key", wait=0) as also:
            assert not also


@pytest.mark.integration
def test_the_response_cache_is_shared(tmp_path, unix_redis):
    first, second = (ServiceProxy(_settings(tmp_path / n, unix_redis)) for n in ("a", "b"))
    first.cache.put("badge", 200, {"Cache-Control": "max-age=60"}, b"<svg/>")
    assert second.cache.get("badge").body == b"<svg/>"


@pytest.mark.integration
def test_the_rate_limit_counters_are_shared(tmp_path, unix_redis):
    def replica(name: str):
        environ = {"STATE_DIR": str(tmp_path / name), "GATEWAY_CACHE_URL": unix_redis}
        environ |= {"TOKEN_HS256_SECRET": LOCAL_SECRET, "TOKEN_ISSUER": LOCAL_ISSUER}
        settings = dataclasses.replace(Settings.from_env(environ), rate_limit="3 per minute")
        return create_app(settings).test_client()

    first, second = replica("a"), replica("b")
    statuses = [c.get(API).status_code for c in (first, first, second, second)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.integration
def test_the_contents_store_is_shared(tmp_path, unix_redis):
    first, second = (ContentsService(_settings(tmp_path / n, unix_redis)) for n in ("a", "b"))
    document = first.get(local_ref(ZLIB_CONDA))
    assert second.get(local_ref(ZLIB_CONDA)) == document
    assert (second.stats.reads, second.stats.store_hits) == (0, 1)


@pytest.mark.integration
def test_the_host_index_downloads_once_for_every_replica(tmp_path, unix_redis, channel_server):
    extra = 'subdirs = ["noarch"]\n'
    first, second = (
        driver_for(tmp_path / n, channel_server.url, extra, cache_url=unix_redis)
        for n in ("a", "b")
    )
    files = first.package("dependent", None).files
    fetched = channel_server.count()
    assert second.package("dependent", None).files == files
    assert channel_server.count() == fetched
