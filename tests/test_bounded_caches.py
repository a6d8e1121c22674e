"""Every bounded in-process cache (cachetools) keeps its bound and its policy: LRU caches
renew an entry on a read, FIFO ones drop the oldest stored whatever was read since."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

import gateway.hostindex.refresh as refresh
import gateway.shards as shards
import gateway.upstream as upstream
import vulns.service as vuln_service
from common.settings import Settings
from contents.store import MemoryCache
from gateway.hostindex import HostIndexes
from gateway.package_files import _SpecCache
from gateway.response_cache import ResponseCache
from gateway.shards import ShardStore
from gateway.upstream import UpstreamFetcher
from services.badges.source import ArtifactSource
from services.sbom import generate
from services.sbom.facts_cache import FactsCache
from tests.conftest import EMBEDDED_VULNS_DB
from tests.gateway.shards.test_reader import driver_for
from tests.services.badges.helpers import FakeMetadataClient

BOUND = 3
INFO = object()  # one PackageInfo stand-in: the spec cache checks identity only


@dataclass
class Case:
    """How to fill, read and list one cache made with room for BOUND entries."""

    make: Any  # (tmp_path, monkeypatch) -> the object holding the cache
    put: Any  # (obj, key) -> None
    read: Any  # (obj, key) -> whether it was there
    held: Any  # obj -> the keys it holds now
    lru: bool


def _settings(tmp_path) -> Settings:
    return Settings.from_env({"STATE_DIR": str(tmp_path)}, with_channels=False, channels={})


def _patched(monkeypatch, module, name: str, make):
    monkeypatch.setattr(module, name, BOUND)
    return make()


def _parsed() -> upstream._Parsed:
    return upstream._Parsed("f", {}, 0.0, 0.0)


def _badges(tmp_path, monkeypatch) -> ArtifactSource:
    names = [str(n) for n in range(BOUND + 1)]
    client = FakeMetadataClient({("main", name): {"name": name} for name in names})
    return ArtifactSource(client, ttl=60.0, maxsize=BOUND)


def _documents(tmp_path, monkeypatch) -> generate.DocumentCache:
    monkeypatch.setattr(generate, "render", lambda facts, fmt: f"document {facts.key()}")
    return generate.DocumentCache(BOUND)


def _badge_read(source, key) -> bool:
    calls = len(source.client.calls)
    source.artifact("main", key)
    return len(source.client.calls) == calls


def _document(cache, key) -> bytes:
    facts, fmt = SimpleNamespace(key=lambda: key), SimpleNamespace(key="cdx")
    return cache.get(facts, fmt)


def _vuln_facts(service, key):
    file = SimpleNamespace(filename=key, name="zlib", version="1", build="0", subdir="noarch")
    return service._file_facts(service.snapshot(), None, (), (), file)


CASES = {
    "response cache": Case(
        lambda tmp, mp: ResponseCache(max_entries=BOUND),
        lambda c, k: c.put(k, 200, {"Cache-Control": "max-age=60"}, b"x"),
        lambda c, k: c.get(k) is not None,
        lambda c: set(c._entries),
        lru=True,
    ),
    "spec answers": Case(
        lambda tmp, mp: _SpecCache(entries=BOUND),
        lambda c, k: c.put(INFO, (k,), []),
        lambda c, k: c.get(INFO, (k,)) is not None,
        lambda c: {key[1] for key in c._items},
        lru=True,
    ),
    "conda packages": Case(
        lambda tmp, mp: _driver(tmp),
        lambda d, k: d._remembered((k,), dict),
        lambda d, k: d._remembered((k,), _unexpected) is not None,
        lambda d: {key[0] for key in d._packages},
        lru=True,
    ),
    "parsed documents": Case(
        lambda tmp, mp: _patched(
            mp, upstream, "MAX_PARSED_DOCUMENTS", lambda: UpstreamFetcher(_settings(tmp))
        ),
        lambda f, k: f._remember(k, _parsed()),
        lambda f, k: f._parsed_entry(k) is not None,
        lambda f: set(f._parsed),
        lru=False,
    ),
    "missing index keys": Case(
        lambda tmp, mp: _patched(mp, refresh, "MAX_MISSING", lambda: HostIndexes(_settings(tmp))),
        lambda h, k: h._note_missing(k, 60),
        lambda h, k: h._is_missing(k),
        lambda h: set(h._missing),
        lru=False,
    ),
    "decoded shards": Case(
        lambda tmp, mp: _patched(mp, shards, "MEMORY_SHARDS", lambda: ShardStore(tmp)),
        lambda s, k: s._keep(k, {}),
        lambda s, k: s._decoded(k) is not None,
        lambda s: set(s._memory),
        lru=True,
    ),
    "badge facts": Case(
        _badges,
        lambda s, k: s.artifact("main", k),
        _badge_read,
        lambda s: {key[2] for key in s._entries},
        lru=False,
    ),
    "sbom facts": Case(
        lambda tmp, mp: FactsCache(ttl=60.0, entries=BOUND),
        lambda c, k: c.get(k, object),
        lambda c, k: c.get(k, _unexpected) is not None,
        lambda c: set(c._items),
        lru=False,
    ),
    "sbom documents": Case(
        _documents,
        _document,
        lambda c, k: _document(c, k) is not None,
        lambda c: {key[0] for key in c._items},
        lru=True,
    ),
    "vulnerability facts": Case(
        lambda tmp, mp: _patched(
            mp, vuln_service, "CACHE_SIZE", lambda: vuln_service.VulnService(EMBEDDED_VULNS_DB)
        ),
        _vuln_facts,
        lambda s, k: k in {key[3] for key in s._facts} and _vuln_facts(s, k) is not None,
        lambda s: {key[3] for key in s._facts},
        lru=False,
    ),
    "contents documents": Case(
        lambda tmp, mp: MemoryCache(entries=BOUND),
        lambda c, k: c.put(k, {}),
        lambda c, k: c.get(k) is not None,
        lambda c: set(c._items),
        lru=True,
    ),
}


def _unexpected():
    raise AssertionError("a read of a held entry must not make it again")


def _driver(tmp_path):
    driver = driver_for(tmp_path, (tmp_path / "none").as_uri())
    driver.memory_packages = BOUND
    return driver


@pytest.mark.parametrize("name", CASES)
def test_each_cache_keeps_its_bound_and_policy(name, tmp_path, monkeypatch):
    case = CASES[name]
    cache = case.make(tmp_path, monkeypatch)
    keys = [str(n) for n in range(BOUND + 1)]
    for key in keys[:BOUND]:
        case.put(cache, key)
    assert case.read(cache, keys[0])  # read the oldest: an LRU cache now keeps it
    case.put(cache, keys[BOUND])
    dropped = keys[1] if case.lru else keys[0]
    assert case.held(cache) == set(keys) - {dropped}
