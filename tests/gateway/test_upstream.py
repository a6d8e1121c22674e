"""Fetching through the cache: parse once per change, stale on failure, one fetch per key."""

import shutil
import threading
import time

import pytest

from common.errors import UpstreamError
from common.errors import UpstreamInvalid
from common.settings import Settings
from gateway.upstream import UpstreamFetcher
from tests.common.dropping_server import DroppingServer
from tests.conftest import CHANNELS
from tests.processes import UpstreamServer

REPODATA = CHANNELS / "private/linux-64/repodata.json"


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "channel"
    (root / "linux-64").mkdir(parents=True)
    shutil.copy(REPODATA, root / "linux-64/repodata.json")
    upstream = UpstreamServer(root=root)
    upstream.root_dir = root
    yield upstream
    upstream.close()


def _fetcher(tmp_path, **overrides) -> UpstreamFetcher:
    settings = Settings.from_env(
        {"STATE_DIR": str(tmp_path / "state")},
        channels={},
        upstream_timeout=(0.5, 1.0),
        **overrides,
    )
    return UpstreamFetcher(settings)


def _count_packages(document: dict) -> int:
    return len(document["packages"])


def test_parsed_once_until_the_content_changes(tmp_path, server):
    fetcher = _fetcher(tmp_path)
    url = f"{server.url}/linux-64/repodata.json"
    for _ in range(200):
        value, stale = fetcher.get(url, ttl=300, channel="c", parse=_count_packages)
        assert value == 4211 and not stale
    assert fetcher.stats.parses == 1
    assert server.count() == 1


def test_refetched_after_expiry_but_parsed_only_on_change(tmp_path, server):
    fetcher = _fetcher(tmp_path)
    url = f"{server.url}/linux-64/repodata.json"
    fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    time.sleep(1.1)  # memory and HTTP cache both expire
    value, _ = fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    assert value == 4211
    assert server.count() == 2 and fetcher.stats.parses == 1  # same bytes: not parsed again
    path = server.root_dir / "linux-64/repodata.json"
    path.write_text(path.read_text().replace('"_r-mutex"', '"_r-mutex2"', 1))
    time.sleep(1.1)
    fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    assert server.count() == 3 and fetcher.stats.parses == 2


@pytest.mark.parametrize("fault", ["down", "error", "garbage", "slow"])
def test_stale_data_is_served_when_the_upstream_fails(tmp_path, server, fault):
    server.slow_seconds = 3
    fetcher = _fetcher(tmp_path)
    url = f"{server.url}/linux-64/repodata.json"
    fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    server.mode = fault
    fetcher._parsed.clear()  # a fresh worker: nothing in memory, only the HTTP cache
    time.sleep(1.1)  # let the cached entry expire
    value, stale = fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    assert value == 4211 and stale
    # the failure did not overwrite the good entry: still served once things recover
    server.mode = "ok"
    fetcher._parsed.clear()
    value, stale = fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    assert value == 4211


def test_stopping_the_upstream_mid_test_serves_stale(tmp_path, server):
    fetcher = _fetcher(tmp_path)
    url = f"{server.url}/linux-64/repodata.json"
    fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    server.close()
    time.sleep(1.1)
    value, stale = fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    assert value == 4211 and stale


def test_nothing_cached_and_upstream_down_names_the_channel(tmp_path, server):
    server.mode = "down"
    fetcher = _fetcher(tmp_path)
    with pytest.raises(UpstreamError) as failure:
        fetcher.get(f"{server.url}/linux-64/repodata.json", ttl=1, channel="c", parse=dict)
    assert failure.value.status == 503 and "'c'" in failure.value.message
    assert server.url not in failure.value.message


def test_garbage_with_nothing_cached_is_502(tmp_path, server):
    server.mode = "garbage"
    fetcher = _fetcher(tmp_path)
    with pytest.raises(UpstreamInvalid) as failure:
        fetcher.get(f"{server.url}/linux-64/repodata.json", ttl=1, channel="c", parse=dict)
    assert failure.value.status == 502


def test_stale_age_is_bounded(tmp_path, server):
    fetcher = _fetcher(tmp_path, stale_max_age=1)
    url = f"{server.url}/linux-64/repodata.json"
    fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
    server.mode = "down"
    time.sleep(2.2)  # expired 1.2 s ago: staler than the 1 s we accept
    with pytest.raises(UpstreamError):
        fetcher.get(url, ttl=1, channel="c", parse=_count_packages)


def test_concurrent_cold_requests_make_one_fetch(tmp_path, server):
    fetcher = _fetcher(tmp_path)
    url = f"{server.url}/linux-64/repodata.json"
    start = threading.Barrier(50)
    results = []

    def worker():
        start.wait()
        results.append(fetcher.get(url, ttl=300, channel="c", parse=_count_packages)[0])

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [4211] * 50
    assert server.count() == 1
    assert fetcher.stats.parses == 1


def test_an_upstream_connection_dropped_as_it_is_reused_is_asked_again(tmp_path):
    """Another gateway as upstream closes an idle kept-alive connection after 5 s, maybe just
    as this one reuses it: the fetch goes out once more, not stale and not an error."""
    with DroppingServer(body=b'{"packages": {"a": {}, "b": {}}}').running() as upstream:
        fetcher = _fetcher(tmp_path)
        answers = [
            fetcher.get(f"{upstream.url}/{n}/repodata.json", ttl=60, channel="c", parse=len)
            for n in range(3)
        ]
    assert answers == [(1, False)] * 3
    paths = [line.split()[1] for line in upstream.requests]
    assert paths == [f"/{n}/repodata.json" for n in (0, 1, 1, 2, 2)]


def test_a_slow_upstream_is_asked_once_not_again(tmp_path):
    with DroppingServer(silent=True).running() as upstream, pytest.raises(UpstreamError):
        _fetcher(tmp_path).get(f"{upstream.url}/repodata.json", ttl=60, channel="c", parse=len)
    assert len(upstream.requests) == 1


def test_a_spent_budget_still_reads_the_http_cache_and_what_was_parsed_before(tmp_path, server):
    from common import upstream_budget

    fetcher = _fetcher(tmp_path)
    url = f"{server.url}/linux-64/repodata.json"
    budget = upstream_budget.begin(1)
    try:
        assert fetcher.get(url, ttl=1, channel="c", parse=_count_packages)[0] == 4211
        assert budget.spent == 1 and server.count() == 1
        with pytest.raises(upstream_budget.UpstreamBudgetExhausted):
            fetcher.get(f"{server.url}/linux-64/other.json", ttl=1, channel="c", parse=len)
        time.sleep(1.1)  # expired: a refresh is due, but this request has nothing left
        value, _ = fetcher.get(url, ttl=1, channel="c", parse=_count_packages)
        assert value == 4211 and server.count() == 1
        fetcher._parsed.clear()  # noqa: SLF001 - a new worker: only the HTTP cache holds it
        assert fetcher.get(url, ttl=300, channel="c", parse=_count_packages)[0] == 4211
        assert server.count() == 1
    finally:
        upstream_budget.end()
