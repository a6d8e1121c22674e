"""The environment store: bounded by count, bytes and age (SQLite here; Redis in the system
test), a put is whole or nothing."""

from __future__ import annotations

import pytest

from environments.store import Limits
from environments.store import SqliteStore
from tests.environments.lockdata import ALL_LOCKS


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


BODIES = [p.read_bytes() for p in ALL_LOCKS[:4]]


def test_count_bytes_and_age_bound_the_store(tmp_path):
    clock = Clock()
    store = SqliteStore(tmp_path / "s.sqlite", Limits(count=2, bytes=10**9, ttl=100), clock)
    for index, body in enumerate(BODIES[:3]):
        clock.now += 1
        store.put(f"id{index}", body)
    assert store.get("id0") is None and store.get("id1") == BODIES[1]
    assert store.get("id2") == BODIES[2]
    clock.now += 101
    assert store.get("id2") is None  # expired
    small = SqliteStore(
        tmp_path / "b.sqlite", Limits(10, len(BODIES[0]) + len(BODIES[1]), 100), clock
    )
    for index, body in enumerate(BODIES[:3]):
        clock.now += 1
        small.put(f"id{index}", body)
    kept = [i for i in range(3) if small.get(f"id{i}") is not None]
    assert sum(len(BODIES[i]) for i in kept) <= len(BODIES[0]) + len(BODIES[1])
    assert 2 in kept  # the newest stays


def test_storing_again_renews(tmp_path):
    clock = Clock()
    store = SqliteStore(tmp_path / "s.sqlite", Limits(count=2, bytes=10**9, ttl=100), clock)
    store.put("a", BODIES[0])
    clock.now += 1
    store.put("b", BODIES[1])
    clock.now += 1
    store.put("a", BODIES[0])  # renewed: now the newest
    clock.now += 1
    store.put("c", BODIES[2])
    assert store.get("b") is None and store.get("a") == BODIES[0]


def test_a_failed_put_stores_nothing(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite", Limits(count=2, bytes=10**9, ttl=100))
    with pytest.raises(TypeError):
        store.put("a", object())  # type: ignore[arg-type]
    assert store.get("a") is None
