"""peek and peek_values read a cachetools LRU cache without renewing what they read."""

from __future__ import annotations

from cachetools import LRUCache

from common.lru import peek
from common.lru import peek_values


def _full() -> LRUCache:
    cache = LRUCache(maxsize=3)
    for key in "abc":
        cache[key] = key.upper()
    return cache


def test_peek_reads_without_renewing():
    cache = _full()
    assert peek(cache, "a") == "A" and peek(cache, "z") is None and peek(cache, "z", 0) == 0
    cache["d"] = "D"  # "a" was peeked, not read: it is still the least recently used
    assert "a" not in cache and set(cache) == {"b", "c", "d"}


def test_peek_values_reads_every_value_without_renewing():
    cache = _full()
    cache.get("a")  # "b" is now the least recently used
    assert sorted(peek_values(cache)) == ["A", "B", "C"]
    cache["d"] = "D"
    assert set(cache) == {"a", "c", "d"}
