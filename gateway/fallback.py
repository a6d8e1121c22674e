"""The fallback upstream: channels not in the config, served from anaconda.org-shaped hosts.

Swap the host, keep the path: a channel name the config does not know is looked up on
`GATEWAY_FALLBACK_UPSTREAM` (a conda host, `<base>/<channel>/<subdir>/...`): when its noarch
subdir publishes CEP-16 shards the channel is read by shards (index + one shard per package),
otherwise through the anaconda.org API (`GATEWAY_FALLBACK_API`, `/package/<channel>/<name>`).

State is bounded per worker: at most `fallback_max_channels` channels and about
`fallback_max_bytes` of their parsed documents, least recently used first out; an unknown
channel's 404s stay in the HTTP cache (one upstream look-up per host, then cached 404s), and an
API channel that has only ever answered 404 keeps no state here. Reserved names and names of
configured channels (private ones included, in any letter case) are never looked up upstream.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from cachetools import LRUCache

from common.channels import RESERVED_NAMES
from common.channels import ChannelConfig
from common.errors import NotFound
from common.lru import peek
from common.lru import peek_values
from common.settings import Settings
from common.tokens import channel_not_found
from gateway.drivers import Driver
from gateway.drivers import make_driver
from gateway.shards import ShardReader
from gateway.shards import ShardStore
from gateway.upstream import UpstreamFetcher


@dataclass
class _Entry:
    config: ChannelConfig
    driver: Driver
    urls: tuple[str, ...]
    confirmed: bool = False  # the upstream has answered with data for this channel


class _Tracked:
    """A fallback channel's driver: an API channel that has only ever answered 404 is
    dropped from the bounded state (its 404s stay in the HTTP cache, so asking again costs
    no upstream call)."""

    def __init__(self, owner: FallbackChannels, name: str, driver: Driver):
        self._owner = owner
        self._name = name
        self._driver = driver
        self.channel = driver.channel

    def __getattr__(self, attribute: str):
        method = getattr(self._driver, attribute)
        if not callable(method):
            return method

        def call(*args, **kwargs):
            try:
                result = method(*args, **kwargs)
            except NotFound:
                self._owner.answered(self._name, found=False)
                raise
            self._owner.answered(self._name, found=True)
            return result

        return call


def _not_found(name: str) -> NotFound:
    # the very answer a private channel gives without a token: nothing tells the two apart
    return channel_not_found(name)


class FallbackChannels:
    """Resolves unknown channel names on the fallback upstream, with bounded state."""

    def __init__(self, settings: Settings, fetcher: UpstreamFetcher, configured: set[str]):
        self.settings = settings
        self.fetcher = fetcher
        self.base = settings.fallback_upstream.rstrip("/")
        self.api = settings.fallback_api.rstrip("/")
        self._never = {name.lower() for name in configured} | set(RESERVED_NAMES)
        # least recently used first out; trim() applies the channel and byte caps
        self._channels: LRUCache[str, _Entry] = LRUCache(maxsize=math.inf)
        self._shards = ShardReader(fetcher, ShardStore(settings.state_dir / "shards"))
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether a fallback upstream is configured."""
        return bool(self.base)

    def may_look_up(self, name: str) -> bool:
        """False for reserved names and names of configured channels (any letter case)."""
        return self.enabled and name.lower() not in self._never

    def entry(self, name: str) -> _Entry:
        """The fallback channel `name` (resolved on first use); 404 when it cannot be."""
        if not self.may_look_up(name):
            raise _not_found(name)
        with self._lock:
            found = self._channels.get(name)
            if found is not None:
                return found
        found = self._resolve(name)
        with self._lock:
            self._channels[name] = found
        self.trim()
        return found

    def answered(self, name: str, *, found: bool) -> None:
        """Note how the upstream answered for channel `name`; drop it if it has never had data."""
        with self._lock:
            entry = peek(self._channels, name)
            if entry is None or entry.confirmed:
                return
            if found:
                entry.confirmed = True
                return
            del self._channels[name]

    def _resolve(self, name: str) -> _Entry:
        channel_url = f"{self.base}/{name}"
        common = {"ttl": self.settings.default_ttl, "title": f"{name} (fallback upstream)"}
        index = self._shards.index(
            f"{channel_url}/noarch", ttl=self.settings.default_ttl, channel=name
        )
        if index is not None:
            config = ChannelConfig(
                name=name,
                driver="conda",
                url=channel_url,
                subdirs=self.settings.fallback_subdirs,
                # conda-forge's channeldata.json and a crawl of its 30k shards are too big to
                # fetch because one badge was asked for
                channeldata=False,
                crawl_shards=False,
                **common,
            )
        else:
            # files download from the conda host, as conda itself fetches them
            config = ChannelConfig(
                name=name,
                driver="anaconda-org",
                url=self.api,
                owner=name,
                download_url=channel_url,
                **common,
            )
        driver = make_driver(config, self.fetcher)
        if hasattr(driver, "memory_packages"):
            driver.memory_packages = 32
        urls = (channel_url + "/", f"{self.api}/package/{name}/")
        return _Entry(config, _Tracked(self, name, driver), urls, confirmed=index is not None)

    def _bytes(self, entry: _Entry) -> int:
        return sum(self.fetcher.bytes_under(prefix) for prefix in entry.urls)

    def trim(self) -> None:
        """Drop least recently used channels over the channel and byte caps."""
        dropped = []
        with self._lock:
            total = sum(self._bytes(e) for e in peek_values(self._channels))
            while self._channels and (
                len(self._channels) > self.settings.fallback_max_channels
                or total > self.settings.fallback_max_bytes
            ):
                _, entry = self._channels.popitem()
                total -= self._bytes(entry)
                dropped.append(entry)
        for entry in dropped:
            self._drop(entry)

    def _drop(self, entry: _Entry) -> None:
        for prefix in entry.urls:
            self.fetcher.forget(prefix)

    def state(self) -> dict:
        """Sizes of the bounded state (for tests and metrics)."""
        with self._lock:
            return {
                "channels": len(self._channels),
                "bytes": sum(self._bytes(e) for e in peek_values(self._channels)),
                "documents": self.fetcher.document_count(),
            }
