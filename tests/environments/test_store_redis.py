"""The environment store on a real redis-server: the same bounds as SQLite."""

from __future__ import annotations

import pytest

from environments.store import Limits
from environments.store import RedisStore
from tests.environments.test_store import BODIES
from tests.environments.test_store import Clock
from tests.processes import start_redis

pytestmark = pytest.mark.integration


def test_count_and_bytes_bound_the_redis_store(tmp_path):
    redis, url = start_redis(tmp_path / "redis")
    try:
        clock = Clock()
        store = RedisStore(url, Limits(count=2, bytes=10**9, ttl=100), clock)
        for index, body in enumerate(BODIES[:3]):
            clock.now += 1
            store.put(f"id{index}", body)
        assert store.get("id0") is None
        assert (store.get("id1"), store.get("id2")) == (BODIES[1], BODIES[2])
        budget = len(BODIES[1]) + len(BODIES[2])
        tight = RedisStore(url, Limits(count=10, bytes=budget, ttl=100), clock)
        clock.now += 1
        tight.put("id3", BODIES[3])
        kept = [i for i in range(4) if tight.get(f"id{i}") is not None]
        assert 3 in kept and sum(len(BODIES[i]) for i in kept) <= budget
        assert tight.client.ttl("conda-badges:environments:id3") <= 100
    finally:
        redis.stop()
