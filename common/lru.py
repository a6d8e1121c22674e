"""Reading a cachetools cache without renewing an entry (cachetools has no peek)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cachetools import Cache


def peek(cache: Cache, key: Any, default: Any = None) -> Any:
    """The value for `key`, or `default`, leaving the cache's order alone (a plain dict read:
    atomic, so it needs no lock)."""
    try:
        return Cache.__getitem__(cache, key)
    except KeyError:
        return default


def peek_values(cache: Cache) -> Iterator[Any]:
    """Every value, leaving the cache's order alone (`cache.values()` would renew each one in
    an LRU cache); the caller holds the cache's lock."""
    for key in list(cache):
        yield Cache.__getitem__(cache, key)
