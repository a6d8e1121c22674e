"""The gateway's response cache: what may be stored, keys, bounds, and the Redis layer."""

import time

import pytest

from gateway import response_cache
from gateway.response_cache import ResponseCache
from gateway.response_cache import shared_max_age
from tests.processes import start_redis

SVG = {"Content-Type": "image/svg+xml; charset=utf-8", "ETag": '"abc"'}


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("max-age=300, s-maxage=300", 300),
        ("public, max-age=60, s-maxage=120", 120),
        ("max-age=60", 60),
        ("private, no-store", None),
        ("no-cache", None),
        ("max-age=0", None),
        ("max-age=soon", None),
        (None, None),
    ],
)
def test_shared_max_age(header, seconds):
    assert shared_max_age(header) == seconds


def test_only_shareable_responses_are_stored_and_they_expire():
    cache = ResponseCache()
    assert not cache.put("k1", 200, {**SVG, "Cache-Control": "private, no-store"}, b"<svg/>")
    assert cache.get("k1") is None
    assert cache.put("k2", 200, {**SVG, "Cache-Control": "max-age=1"}, b"<svg/>")
    entry = cache.get("k2")
    assert entry.body == b"<svg/>" and entry.header("etag") == '"abc"'
    time.sleep(1.1)
    assert cache.get("k2") is None


def test_memory_is_bounded():
    cache = ResponseCache(max_entries=3)
    for n in range(5):
        cache.put(f"k{n}", 200, {"Cache-Control": "max-age=60"}, b"x")
    assert [cache.get(f"k{n}") is not None for n in range(5)] == [False, False, True, True, True]


def test_redis_layer_is_shared_and_stores_json_not_pickle(tmp_path):
    process, url = start_redis(tmp_path)
    try:
        first, second = ResponseCache(redis_url=url), ResponseCache(redis_url=url)
        first.put("k", 200, {**SVG, "Cache-Control": "max-age=60"}, b"<svg>1</svg>")
        entry = second.get("k")  # another replica
        assert entry is not None and entry.body == b"<svg>1</svg>" and entry.status == 200
        import redis

        raw = redis.Redis.from_url(url).get("conda-badges:response:k")
        assert raw.startswith(b"{")  # JSON
        redis.Redis.from_url(url).set("conda-badges:response:bad", b"\x80\x04garbage")
        assert second.get("bad") is None
    finally:
        process.stop()
    # Redis gone: the cache still works from memory, and puts do not raise
    assert second.get("k") is not None
    assert second.put("k3", 200, {"Cache-Control": "max-age=60"}, b"x")


def test_a_purged_redis_entry_leaves_every_workers_memory_within_the_recheck(tmp_path, monkeypatch):
    monkeypatch.setattr(response_cache, "LOCAL_RECHECK", 0.3)
    process, url = start_redis(tmp_path)
    try:
        worker = ResponseCache(redis_url=url)
        worker.put("k", 200, {**SVG, "Cache-Control": "max-age=60"}, b"<svg/>")
        assert worker.get_local("k") is not None
        import redis

        redis.Redis.from_url(url).delete("conda-badges:response:k")  # conda-badges-purge
        assert worker.get_local("k") is not None  # trusted for LOCAL_RECHECK seconds...
        time.sleep(0.4)
        assert worker.get_local("k") is None and worker.get("k") is None  # ...then asked again
        worker.put("k2", 200, {**SVG, "Cache-Control": "max-age=60"}, b"<svg/>")
    finally:
        process.stop()
    time.sleep(0.4)  # Redis down: the memory copy is served while the entry itself is fresh
    assert worker.get("k2") is not None
