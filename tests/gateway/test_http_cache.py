"""The HTTP cache backends: SQLite by default, Redis (a real redis-server) when configured."""

import shutil
import time

import pytest
import redis

from common.settings import Settings
from gateway.http_cache import CACHE_NAMESPACE
from gateway.upstream import UpstreamFetcher
from tests.conftest import CHANNELS
from tests.processes import UpstreamServer
from tests.processes import start_redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.stop()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "channel"
    (root / "noarch").mkdir(parents=True)
    shutil.copy(CHANNELS / "test-recipes/noarch/repodata.json", root / "noarch/repodata.json")
    upstream = UpstreamServer(root=root)
    yield upstream
    upstream.close()


def _fetcher(tmp_path, cache_url: str = "") -> UpstreamFetcher:
    settings = Settings.from_env(
        {"STATE_DIR": str(tmp_path / "state")},
        channels={},
        cache_url=cache_url,
        upstream_timeout=(0.5, 1.0),
    )
    return UpstreamFetcher(settings)


def _names(document: dict) -> list[str]:
    return sorted({r["name"] for r in document["packages.conda"].values()})


def test_redis_cache_is_shared_between_processes(tmp_path, server, redis_url):
    url = f"{server.url}/noarch/repodata.json"
    first, second = _fetcher(tmp_path, redis_url), _fetcher(tmp_path, redis_url)
    names, _ = first.get(url, ttl=60, channel="c", parse=_names)
    again, stale = second.get(url, ttl=60, channel="c", parse=_names)
    assert again == names and not stale
    assert server.count() == 1  # the second "replica" was answered by Redis
    keys = redis.Redis.from_url(redis_url).keys(f"{CACHE_NAMESPACE}*")
    assert keys, "responses are stored under the configured namespace"


def test_redis_keeps_entries_for_stale_if_error(tmp_path, server, redis_url):
    url = f"{server.url}/noarch/repodata.json?v=stale"
    _fetcher(tmp_path, redis_url).get(url, ttl=1, channel="c", parse=_names)
    server.mode = "error"
    time.sleep(1.2)
    names, stale = _fetcher(tmp_path, redis_url).get(url, ttl=1, channel="c", parse=_names)
    assert stale and "dependency" in names


def test_sqlite_cache_lives_in_the_state_dir(tmp_path, server):
    url = f"{server.url}/noarch/repodata.json"
    _fetcher(tmp_path).get(url, ttl=60, channel="c", parse=_names)
    assert (tmp_path / "state/http-cache.sqlite").exists()
    names, stale = _fetcher(tmp_path).get(url, ttl=60, channel="c", parse=_names)
    assert server.count() == 1 and not stale and names
